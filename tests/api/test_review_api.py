"""Expert review over /api/v1/: a round from creation to published advancement, the judge's
assignments and score sheets, tenancy (404 outside one's scope) and blind review.

Every write goes through ``review.services``; these tests check what the API makes of them:
exact JSON bodies, status codes, and that a blind round never shows who the entrant is.
"""

import json
from datetime import datetime
from decimal import Decimal

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from contest.catalog.models import Event
from contest.core.models import AuditRecord
from contest.review.models import Assignment, Conflict, Quota, ReviewRound, ScoreSheet
from contest.review.models.rounds import default_rubric
from tests.api.test_registration_api import UNAUTHENTICATED, Api, as_json
from tests.registration.factories import SHANGHAI, organizer_for, user
from tests.review.factories import expert, qualified_entries
from tests.review.test_ranking_sql import maker_entry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOON = datetime(2024, 8, 1, 12, tzinfo=SHANGHAI)
NOON_TEXT = "2024-08-01T12:00:00+08:00"
NINGBO = "第九届“创客中国”宁波市中小企业创新创业大赛"
FULL = {"innovation": "25", "business_model": "15", "market": "16", "team": "17", "finance_social": "8"}
ROUND_NOT_FOUND = {"detail": "未找到该评审轮次。", "code": "round_not_found", "field": "id"}
ASSIGNMENT_NOT_FOUND = {"detail": "未找到该评审任务。", "code": "assignment_not_found", "field": "id"}
RUBRIC = default_rubric()
#: The judge's view of an entry in a blind round: these keys and no others.
BLIND_ENTRY_KEYS = {
    "code", "title", "industry", "industry_label", "summary", "innovation", "market", "business_model",
    "team_description", "finances", "funding_sought", "ip_list", "business_plan_pages",
}  # fmt: skip


@pytest.fixture
def season(ningbo, django_capture_on_commit_callbacks):
    """宁波: 2 enterprise entries and 1 maker team, qualified; 4 experts, one of them working at the
    first entry's enterprise; the organizer's API client."""
    entries, organizer = qualified_entries(ningbo, 2)
    entries.append(maker_entry(ningbo, organizer, 7))
    insider = expert(organizer, org=entries[0].enterprise.name)
    experts = [insider] + [expert(organizer, org=f"研究院{i}") for i in range(3)]
    return {"event": ningbo, "entries": entries, "experts": experts, "organizer": organizer,
            "api": Api(organizer), "capture": django_capture_on_commit_callbacks}  # fmt: skip


def round_body(**overrides) -> dict:
    return {
        "name": "网络初评",
        "stage": "preliminary",
        "judges_per_entry": 3,
        "default_max_load": 3,
        **overrides,
    }


def created_round(season, **overrides) -> dict:
    body = round_body(event_id=season["event"].pk, **overrides)
    return as_json(season["api"].post("/rounds", body), 201)


def ready_round(season, **overrides) -> int:
    """A round with the season's entries and judges, assigned and open; returns its id."""
    api = season["api"]
    rid = created_round(season, **overrides)["id"]
    as_json(api.post(f"/rounds/{rid}/entries"), 200)
    as_json(api.post(f"/rounds/{rid}/judges", {"expert_ids": [e.pk for e in season["experts"]]}), 200)
    as_json(api.post(f"/rounds/{rid}/detect-conflicts"), 200)
    with season["capture"](execute=True):
        as_json(api.post(f"/rounds/{rid}/assign"), 202)
    as_json(api.post(f"/rounds/{rid}/open"), 200)
    return rid


def judge_api(expert_) -> Api:
    return Api(expert_.user)


def identity_strings(entries) -> list[str]:
    found = []
    for e in entries:
        found += [e.number, e.credit_code or "", e.business_plan_name, e.owner.email]
        if e.enterprise_id:
            found += [e.enterprise.name, e.enterprise.credit_code, e.enterprise.contact_name,
                      e.enterprise.contact_phone, e.enterprise.contact_phone.removeprefix("+86")]  # fmt: skip
        else:
            found += [e.team.name, e.team.leader_name, e.team.leader_phone.removeprefix("+86")]
            found += [m.name for m in e.team.members.all()] + [
                m.phone.removeprefix("+86") for m in e.team.members.all()
            ]
    return [s for s in found if s]


# -- the whole flow --------------------------------------------------------------------------------


