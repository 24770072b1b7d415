"""The judge's workspace under /judge/: rounds and progress, the score form with per-field errors,
drafts and submission, recusal, peers' scores, and 404 for everything that is not the judge's."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from contest.core.errors import ValidationFailed
from contest.core.models import AuditRecord
from contest.review import services
from contest.review.enums import RoundStatus
from contest.review.models import Assignment, ScoreSheet
from contest.review.models import Conflict as ConflictRow

from ..accounts.html import elements, field_errors, texts, value_of
from ..registration.factories import SHANGHAI, user
from .factories import expert, qualified_entries
from .judging import FULL, assignment_of, judging_round

pytestmark = pytest.mark.integration

CLOSES = datetime(2030, 9, 10, 18, 0, tzinfo=SHANGHAI)


@pytest.fixture
def season(ningbo):
    """3 entries; 王芳 judges all three, 李强 judges the first; the round is open, blind, k = 2."""
    entries, organizer = qualified_entries(ningbo, 3)
    judges = [expert(organizer, name="王芳", org="研究院甲"), expert(organizer, name="李强", org="研究院乙")]
    round_ = judging_round(ningbo, organizer, entries=entries, judges=judges,
                           pairs=[(0, 0), (1, 0), (2, 0), (0, 1)], closes_at=CLOSES)  # fmt: skip
    return {"round": round_, "entries": entries, "judges": judges, "organizer": organizer}


@pytest.fixture
def judge_client(client, season):
    client.force_login(season["judges"][0].user)
    return client


def entry_url(assignment: Assignment, name: str = "judge:entry") -> str:
    return reverse(name, args=[assignment.round_id, assignment.round_entry.code])


def form_of(scores: dict[str, str], *, action: str = "submit", version: int = 1, comment: str = "") -> dict:
    return {**{f"score-{k}": v for k, v in scores.items()}, "action": action, "version": str(version),
            "comment": comment}  # fmt: skip


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def mine(season, i: int = 0) -> Assignment:
    return assignment_of(season["round"], season["entries"][i], season["judges"][0])


# -- rounds and progress ----------------------------------------------------------------------------


def test_home_lists_the_round_with_progress_and_the_deadline_in_beijing_time(judge_client, season):
    services.save_sheet(by=season["judges"][0].user, assignment=mine(season, 0), scores=FULL, submit=True)
    services.save_sheet(by=season["judges"][0].user, assignment=mine(season, 1), scores={"team": "10"})

    response = judge_client.get(reverse("judge:home"))

    assert texts(response, "h2", class_="judge-card__title") == ["网络初评"]
    assert texts(response, "p", class_="judge-card__progress") == ["已提交 1 / 3 · 草稿 1 · 未评 1"]
    assert texts(response, "p", class_="judge-card__deadline") == ["评审截止：2030-09-10 18:00（北京时间）"]
    assert texts(response, "span", class_="status") == ["评审中"]


def test_round_page_shows_each_entry_by_code_with_its_sheet_status(judge_client, season):
    judge = season["judges"][0].user
    services.save_sheet(by=judge, assignment=mine(season, 0), scores=FULL, submit=True)
    services.save_sheet(by=judge, assignment=mine(season, 1), scores={"team": "10"})
    codes = [mine(season, i).round_entry.code for i in range(3)]

    response = judge_client.get(reverse("judge:round", args=[season["round"].pk]))

    rows = sorted(zip(codes, ["已提交 · 81.00 分", "草稿", "未评"], strict=True))
    assert texts(response, "span", class_="assignment__code") == [code for code, _ in rows]
    assert texts(response, "span", class_="assignment__state") == [state for _, state in rows]
    assert texts(response, "p", class_="judge-progress") == ["已提交 1 / 3"]


def test_home_shows_nothing_to_a_user_without_assignments(client, season):
    client.force_login(user())
    response = client.get(reverse("judge:home"))
    assert response.context["rows"] == []
    assert texts(response, "p", class_="empty-state") == [
        "您目前没有评审任务。评审轮次开始后，分配给您的项目会出现在这里。"
    ]


def test_a_draft_round_is_not_shown_to_its_judges(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    judge = expert(organizer)
    round_ = judging_round(ningbo, organizer, entries=entries, judges=[judge], pairs=[(0, 0)],
                           status=RoundStatus.DRAFT)  # fmt: skip
    client.force_login(judge.user)
    assert client.get(reverse("judge:home")).context["rows"] == []
    assert client.get(reverse("judge:round", args=[round_.pk])).status_code == 404
    assert client.get(entry_url(assignment_of(round_, entries[0], judge))).status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_round_page_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    entries, organizer = qualified_entries(ningbo, n)
    judge = expert(organizer)
    round_ = judging_round(
        ningbo, organizer, entries=entries, judges=[judge], pairs=[(i, 0) for i in range(n)]
    )
    services.save_sheet(by=judge.user, assignment=assignment_of(round_, entries[0], judge), scores=FULL)
    client.force_login(judge.user)
    with django_assert_num_queries(5):  # session, user, header roles, round, assignments with all they show
        response = client.get(reverse("judge:round", args=[round_.pk]))
    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_home_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    entries, organizer = qualified_entries(ningbo, 1)
    judge = expert(organizer)
    for i in range(n):
        judging_round(ningbo, organizer, entries=entries, judges=[judge], pairs=[(0, 0)], name=f"第{i + 1}轮")
    client.force_login(judge.user)
    with django_assert_num_queries(5):  # session, user, header roles, counts per round, rounds
        response = client.get(reverse("judge:home"))
    assert len(response.context["rows"]) == n


# -- the score form ---------------------------------------------------------------------------------------


def test_entry_page_has_one_decimal_input_per_criterion_with_its_bounds(judge_client, season):
    response = judge_client.get(entry_url(mine(season)))

    inputs = [el["attrs"] for el in elements(response, "input", class_="score-input")]
    assert [(a["name"], a["min"], a["max"], a["step"], a["inputmode"]) for a in inputs] == [
        ("score-innovation", "0", "30", "0.5", "decimal"),
        ("score-business_model", "0", "20", "0.5", "decimal"),
        ("score-market", "0", "20", "0.5", "decimal"),
        ("score-team", "0", "20", "0.5", "decimal"),
        ("score-finance_social", "0", "10", "0.5", "decimal"),
    ]
    assert texts(response, "label")[:5] == [
        "技术创新（0–30 分）", "商业模式（0–20 分）", "市场前景（0–20 分）", "团队能力（0–20 分）",
        "财务与社会效益（0–10 分）",
    ]  # fmt: skip
    assert texts(response, "button") == ["English", "保存草稿", "提交评分"]
    assert texts(response, "span", id="sheet-status") == ["未评"]
    assert texts(response, "output", id="live-total") == ["—"]


def test_saving_a_draft_keeps_a_partial_sheet_and_shows_draft(judge_client, season):
    url = entry_url(mine(season))

    response = judge_client.post(url, form_of({"innovation": "22.5", "team": "18"}, action="draft", comment="待补充"),
                                 follow=True)  # fmt: skip

    assert response.redirect_chain == [(url, 302)]
    assert messages_of(response)[0].startswith("草稿已保存（")
    sheet = ScoreSheet.objects.get(assignment=mine(season))
    assert (sheet.status, sheet.scores, sheet.total, sheet.comment, sheet.version) == (
        "draft", {"innovation": "22.5", "team": "18"}, None, "待补充", 2,
    )  # fmt: skip
    assert texts(response, "span", id="sheet-status") == ["草稿"]
    assert (value_of(response, "score-innovation"), value_of(response, "score-market")) == ("22.5", "")
    assert value_of(response, "version") == "2"


def test_submitting_an_incomplete_sheet_names_each_missing_criterion_and_keeps_the_input(
    judge_client, season
):
    url = entry_url(mine(season))

    response = judge_client.post(url, form_of({"innovation": "31", "business_model": "abc", "team": "18"},
                                              comment="思路清晰"))  # fmt: skip

    assert response.status_code == 200
    assert field_errors(response) == ["“商业模式”的分数应为数字。"]  # what cannot be read is named first
    assert [value_of(response, f"score-{k}") for k in FULL] == ["31", "abc", "", "18", ""]
    assert value_of(response, "comment") == "思路清晰"

    response = judge_client.post(url, form_of({"innovation": "31", "team": "18"}))
    assert field_errors(response) == [
        "“技术创新”的分数应在 0 到 30 之间。", "请为“商业模式”打分。", "请为“市场前景”打分。",
        "请为“财务与社会效益”打分。",
    ]  # fmt: skip
    assert texts(response, "div", class_="form-errors")[0].startswith(
        "请更正以下问题： 技术创新（0–30 分）："
    )
    assert not ScoreSheet.objects.filter(assignment=mine(season)).exists()


def test_submitting_a_complete_sheet_stores_the_total_and_shows_submitted(judge_client, season):
    url = entry_url(mine(season))

    response = judge_client.post(url, form_of({**FULL, "team": "16.5"}, comment="技术扎实"), follow=True)

    assert messages_of(response) == ["评分已提交。"]
    sheet = ScoreSheet.objects.get(assignment=mine(season))
    assert (sheet.status, sheet.total) == ("submitted", Decimal("80.5000"))
    assert texts(response, "span", id="sheet-status") == ["已提交"]
    assert texts(response, "output", id="live-total") == ["80.50"]
    assert texts(response, "button") == ["English", "更新评分"]
    assert AuditRecord.objects.filter(action="review.sheet.submitted").count() == 1


def test_after_submitting_the_page_links_to_the_next_unsubmitted_entry(judge_client, season):
    first, second = sorted([mine(season, i) for i in range(3)], key=lambda a: a.round_entry.code)[:2]

    response = judge_client.post(entry_url(first), form_of(FULL), follow=True)

    link = elements(response, "a", href=entry_url(second))
    assert [el["text"] for el in link] == [f"下一个未提交的项目：{second.round_entry.code}"]


def test_a_submitted_sheet_can_only_be_resubmitted_never_left_incomplete(judge_client, season):
    url = entry_url(mine(season))
    judge_client.post(url, form_of(FULL))

    response = judge_client.post(url, form_of({"innovation": "20"}, action="draft", version=2))

    assert field_errors(response) == [
        "请为“商业模式”打分。", "请为“市场前景”打分。", "请为“团队能力”打分。", "请为“财务与社会效益”打分。",
    ]  # fmt: skip
    sheet = ScoreSheet.objects.get(assignment=mine(season))
    assert (sheet.status, sheet.total) == ("submitted", Decimal("81.0000"))


def test_a_stale_version_is_refused_and_keeps_what_was_typed(judge_client, season):
    url = entry_url(mine(season))
    judge_client.post(url, form_of({"team": "10"}, action="draft"))  # another window: version 1 → 2

    response = judge_client.post(url, form_of({**FULL, "team": "19"}, version=1))

    assert texts(response, "div", class_="form-errors") == [
        "请更正以下问题： 评分已在其他窗口中修改，请刷新后再保存。"
    ]
    assert value_of(response, "score-team") == "19"
    assert value_of(response, "version") == "2"
    assert ScoreSheet.objects.get(assignment=mine(season)).scores == {"team": "10"}
    judge_client.post(url, form_of({**FULL, "team": "19"}, version=2))
    assert ScoreSheet.objects.get(assignment=mine(season)).total == Decimal("83.0000")


def test_a_closed_round_shows_the_sheet_read_only_and_refuses_changes(judge_client, season):
    judge_client.post(entry_url(mine(season)), form_of(FULL))
    services.set_round_status(by=season["organizer"], round=season["round"], to=RoundStatus.CLOSED)

    page = judge_client.get(entry_url(mine(season)))
    refused = judge_client.post(entry_url(mine(season)), form_of({**FULL, "team": "20"}, version=2))

    assert texts(page, "p", id="phase") == ["本轮评审已结束，评分不能再修改。"]
    assert texts(page, "button") == ["English"]
    assert all("disabled" in el["attrs"] for el in elements(page, "input", class_="score-input"))
    assert texts(refused, "div", class_="form-errors") == [
        "请更正以下问题： 评审轮次“网络初评”当前为“评审结束”，不能评分。"
    ]
    assert ScoreSheet.objects.get(assignment=mine(season)).total == Decimal("81.0000")


def test_the_score_form_enforces_csrf(season):
    client = Client(enforce_csrf_checks=True)
    client.force_login(season["judges"][0].user)

    response = client.post(entry_url(mine(season)), form_of(FULL))

    assert response.status_code == 403
    assert not ScoreSheet.objects.exists()


# -- what a judge may not reach ----------------------------------------------------------------------------


def test_another_judges_assignment_answers_404_everywhere(judge_client, season):
    theirs = assignment_of(season["round"], season["entries"][0], season["judges"][1])
    services.save_sheet(by=season["judges"][1].user, assignment=theirs, scores=FULL, submit=True)
    foreign = [season["entries"][1], season["entries"][2]]
    client = Client()
    client.force_login(season["judges"][1].user)
    for entry in foreign:  # assigned to 王芳 only
        a = assignment_of(season["round"], entry, season["judges"][0])
        for name in ("judge:entry", "judge:plan", "judge:recuse"):
            assert client.get(entry_url(a, name)).status_code == 404
        assert client.post(entry_url(a), form_of(FULL)).status_code == 404
    assert ScoreSheet.objects.filter(assignment__expert=season["judges"][1]).count() == 1


def test_unknown_codes_other_rounds_and_outsiders_get_404(client, judge_client, season, ningbo):
    round_ = season["round"]
    assert judge_client.get(reverse("judge:entry", args=[round_.pk, "R0-000000"])).status_code == 404
    assert judge_client.get(reverse("judge:round", args=[round_.pk + 1000])).status_code == 404
    other_entries, other_org = qualified_entries(ningbo, 1)
    outsider = expert(other_org)
    other = judging_round(
        ningbo, other_org, entries=other_entries, judges=[outsider], pairs=[(0, 0)], name="复赛"
    )
    assert judge_client.get(reverse("judge:round", args=[other.pk])).status_code == 404
    code = other.round_entries.get().code
    assert judge_client.get(reverse("judge:entry", args=[other.pk, code])).status_code == 404
    # the code of an entry in this round, asked for under another round
    assert (
        judge_client.get(reverse("judge:entry", args=[other.pk, mine(season).round_entry.code])).status_code
        == 404
    )
    organizer = Client()
    organizer.force_login(season["organizer"])
    assert organizer.get(entry_url(mine(season))).status_code == 404
    assert organizer.get(entry_url(mine(season), "judge:plan")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, season):
    response = client.get(entry_url(mine(season)))
    assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("accounts:login"))


# -- other judges' scores ---------------------------------------------------------------------------------


def test_peers_scores_are_shown_only_when_allowed_and_after_submitting(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    judges = [expert(organizer, org="甲"), expert(organizer, org="乙")]
    round_ = judging_round(ningbo, organizer, entries=entries, judges=judges, pairs=[(0, 0), (0, 1)],
                           judges_see_others=True)  # fmt: skip
    other = assignment_of(round_, entries[0], judges[1])
    services.save_sheet(by=judges[1].user, assignment=other, scores={**FULL, "team": "11"}, submit=True)
    a = assignment_of(round_, entries[0], judges[0])
    client.force_login(judges[0].user)

    before = client.get(entry_url(a))
    after = client.post(entry_url(a), form_of(FULL), follow=True)

    assert texts(before, "h2", id="peers-heading") == []
    assert texts(after, "h2", id="peers-heading") == ["其他评审的评分"]
    (row,) = elements(after, "tr", class_="peer-row")
    assert texts(after, "th", scope="row")[-1] == "评审 A"
    assert texts(after, "td")[-6:] == ["25.00", "15.00", "16.00", "11.00", "8.00", "75.00"]
    assert row["text"] == "评审 A25.0015.0016.0011.008.0075.00"
    assert judges[1].name not in after.content.decode()


def test_peers_scores_stay_hidden_when_the_round_does_not_allow_them(judge_client, season):
    theirs = assignment_of(season["round"], season["entries"][0], season["judges"][1])
    services.save_sheet(by=season["judges"][1].user, assignment=theirs, scores=FULL, submit=True)

    response = judge_client.post(entry_url(mine(season)), form_of(FULL), follow=True)

    assert texts(response, "h2", id="peers-heading") == []


# -- recusal -----------------------------------------------------------------------------------------------------


def test_recusal_needs_a_reason(judge_client, season):
    response = judge_client.post(entry_url(mine(season), "judge:recuse"), {"reason": "  "})
    assert field_errors(response) == ["请说明回避原因。"]
    assert Assignment.objects.filter(pk=mine(season).pk).exists()


def test_recusal_discards_the_draft_removes_the_assignment_and_records_the_conflict(judge_client, season):
    a = mine(season)
    judge_client.post(entry_url(a), form_of({"team": "10"}, action="draft"), follow=True)

    response = judge_client.post(entry_url(a, "judge:recuse"), {"reason": "曾为该企业提供咨询"}, follow=True)

    assert response.redirect_chain == [(reverse("judge:round", args=[a.round_id]), 302)]
    assert messages_of(response) == [f"已申报回避：项目 {a.round_entry.code} 已从您的评审任务中移除。"]
    assert not Assignment.objects.filter(pk=a.pk).exists()
    row = ConflictRow.objects.get()
    assert (row.expert_id, row.entry_id, row.kind, row.source, row.reason) == (
        a.expert_id, a.round_entry.entry_id, "declared", "declared", "曾为该企业提供咨询",
    )  # fmt: skip
    discarded = AuditRecord.objects.get(action="review.sheet.discarded")
    assert discarded.data["scores"] == {"team": "10"}
    assert judge_client.get(entry_url(a)).status_code == 404


def test_recuse_from_assignment_keeps_a_submitted_sheet(season):
    a = mine(season)
    judge = season["judges"][0].user
    services.save_sheet(by=judge, assignment=a, scores=FULL, submit=True)

    services.recuse_from_assignment(by=judge, assignment=a, reason="后来发现是校友企业")

    assert Assignment.objects.filter(pk=a.pk).exists()
    assert ScoreSheet.objects.get(assignment=a).status == "submitted"
    assert (
        ConflictRow.objects.filter(expert=a.expert, entry=a.round_entry.entry, kind="declared").count() == 1
    )


def test_recuse_from_assignment_refuses_an_empty_reason(season):
    with pytest.raises(ValidationFailed, match="请说明回避原因。"):
        services.recuse_from_assignment(by=season["judges"][0].user, assignment=mine(season), reason="")


def test_published_round_shows_results_published_to_its_judges(judge_client, season):
    judge = season["judges"][0].user
    for i in range(3):
        services.save_sheet(by=judge, assignment=mine(season, i), scores=FULL, submit=True)
    organizer, round_ = season["organizer"], season["round"]
    services.save_sheet(by=season["judges"][1].user,
                        assignment=assignment_of(round_, season["entries"][0], season["judges"][1]),
                        scores=FULL, submit=True)  # fmt: skip
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=1)
    services.stage_decisions(by=organizer, round=round_, decisions={season["entries"][0].pk: "advance"})
    services.publish_advancement(by=organizer, round=round_)

    home = judge_client.get(reverse("judge:home"))
    page = judge_client.get(entry_url(mine(season)))

    assert texts(home, "span", class_="status") == ["结果已发布"]
    assert texts(page, "p", id="phase") == ["本轮结果已发布，评分不能再修改。"]


def test_the_workspace_speaks_english_when_asked(judge_client, season):
    response = judge_client.get(entry_url(mine(season)), HTTP_ACCEPT_LANGUAGE="en")

    assert texts(response, "h2")[:2] == ["Materials", "Scores"]
    assert texts(response, "span", id="sheet-status") == ["Not scored"]
    assert texts(response, "button")[1:] == ["Save draft", "Submit scores"]
    assert texts(response, "label")[0] == "Technological innovation (0–30)"


def test_recusing_from_the_last_entry_of_a_round_returns_to_the_home_page(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    judge = expert(organizer)
    round_ = judging_round(ningbo, organizer, entries=entries, judges=[judge], pairs=[(0, 0)])
    client.force_login(judge.user)

    response = client.post(entry_url(assignment_of(round_, entries[0], judge), "judge:recuse"),
                           {"reason": "亲属在该企业任职"}, follow=True)  # fmt: skip

    assert response.redirect_chain == [(reverse("judge:home"), 302)]
    assert response.context["rows"] == []


def test_recusal_reason_is_limited_to_what_the_record_holds(judge_client, season):
    response = judge_client.post(entry_url(mine(season), "judge:recuse"), {"reason": "关" * 301})
    assert field_errors(response) == ["回避原因不能超过 300 个字符（当前 301 个）。"]


def test_judge_pages_are_not_cached(judge_client, season):
    for url in (reverse("judge:home"), entry_url(mine(season)), entry_url(mine(season), "judge:plan")):
        assert "no-store" in judge_client.get(url)["Cache-Control"]