def test_round_from_creation_to_published_advancement_through_the_api(season):
    api, e, experts = season["api"], season["entries"], season["experts"]
    with time_machine.travel(NOON, tick=False):
        body = created_round(season)
    rid = body["id"]
    expected_round = {
        "id": rid, "edition": 9, "event": {"id": season["event"].pk, "name": NINGBO}, "name": "网络初评",
        "stage": "preliminary", "status": "draft", "status_label": "筹备中", "judges_per_entry": 3,
        "default_max_load": 3, "blind": True, "judges_see_others": False, "opens_at": None, "closes_at": None,
        "aggregation": "mean", "normalize": False, "places": 2, "rank_by_industry": False,
        "require_investor": False, "distinct_organizations": False, "carry_over": "fresh", "carry_weight": "0.000",
        "previous_id": None, "rubric": RUBRIC, "counts": {"entries": 0, "judges": 0, "assignments": 0, "submitted": 0},
        "quotas": [],
    }  # fmt: skip
    assert body == expected_round

    assert as_json(api.post(f"/rounds/{rid}/entries"), 200) == {"added": 3, "total": 3}
    assert as_json(api.post(f"/rounds/{rid}/entries"), 200) == {"added": 0, "total": 3}
    assert as_json(api.post(f"/rounds/{rid}/judges", {"expert_ids": [x.pk for x in experts]}), 200) == {
        "added": 4,
        "total": 4,
    }
    assert as_json(api.post(f"/rounds/{rid}/detect-conflicts"), 200) == {"detected": 1}
    assert list(Conflict.objects.values_list("expert_id", "entry_id", "kind")) == [
        (experts[0].pk, e[0].pk, "same_organization")
    ]

    with time_machine.travel(NOON, tick=False), season["capture"](execute=True):
        queued = as_json(api.post(f"/rounds/{rid}/assign"), 202)
    assert queued == {
        "id": queued["id"], "round_id": rid, "status": "queued", "status_label": "排队中", "progress": 0,
        "message": "", "finished": False, "stats": {}, "created_at": NOON_TEXT, "finished_at": None,
    }  # fmt: skip
    run = as_json(api.get(f"/runs/{queued['id']}"), 200)
    stats = run.pop("stats")
    assert {k: run[k] for k in ("status", "progress", "message", "finished")} == {
        "status": "done", "progress": 100, "message": "分配完成", "finished": True,
    }  # fmt: skip
    assert {k: stats[k] for k in ("entries", "judges", "pairs", "added", "optimal")} == {
        "entries": 3, "judges": 4, "pairs": 9, "added": 9, "optimal": True,
    }  # fmt: skip
    assert not Assignment.objects.filter(expert=experts[0], round_entry__entry=e[0]).exists()

    opened = as_json(api.post(f"/rounds/{rid}/open"), 200)
    assert opened == {**expected_round, "status": "open", "status_label": "评审中",
                      "counts": {"entries": 3, "judges": 4, "assignments": 9, "submitted": 0}}  # fmt: skip

    # every judge scores every entry assigned to them: 技术创新 differs by entry
    innovation = {e[0].pk: "28", e[1].pk: "22", e[2].pk: "25"}
    for judge in experts:
        japi = judge_api(judge)
        for line in as_json(japi.get("/judge/assignments"), 200):
            a = Assignment.objects.select_related("round_entry").get(pk=line["id"])
            scores = {**FULL, "innovation": innovation[a.round_entry.entry_id]}
            sheet = as_json(japi.post(f"/judge/assignments/{a.pk}/submit", {"scores": scores}), 200)
            assert (sheet["status"], sheet["version"]) == ("submitted", 2)

    ranking = as_json(api.get(f"/rounds/{rid}/ranking"), 200)
    codes = dict(ReviewRound.objects.get(pk=rid).round_entries.values_list("entry_id", "code"))
    assert ranking == {
        "round_id": rid, "aggregation": "mean", "normalize": False, "places": 2,
        "rows": [
            {"rank": 1, "entry_id": e[0].pk, "code": codes[e[0].pk], "number": e[0].number, "title": e[0].title,
             "group": "enterprise", "industry": "I", "value": "84.00", "exact": "84.0000", "n_scores": 3,
             "too_few": False, "tied_with": []},
            {"rank": 2, "entry_id": e[1].pk, "code": codes[e[1].pk], "number": e[1].number, "title": e[1].title,
             "group": "enterprise", "industry": "I", "value": "78.00", "exact": "78.0000", "n_scores": 3,
             "too_few": False, "tied_with": []},
            {"rank": 1, "entry_id": e[2].pk, "code": codes[e[2].pk], "number": e[2].number, "title": "创客项目7",
             "group": "maker", "industry": "I", "value": "81.00", "exact": "81.0000", "n_scores": 3,
             "too_few": False, "tied_with": []},
        ],
    }  # fmt: skip

    closed = as_json(api.post(f"/rounds/{rid}/close"), 200)
    assert (closed["status"], closed["counts"]["submitted"]) == ("closed", 9)
    assert as_json(api.post(f"/rounds/{rid}/quota", {"group": "enterprise", "kind": "count", "count": 1}), 200) == {
        "group": "enterprise", "kind": "count", "count": 1, "percent": None, "floor": None, "cap": None,
        "total": None, "taken": 0,
    }  # fmt: skip
    staged = as_json(
        api.post(f"/rounds/{rid}/decisions", {"decisions": [{"entry_id": e[0].pk, "decision": "advance"},
                                                            {"entry_id": e[1].pk, "decision": "hold"}],
                                              "note": "按排名"}),
        200,
    )  # fmt: skip
    assert staged == [
        {"entry_id": e[0].pk, "code": codes[e[0].pk], "decision": "advance", "rank": 1, "score": "84.0000",
         "note": "按排名", "published_at": None},
        {"entry_id": e[1].pk, "code": codes[e[1].pk], "decision": "hold", "rank": 2, "score": "78.0000",
         "note": "按排名", "published_at": None},
    ]  # fmt: skip

    with time_machine.travel(NOON, tick=False):
        published = as_json(api.post(f"/rounds/{rid}/publish"), 200)
    assert published == {
        "advancing": {"enterprise": 1},
        "decisions": [{**d, "published_at": NOON_TEXT} for d in staged],
    }
    final = as_json(api.get(f"/rounds/{rid}"), 200)
    assert (final["status"], final["quotas"]) == ("published", [{
        "group": "enterprise", "kind": "count", "count": 1, "percent": None, "floor": None, "cap": None,
        "total": None, "taken": 1,
    }])  # fmt: skip
    assert as_json(api.post(f"/rounds/{rid}/publish"), 409) == {
        "detail": "请先结束评审，再发布晋级结果。", "code": "conflict", "field": None,
    }  # fmt: skip
    assert as_json(api.get("/rounds"), 200) == [final]


def test_publishing_beyond_the_quota_is_409_and_publishes_nothing(season):
    api, e = season["api"], season["entries"]
    rid = ready_round(season)
    as_json(api.post(f"/rounds/{rid}/close"), 200)
    as_json(api.post(f"/rounds/{rid}/quota", {"group": "enterprise", "kind": "count", "count": 1}), 200)
    decisions = [{"entry_id": x.pk, "decision": "advance"} for x in e[:2]]

    response = api.post(f"/rounds/{rid}/publish", {"decisions": decisions, "acknowledged_too_few": 3})

    assert as_json(response, 409) == {
        "detail": "enterprise 组晋级 2 个，超过名额 1 个。",
        "code": "conflict",
        "field": None,
    }
    assert Quota.objects.get(round_id=rid).taken == 0
    assert (
        as_json(api.post(f"/rounds/{rid}/decisions", {"decisions": decisions[:1]}), 200)[0]["published_at"]
        is None
    )


def test_publish_without_a_quota_names_the_field(season):
    api, e = season["api"], season["entries"]
    rid = ready_round(season)
    as_json(api.post(f"/rounds/{rid}/close"), 200)

    response = api.post(
        f"/rounds/{rid}/publish",
        {"decisions": [{"entry_id": e[0].pk, "decision": "advance"}], "acknowledged_too_few": 3},
    )

    assert as_json(response, 422) == {
        "detail": "enterprise 组尚未设置晋级名额。", "code": "invalid", "field": "quota",
        "fields": {"quota": "enterprise 组尚未设置晋级名额。"},
    }  # fmt: skip


def test_publish_with_too_few_scores_is_422_unless_acknowledged(season):
    api, e = season["api"], season["entries"]
    rid = ready_round(season)
    as_json(api.post(f"/rounds/{rid}/close"), 200)
    as_json(api.post(f"/rounds/{rid}/quota", {"group": "enterprise", "kind": "count", "count": 1}), 200)
    body = {"decisions": [{"entry_id": e[0].pk, "decision": "advance"}]}
    message = "有 3 个项目评分不足（提交的评分少于每个项目的评审人数），请确认“我已知晓 3 个项目评分不足，仍要发布”后再发布。"

    assert as_json(api.post(f"/rounds/{rid}/publish", {**body, "acknowledged_too_few": 2}), 422) == {
        "detail": message, "code": "invalid", "field": "acknowledge_too_few",
        "fields": {"acknowledge_too_few": message},
    }  # fmt: skip
    assert ReviewRound.objects.get(pk=rid).status == "closed"

    published = as_json(api.post(f"/rounds/{rid}/publish", {**body, "acknowledged_too_few": 3}), 200)
    assert published["advancing"] == {"enterprise": 1}
    assert ReviewRound.objects.get(pk=rid).status == "published"


# -- the judge's side ----------------------------------------------------------------------------------


def test_blind_round_shows_the_judge_no_identity_of_the_entrant(season):
    rid = ready_round(season)
    judge = season["experts"][1]
    japi = judge_api(judge)
    mine = list(Assignment.objects.filter(round_id=rid, expert=judge).select_related("round_entry__entry")
                .order_by("round_entry__code"))  # fmt: skip

    listing = as_json(japi.get("/judge/assignments"), 200)
    detail = [as_json(japi.get(f"/judge/assignments/{a.pk}"), 200) for a in mine]

    judge_round = {"id": rid, "name": "网络初评", "stage": "preliminary", "status": "open", "blind": True,
                   "opens_at": None, "closes_at": None}  # fmt: skip
    assert listing == [
        {"id": a.pk, "round": judge_round, "code": a.round_entry.code, "title": a.round_entry.entry.title,
         "industry": "I", "state": "pending", "total": None}
        for a in mine
    ]  # fmt: skip
    for a, body in zip(mine, detail, strict=True):
        entry = a.round_entry.entry
        assert set(body) == {"id", "round", "rubric", "entry", "sheet"}
        assert set(body["entry"]) == BLIND_ENTRY_KEYS
        assert body == {
            "id": a.pk, "round": judge_round, "rubric": RUBRIC, "sheet": None,
            "entry": {
                "code": a.round_entry.code, "title": entry.title, "industry": "I",
                "industry_label": "I 信息传输、软件和信息技术服务业", "summary": entry.summary,
                "innovation": "小样本学习", "market": "长三角电子制造", "business_model": "软件订阅",
                "team_description": "博士团队",
                "finances": [{"year": "2021", "revenue": "100.00", "profit": "-20.00"},
                             {"year": "2022", "revenue": "800.00", "profit": "50.00"},
                             {"year": "2023", "revenue": "3200.50", "profit": "400.00"}],
                "funding_sought": "2000.00",
                "ip_list": [{"kind": "发明专利", "name": "一种缺陷检测方法", "number": "ZL2022xxxx"}],
                "business_plan_pages": 2,
            },
        }  # fmt: skip
    text = "".join(
        r.content.decode()
        for r in [japi.get("/judge/assignments")] + [japi.get(f"/judge/assignments/{a.pk}") for a in mine]
    )
    assert [s for s in identity_strings(season["entries"]) if s in text] == []


def test_blind_round_redacts_the_entrant_s_name_from_free_text(season):
    from contest.registration import services as reg
    from tests.registration.factories import enterprise_owner, submitted_entry

    owner = enterprise_owner(name="甬城光电科技有限公司")
    entry = submitted_entry(season["event"], owner, summary="甬城光电科技有限公司的缺陷检测，联系张伟")
    reg.qualify_entry(by=season["organizer"], entry=entry)
    rid = ready_round(season, default_max_load=4)
    a = (
        Assignment.objects.filter(round_id=rid, round_entry__entry=entry)
        .select_related("expert__user")
        .first()
    )

    body = as_json(judge_api(a.expert).get(f"/judge/assignments/{a.pk}"), 200)

    assert body["entry"]["summary"] == "〔已隐去〕的缺陷检测，联系〔已隐去〕"


def test_open_round_shows_the_judge_who_the_entrant_is(season):
    rid = ready_round(season, blind=False)
    a = (Assignment.objects.filter(round_id=rid, round_entry__entry=season["entries"][2])
         .select_related("expert__user").first())  # fmt: skip

    body = as_json(judge_api(a.expert).get(f"/judge/assignments/{a.pk}"), 200)

    assert set(body["entry"]) == BLIND_ENTRY_KEYS | {"entrant"}
    assert (body["round"]["blind"], body["entry"]["entrant"]) == (
        False,
        {"name": "创客队7", "pitch_video_url": ""},
    )


def test_judge_saves_a_draft_then_submits_it_and_a_stale_version_is_409(season):
    rid = ready_round(season)
    judge = season["experts"][1]
    japi = judge_api(judge)
    a = Assignment.objects.filter(round_id=rid, expert=judge).first()

    with time_machine.travel(NOON, tick=False):
        draft = as_json(
            japi.put(f"/judge/assignments/{a.pk}/sheet", {"scores": {"innovation": 25.5}, "comment": "初看"}),
            200,
        )
        stale = japi.put(
            f"/judge/assignments/{a.pk}/sheet", {"scores": {"innovation": "20"}, "expected_version": 1}
        )
        incomplete = japi.post(f"/judge/assignments/{a.pk}/submit", {})
        submitted = as_json(japi.post(f"/judge/assignments/{a.pk}/submit",
                                      {"scores": {**FULL, "innovation": "25.5"}, "expected_version": 2}), 200)  # fmt: skip

    assert draft == {"status": "draft", "scores": {"innovation": "25.5"}, "total": None, "comment": "初看",
                     "version": 2, "submitted_at": None}  # fmt: skip
    assert as_json(stale, 409) == {
        "detail": "评分已在其他窗口中修改，请刷新后再保存。",
        "code": "conflict",
        "field": None,
    }
    missing = {"business_model": "请为“商业模式”打分。", "market": "请为“市场前景”打分。", "team": "请为“团队能力”打分。",
               "finance_social": "请为“财务与社会效益”打分。"}  # fmt: skip
    assert as_json(incomplete, 422) == {"detail": "有 4 处需要更正。", "code": "invalid", "field": "business_model",
                                        "fields": missing}  # fmt: skip
    assert submitted == {"status": "submitted", "scores": {**FULL, "innovation": "25.5"}, "total": "81.5000",
                         "comment": "初看", "version": 3, "submitted_at": NOON_TEXT}  # fmt: skip
    listing = as_json(japi.get("/judge/assignments", round=rid), 200)
    assert [(x["state"], x["total"]) for x in listing if x["id"] == a.pk] == [("submitted", "81.5000")]
    # a submitted sheet stays complete: saving it again is a re-submission
    response = japi.put(f"/judge/assignments/{a.pk}/sheet", {"scores": {"innovation": "20"}})
    assert as_json(response, 422)["fields"] == missing
    assert ScoreSheet.objects.get(assignment=a).total == Decimal("81.5")


def test_judge_list_filter_out_of_range_is_422(season):
    japi = judge_api(season["experts"][1])

    response = japi.get("/judge/assignments", round=2**70)

    assert [d["loc"] for d in as_json(response, 422)["detail"]] == [["query", "round"]]


def test_score_out_of_range_and_not_a_number_are_422(season):
    rid = ready_round(season)
    judge = season["experts"][1]
    japi = judge_api(judge)
    a = Assignment.objects.filter(round_id=rid, expert=judge).first()

    over = japi.post(f"/judge/assignments/{a.pk}/submit", {"scores": {**FULL, "innovation": "31"}})
    text = japi.put(f"/judge/assignments/{a.pk}/sheet", {"scores": {"innovation": "很好"}})

    assert as_json(over, 422) == {
        "detail": "“技术创新”的分数应在 0 到 30 之间。", "code": "invalid", "field": "innovation",
        "fields": {"innovation": "“技术创新”的分数应在 0 到 30 之间。"},
    }  # fmt: skip
    assert [d["loc"] for d in as_json(text, 422)["detail"]] == [["body", "payload", "scores", "innovation"]]
    assert not ScoreSheet.objects.filter(assignment=a).exists()


def test_a_score_of_false_or_with_a_digit_separator_is_refused_and_a_json_number_is_kept(season):
    rid = ready_round(season)
    judge = season["experts"][1]
    japi = judge_api(judge)
    a = Assignment.objects.filter(round_id=rid, expert=judge).first()
    url = f"/api/v1/judge/assignments/{a.pk}/sheet"

    refused = [japi.client.put(url, json.dumps({"scores": {"innovation": value}}), content_type="application/json",
                               headers=japi._headers()) for value in (False, True, "1_0", "２０")]  # fmt: skip
    kept = japi.client.put(url, '{"scores": {"innovation": 1e1, "team": 12.50}}', content_type="application/json",
                           headers=japi._headers())  # fmt: skip

    assert [[(d["loc"], d["msg"]) for d in as_json(r, 422)["detail"]] for r in refused] == [
        [(["body", "payload", "scores", "innovation"], "请填写数字（如 88.5）。")]
    ] * 4
    assert as_json(kept, 200)["scores"] == {"innovation": "10", "team": "12.50"}


def test_scoring_a_closed_round_is_409(season):
    rid = ready_round(season)
    as_json(season["api"].post(f"/rounds/{rid}/close"), 200)
    judge = season["experts"][1]
    a = Assignment.objects.filter(round_id=rid, expert=judge).first()

    response = judge_api(judge).post(f"/judge/assignments/{a.pk}/submit", {"scores": FULL})

    assert as_json(response, 409) == {
        "detail": "评审轮次“网络初评”当前为“评审结束”，不能评分。",
        "code": "closed",
        "field": None,
    }


def test_judge_declares_a_conflict_and_the_assignment_with_its_draft_is_withdrawn(season):
    rid = ready_round(season)
    judge = season["experts"][1]
    japi = judge_api(judge)
    a = Assignment.objects.filter(round_id=rid, expert=judge).select_related("round_entry").first()
    as_json(japi.put(f"/judge/assignments/{a.pk}/sheet", {"scores": {"innovation": "20"}}), 200)

    refused = japi.post(f"/judge/assignments/{a.pk}/declare-conflict", {"reason": " "})
    body = as_json(
        japi.post(f"/judge/assignments/{a.pk}/declare-conflict", {"reason": "曾为该企业顾问"}), 200
    )

    assert as_json(refused, 422)["fields"] == {"reason": "请说明回避原因。"}
    assert body == {"assignment_id": a.pk, "code": a.round_entry.code, "kind": "declared", "reason": "曾为该企业顾问",
                    "withdrawn": True}  # fmt: skip
    assert not Assignment.objects.filter(pk=a.pk).exists()
    assert as_json(japi.get(f"/judge/assignments/{a.pk}"), 404) == ASSIGNMENT_NOT_FOUND
    assert AuditRecord.objects.filter(action="review.sheet.discarded").count() == 1


def test_judge_sees_nothing_of_a_round_still_in_draft(season):
    api = season["api"]
    rid = created_round(season)["id"]
    as_json(api.post(f"/rounds/{rid}/entries"), 200)
    as_json(api.post(f"/rounds/{rid}/judges", {"expert_ids": [x.pk for x in season["experts"]]}), 200)
    with season["capture"](execute=True):
        as_json(api.post(f"/rounds/{rid}/assign"), 202)
    judge = season["experts"][1]
    a = Assignment.objects.filter(round_id=rid, expert=judge).first()

    assert as_json(judge_api(judge).get("/judge/assignments"), 200) == []
    assert as_json(judge_api(judge).get(f"/judge/assignments/{a.pk}"), 404) == ASSIGNMENT_NOT_FOUND


# -- tenancy: 404 outside one's scope ---------------------------------------------------------------------


def test_judge_cannot_reach_another_judge_s_assignment(season):
    rid = ready_round(season)
    judge, other = season["experts"][1], season["experts"][2]
    theirs = Assignment.objects.filter(round_id=rid, expert=other).exclude(
        round_entry__in=Assignment.objects.filter(expert=judge).values("round_entry")
    ).first() or Assignment.objects.filter(round_id=rid, expert=other).first()  # fmt: skip
    japi = judge_api(judge)

    answers = [
        japi.get(f"/judge/assignments/{theirs.pk}"),
        japi.put(f"/judge/assignments/{theirs.pk}/sheet", {"scores": {"innovation": "1"}}),
        japi.post(f"/judge/assignments/{theirs.pk}/submit", {"scores": FULL}),
        japi.post(f"/judge/assignments/{theirs.pk}/declare-conflict", {"reason": "冒充"}),
    ]

    assert [as_json(r, 404) for r in answers] == [ASSIGNMENT_NOT_FOUND] * 4
    assert not ScoreSheet.objects.filter(assignment=theirs).exists()
    assert Conflict.objects.filter(kind="declared").count() == 0
    assert theirs.pk not in [x["id"] for x in as_json(japi.get("/judge/assignments"), 200)]


def test_another_event_s_organizer_gets_404_everywhere(season, edition9):
    rid = ready_round(season)
    run = ReviewRound.objects.get(pk=rid).assignment_runs.get()
    other = Api(organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33)))
    e = season["entries"][0]

    reads = [other.get(f"/rounds/{rid}"), other.get(f"/rounds/{rid}/ranking")]
    writes = [
        other.post(f"/rounds/{rid}/entries"), other.post(f"/rounds/{rid}/judges", {"expert_ids": [1]}),
        other.post(f"/rounds/{rid}/detect-conflicts"), other.post(f"/rounds/{rid}/assign"),
        other.post(f"/rounds/{rid}/open"), other.post(f"/rounds/{rid}/close"),
        other.post(f"/rounds/{rid}/quota", {"group": "enterprise", "kind": "count", "count": 99}),
        other.post(f"/rounds/{rid}/decisions", {"decisions": [{"entry_id": e.pk, "decision": "advance"}]}),
        other.post(f"/rounds/{rid}/publish", {}),
    ]  # fmt: skip

    assert [as_json(r, 404) for r in reads + writes] == [ROUND_NOT_FOUND] * 11
    assert as_json(other.get(f"/runs/{run.pk}"), 404) == {
        "detail": "未找到这次分配。",
        "code": "run_not_found",
        "field": "id",
    }
    assert as_json(other.get("/rounds"), 200) == []
    created = other.post("/rounds", round_body(event_id=season["event"].pk))
    assert as_json(created, 404) == {"detail": f"没有编号为 {season['event'].pk} 的赛事。", "code": "event_not_found",
                                     "field": "event_id"}  # fmt: skip
    assert ReviewRound.objects.get(pk=rid).status == "open"
    assert not Quota.objects.exists()


def test_a_judge_is_no_organizer(season):
    rid = ready_round(season)
    japi = judge_api(season["experts"][1])

    assert as_json(japi.get(f"/rounds/{rid}"), 404) == ROUND_NOT_FOUND
    assert as_json(japi.post(f"/rounds/{rid}/close"), 404) == ROUND_NOT_FOUND
    assert as_json(japi.get("/rounds"), 200) == []


def test_national_round_is_for_the_secretariat(season, edition9):
    from contest.accounts.enums import RoleKind
    from contest.accounts.models import Role

    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)

    refused = season["api"].post("/rounds", round_body(edition=9, stage="national"))
    created = as_json(Api(secretariat).post("/rounds", round_body(edition=9, stage="national")), 201)
    no_edition = Api(secretariat).post("/rounds", round_body(stage="national"))

    assert as_json(refused, 404) == {"detail": "未找到。", "code": "not_found", "field": None}
    assert (created["event"], created["edition"], created["stage"]) == (None, 9, "national")
    assert as_json(no_edition, 422)["fields"] == {"edition": "全国评审须指定届次。"}


def test_round_times_must_carry_a_time_zone(season):
    api = season["api"]

    naive = api.post("/rounds", round_body(event_id=season["event"].pk, closes_at="2024-08-20T18:00:00"))
    aware = api.post(
        "/rounds", round_body(event_id=season["event"].pk, closes_at="2024-08-20T18:00:00+08:00")
    )

    assert [d["loc"] for d in as_json(naive, 422)["detail"]] == [["body", "payload", "closes_at"]]
    assert as_json(aware, 201)["closes_at"] == "2024-08-20T18:00:00+08:00"


def test_entries_outside_the_event_or_not_qualified_are_refused(season, edition9):
    from tests.registration.factories import open_registration, submitted_entry

    api = season["api"]
    rid = created_round(season)["id"]
    other_event = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(other_event)
    outsider = submitted_entry(other_event)
    pending = submitted_entry(season["event"])

    response = api.post(
        f"/rounds/{rid}/entries", {"entry_ids": [season["entries"][0].pk, outsider.pk, pending.pk]}
    )

    assert as_json(response, 422)["fields"] == {
        "entry_ids": f"这些项目不存在、未通过资格审查或不在您的范围内：{min(outsider.pk, pending.pk)}、{max(outsider.pk, pending.pk)}。"
    }
    assert as_json(api.post(f"/rounds/{rid}/entries", {"entry_ids": [season["entries"][0].pk]}), 200) == {
        "added": 1,
        "total": 1,
    }


# -- signing in, and query counts --------------------------------------------------------------------------


PROTECTED = [
    ("get", "/judge/assignments"), ("get", "/judge/assignments/1"), ("put", "/judge/assignments/1/sheet"),
    ("post", "/judge/assignments/1/submit"), ("post", "/judge/assignments/1/declare-conflict"),
    ("get", "/rounds"), ("post", "/rounds"), ("get", "/rounds/1"), ("post", "/rounds/1/entries"),
    ("post", "/rounds/1/judges"), ("post", "/rounds/1/detect-conflicts"), ("post", "/rounds/1/assign"),
    ("get", "/runs/1"), ("post", "/rounds/1/open"), ("post", "/rounds/1/close"), ("get", "/rounds/1/ranking"),
    ("post", "/rounds/1/quota"), ("post", "/rounds/1/decisions"), ("post", "/rounds/1/publish"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_review_endpoint_without_sign_in_is_401(method, path):
    response = getattr(Api().client, method)(f"/api/v1{path}", {}, content_type="application/json")
    assert as_json(response, 401) == UNAUTHENTICATED


def test_session_sign_in_works_for_the_judge(season):
    rid = ready_round(season)
    judge = season["experts"][1]
    api = Api()
    api.client.force_login(judge.user)

    listing = as_json(api.get("/judge/assignments"), 200)

    assert {x["round"]["id"] for x in listing} == {rid}


@pytest.mark.parametrize("n", [1, 3])
def test_judge_list_takes_the_same_queries_for_one_or_three_rounds(season, django_assert_num_queries, n):
    for i in range(n):
        rid = ready_round(season, name=f"第 {i + 1} 轮")
    maker = season["entries"][2]  # the team's members are read for redaction: prefetched once
    judge = Assignment.objects.filter(round_id=rid, round_entry__entry=maker).first().expert
    api = judge_api(judge)
    api.get("/judge/assignments")  # the token's last_used_at is written once a minute

    with django_assert_num_queries(3):
        listing = as_json(api.get("/judge/assignments"), 200)

    assert len({x["round"]["id"] for x in listing}) == n


@pytest.mark.parametrize("n", [1, 3])
def test_round_list_takes_the_same_queries_for_one_or_three_rounds(season, django_assert_num_queries, n):
    api = season["api"]
    for i in range(n):
        rid = created_round(season, name=f"第 {i + 1} 轮")["id"]
        as_json(api.post(f"/rounds/{rid}/quota", {"group": "enterprise", "kind": "count", "count": 2}), 200)
    api.get("/rounds")

    with django_assert_num_queries(5):
        rounds = as_json(api.get("/rounds"), 200)

    assert [len(r["quotas"]) for r in rounds] == [1] * n


# -- generated requests, signed in -----------------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(tag="review")
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def connection_kept_across_requests(review_actors):
    """Keep the WSGI handler from closing the test's connection (and its transaction) per request.

    Set up after ``review_actors``: Django's test client, which that uses, connects the handler
    again after each of its requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def review_actors(season):
    """The organizer with an open, assigned round; a judge with one of its assignments."""
    rid = ready_round(season)
    run = ReviewRound.objects.get(pk=rid).assignment_runs.get()
    a = Assignment.objects.filter(round_id=rid).select_related("expert__user").first()
    return {
        "organizer": (season["api"].key, {"id": rid}),
        "runs": (season["api"].key, {"id": run.pk}),
        "judge": (Api(a.expert.user).key, {"id": a.pk}),
    }


@schema.parametrize()
@settings(max_examples=25, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])  # fmt: skip
@pytest.mark.usefixtures("connection_kept_across_requests")
def test_review_api_answers_every_generated_request_as_documented(case, review_actors):
    path = case.operation.path
    if path.startswith("/api/v1/judge/"):
        key, ids = review_actors["judge"]
    elif path.startswith("/api/v1/runs/"):
        key, ids = review_actors["runs"]
    else:
        key, ids = review_actors["organizer"]
    for name in case.path_parameters or {}:
        case.path_parameters[name] = ids[name]
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)


# -- entries of a round that has ended ------------------------------------------------------------------


def opened_with_first_entry(season) -> int:
    """A round holding only the season's first entry, assigned and open; returns its id."""
    api = season["api"]
    rid = created_round(season)["id"]
    as_json(api.post(f"/rounds/{rid}/entries", {"entry_ids": [season["entries"][0].pk]}), 200)
    as_json(api.post(f"/rounds/{rid}/judges", {"expert_ids": [e.pk for e in season["experts"]]}), 200)
    with season["capture"](execute=True):
        as_json(api.post(f"/rounds/{rid}/assign"), 202)
    as_json(api.post(f"/rounds/{rid}/open"), 200)
    return rid


def test_entries_cannot_be_added_to_a_published_round(season):
    api = season["api"]
    rid = opened_with_first_entry(season)
    as_json(api.post(f"/rounds/{rid}/close"), 200)
    as_json(api.post(f"/rounds/{rid}/publish", {"acknowledged_too_few": 1}), 200)

    response = api.post(f"/rounds/{rid}/entries")

    assert as_json(response, 409) == {
        "detail": "评审轮次当前为“结果已发布”，不能再加入参评项目。", "code": "conflict", "field": None,
    }  # fmt: skip
    assert ReviewRound.objects.get(pk=rid).round_entries.count() == 1


def test_entries_cannot_be_added_to_a_closed_round(season):
    api = season["api"]
    rid = opened_with_first_entry(season)
    as_json(api.post(f"/rounds/{rid}/close"), 200)

    response = api.post(f"/rounds/{rid}/entries", {"entry_ids": [season["entries"][1].pk]})

    assert as_json(response, 409) == {
        "detail": "评审轮次当前为“评审结束”，不能再加入参评项目。", "code": "conflict", "field": None,
    }  # fmt: skip
    assert ReviewRound.objects.get(pk=rid).round_entries.count() == 1


def test_entries_can_be_added_to_an_open_round(season):
    api = season["api"]
    rid = opened_with_first_entry(season)

    assert as_json(api.post(f"/rounds/{rid}/entries"), 200) == {"added": 2, "total": 3}


def test_a_round_without_assignments_cannot_be_opened(season):
    api = season["api"]
    rid = created_round(season)["id"]

    assert as_json(api.post(f"/rounds/{rid}/open"), 409) == {
        "detail": "本轮还没有分配任何评审任务，请先运行分配或指定评审专家，再开始评审。",
        "code": "conflict",
        "field": None,
    }
    assert ReviewRound.objects.get(pk=rid).status == "draft"


@pytest.mark.parametrize("body", ["[null, null]", "null", "5", '"x"', "[]", '{"entry_id": [1]}'])
def test_entries_body_that_is_not_an_object_is_refused(season, body):
    api = season["api"]
    rid = created_round(season)["id"]

    response = api.client.post(
        f"/api/v1/rounds/{rid}/entries", body, content_type="application/json", headers=api._headers()
    )

    assert response.status_code == 422
    assert ReviewRound.objects.get(pk=rid).round_entries.count() == 0


def test_a_body_over_the_upload_limit_is_a_json_400(client, settings, db):
    from contest.accounts.models import User

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.force_login(User.objects.create_user("big-body"))

    response = client.post("/api/v1/rounds/1/publish", data=b"[" + b"0," * 600_000 + b"0]",
                           content_type="application/json")  # fmt: skip

    assert (response.status_code, response["Content-Type"], response.json()) == (
        400, "application/json; charset=utf-8", {"detail": "请求体过大（上限 1 MB）。", "code": "too_large", "field": None},
    )  # fmt: skip
