"""The organizer's review pages (/console/review/): rounds, entries, judges, conflicts, the
assignment and its progress JSON, progress and reminders, rankings and snapshots, advancement, the
expert pool and judge invitations — and the services added for them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.models import AuditRecord
from contest.review import services
from contest.review.enums import RoundStatus
from contest.review.models import (
    Assignment,
    AssignmentRun,
    Expert,
    Quota,
    RankingSnapshot,
    ReviewRound,
    RoundEntry,
    ScoreSheet,
)

from ..registration.factories import organizer_for, user
from .factories import expert, qualified_entries

pytestmark = pytest.mark.integration

FULL = {"innovation": "25", "business_model": "15", "market": "16", "team": "17", "finance_social": "8"}


# -- builders ----------------------------------------------------------------------------------------


@dataclass
class Season:
    round: ReviewRound
    entries: list
    judges: list
    organizer: object

    def round_entry(self, i: int) -> RoundEntry:
        return RoundEntry.objects.get(round=self.round, entry=self.entries[i])


def build_season(event, *, n_entries: int = 4, n_judges: int = 4, k: int = 3, organizer=None, pin: bool = True,
                 **round_data) -> Season:  # fmt: skip
    """``n_entries`` qualified entries and ``n_judges`` judges (评委A, 评委B, …) in a round of
    ``event``. With ``pin``, entry i gets every judge but judge i mod n (k = n − 1), pinned."""
    entries, organizer = qualified_entries(event, n_entries, organizer=organizer)
    judges = [expert(organizer, name=f"评委{chr(65 + i)}", org=f"研究院{i}") for i in range(n_judges)]
    data = {
        "name": "网络初评",
        "stage": "preliminary",
        "judges_per_entry": k,
        "default_max_load": 10,
        **round_data,
    }
    round_ = services.create_round(by=organizer, edition=event.edition, event=event, data=data)
    services.add_entries(by=organizer, round=round_, entries=entries)
    services.add_judges(by=organizer, round=round_, experts=judges)
    season = Season(round_, entries, judges, organizer)
    if pin:
        for i in range(n_entries):
            for j in range(n_judges):
                if j != i % n_judges:
                    services.pin_assignment(by=organizer, round_entry=season.round_entry(i), expert=judges[j])
    return season


def open_round(season: Season) -> None:
    season.round = services.set_round_status(by=season.organizer, round=season.round, to=RoundStatus.OPEN)


def score(season: Season, table: dict[tuple[int, int], int], *, submit: bool = True) -> None:
    """(entry index, judge index) → the 技术创新 score; the other criteria as FULL (total = x + 56)."""
    for (i, j), value in table.items():
        a = Assignment.objects.select_related("round", "expert__user", "round_entry").get(
            round=season.round, round_entry__entry=season.entries[i], expert=season.judges[j]
        )
        services.save_sheet(
            by=a.expert.user, assignment=a, scores={**FULL, "innovation": str(value)}, submit=submit
        )


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def table_rows(response, table_id: str) -> list[list[str]]:
    """The text of every body row's cells of the table with ``table_id``."""
    html = response.content.decode()
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, flags=re.S)
    assert match, table_id
    body = re.search(r"<tbody>(.*?)</tbody>", match.group(0), flags=re.S).group(1)
    rows = []
    for row in re.findall(r"<tr\b.*?</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def season(ningbo):
    return build_season(ningbo)


@pytest.fixture
def org_client(client, season):
    client.force_login(season.organizer)
    return client


def url(name: str, season: Season, *args) -> str:
    return reverse(f"review:{name}", args=[season.round.pk, *args])


# -- round list and creation -------------------------------------------------------------------------


def test_round_list_shows_the_organizer_s_rounds_with_counts(org_client, season, ningbo):
    open_round(season)
    score(season, {(0, 1): 20, (0, 2): 21})
    response = org_client.get(reverse("review:round_list"))
    assert table_rows(response, "rounds") == [
        ["网络初评", ningbo.name, "初赛（网评）", "评审中", "4", "4", "12", "2"]
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_round_list_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    organizer = organizer_for(ningbo)
    for i in range(n):
        services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                              data={"name": f"第{i + 1}轮", "stage": "preliminary"})  # fmt: skip
    client.force_login(organizer)
    with django_assert_num_queries(6):
        response = client.get(reverse("review:round_list"))
    assert len(response.context["rows"]) == n


def rubric_post(rows: list[tuple[str, str, int, int]], extra: int = 2) -> dict:
    data = {"rubric-TOTAL_FORMS": len(rows) + extra, "rubric-INITIAL_FORMS": 0, "rubric-MIN_NUM_FORMS": 0,
            "rubric-MAX_NUM_FORMS": 12}  # fmt: skip
    for i, (code, name, maximum, weight) in enumerate(rows):
        data.update({f"rubric-{i}-code": code, f"rubric-{i}-name": name, f"rubric-{i}-max": maximum,
                     f"rubric-{i}-weight": weight})  # fmt: skip
    return data


def round_post(scope: str, rubric=None, **changes) -> dict:
    rubric = rubric or [
        ("tech", "技术创新", 40, 40),
        ("market", "市场前景", 30, 30),
        ("team", "团队", 30, 30),
    ]
    data = {"scope": scope, "name": "复赛网评", "stage": "semifinal", "judges_per_entry": 5, "default_max_load": 20,
            "blind": "on", "aggregation": "trimmed_mean", "places": 3, "carry_over": "blend", "carry_weight": "0.3",
            "rank_by_industry": "on", "require_investor": "on", "opens_at": "2024-08-01T09:00",
            "closes_at": "2024-08-10T18:00", **rubric_post(rubric)}  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_round_with_its_rubric_and_settings(client, ningbo):
    organizer = organizer_for(ningbo)
    client.force_login(organizer)
    response = client.post(reverse("review:round_create"), round_post(f"event:{ningbo.pk}"))
    round_ = ReviewRound.objects.get()
    assert response["Location"] == reverse("review:round_detail", args=[round_.pk])
    assert (round_.event, round_.name, round_.stage, round_.judges_per_entry, round_.aggregation, round_.places,
            round_.carry_over, round_.carry_weight, round_.rank_by_industry, round_.require_investor,
            round_.distinct_organizations) == (
        ningbo, "复赛网评", "semifinal", 5, "trimmed_mean", 3, "blend", Decimal("0.300"), True, True, False,
    )  # fmt: skip
    assert round_.rubric == [
        {"code": "tech", "name": "技术创新", "max": "40", "weight": "40"},
        {"code": "market", "name": "市场前景", "max": "30", "weight": "30"},
        {"code": "team", "name": "团队", "max": "30", "weight": "30"},
    ]
    assert timezone.localtime(round_.opens_at).strftime("%Y-%m-%d %H:%M") == "2024-08-01 09:00"


def test_create_round_refuses_weights_not_summing_to_100_and_writes_nothing(client, ningbo):
    client.force_login(organizer_for(ningbo))
    data = round_post(f"event:{ningbo.pk}", rubric=[("tech", "技术创新", 50, 50), ("team", "团队", 50, 40)])
    response = client.post(reverse("review:round_create"), data)
    assert response.status_code == 200
    assert response.context["rubric_errors"] == ["各项权重之和须为 100。"]
    assert not ReviewRound.objects.exists()


def test_create_round_refuses_a_window_that_closes_before_it_opens(client, ningbo):
    client.force_login(organizer_for(ningbo))
    response = client.post(reverse("review:round_create"),
                           round_post(f"event:{ningbo.pk}", closes_at="2024-07-01T09:00"))  # fmt: skip
    assert response.context["form"].errors == {"closes_at": ["评审截止时间应晚于开始时间。"]}
    assert not ReviewRound.objects.exists()


def test_organizer_cannot_create_a_round_for_another_event(client, ningbo, edition9):
    from contest.catalog.models import Event

    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    client.force_login(organizer_for(ningbo))
    response = client.post(reverse("review:round_create"), round_post(f"event:{shenzhen.pk}"))
    assert response.status_code == 200
    assert "scope" in response.context["form"].errors
    assert not ReviewRound.objects.exists()


def test_secretariat_creates_a_national_round_and_pulls_in_recommended_entries(client, ningbo, edition9):
    s = build_season(ningbo, n_entries=3, n_judges=3, k=2)
    open_round(s)
    score(s, {(i, j): 10 + 5 * i for i in range(3) for j in range(3) if j != i})
    services.set_round_status(by=s.organizer, round=s.round, to=RoundStatus.CLOSED)
    services.set_quota(by=s.organizer, round=s.round, group_code="enterprise", kind="count", count=2)
    services.stage_decisions(by=s.organizer, round=s.round, decisions={s.entries[2].pk: "advance",
                                                                       s.entries[1].pk: "advance"})  # fmt: skip
    services.publish_advancement(by=s.organizer, round=s.round)
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=2)
    services.recommend_from_advancement(by=s.organizer, event=ningbo)
    client.force_login(secretary)
    create = reverse("review:round_create")
    assert f'value="edition:{edition9.pk}"' in client.get(create).content.decode()
    client.post(
        create, round_post(f"edition:{edition9.pk}", name="全国 500 强评审", stage="national"), follow=True
    )
    national = ReviewRound.objects.get(event__isnull=True)
    response = client.post(
        reverse("review:round_entries", args=[national.pk]), {"action": "add_all"}, follow=True
    )
    assert messages_of(response) == ["已加入 2 个项目。"]
    carried = dict(national.round_entries.values_list("entry_id", "carried_score"))
    assert set(carried) == {s.entries[1].pk, s.entries[2].pk}
    assert sorted(row[2] for row in table_rows(response, "round-entries")) == sorted(
        [s.entries[1].title, s.entries[2].title]
    )


def test_edit_round_sets_the_previous_round_and_refuses_a_loop(org_client, season, ningbo):
    later = services.create_round(by=season.organizer, edition=ningbo.edition, event=ningbo,
                                  data={"name": "复赛", "stage": "semifinal"})  # fmt: skip
    edit = reverse("review:round_edit", args=[later.pk])
    data = round_post("", name="复赛", previous=str(season.round.pk), carry_over="tie_break")
    assert org_client.post(edit, data).status_code == 302
    later.refresh_from_db()
    assert (later.previous, later.carry_over, later.judges_per_entry) == (season.round, "tie_break", 5)
    response = org_client.post(url("round_edit", season), round_post("", previous=str(later.pk)))
    assert response.context["form"].errors == {"previous": ["上一轮的设置会形成循环。"]}


def test_update_round_keeps_the_rubric_once_a_sheet_is_submitted(season):
    open_round(season)
    score(season, {(0, 1): 20})
    rubric = [{"code": "x", "name": "综合", "max": "100", "weight": "100"}]
    with pytest.raises(Conflict, match="已有专家提交评分，不能再修改评分细则"):
        services.update_round(by=season.organizer, round=season.round, data={"rubric": rubric})
    updated = services.update_round(
        by=season.organizer, round=season.round, data={"name": "网络初评（更正）"}
    )
    record = AuditRecord.objects.filter(action="review.round.updated").get()
    assert (updated.name, record.data["changes"]) == (
        "网络初评（更正）", {"name": {"before": "网络初评", "after": "网络初评（更正）"}},
    )  # fmt: skip


def test_update_round_is_refused_to_another_event_s_organizer(season, edition9):
    from contest.catalog.models import Event

    stranger = organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))
    with pytest.raises(NotFound):
        services.update_round(by=stranger, round=season.round, data={"name": "x"})


def test_round_status_buttons_open_and_close_the_round(org_client, season):
    response = org_client.post(url("round_status", season), {"to": "open"}, follow=True)
    assert messages_of(response) == ["轮次状态已更新为“评审中”。"]
    response = org_client.post(url("round_status", season), {"to": "published"}, follow=True)
    assert messages_of(response) == ["未知的操作。"]
    season.round.refresh_from_db()
    assert season.round.status == "open"


# -- entries and judges ------------------------------------------------------------------------------


def test_add_selected_qualified_entries(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 3)
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "初评", "stage": "preliminary"})  # fmt: skip
    client.force_login(organizer)
    page = reverse("review:round_entries", args=[round_.pk])
    assert [row[1] for row in table_rows(client.get(page), "candidates")] == [e.number for e in entries]
    response = client.post(
        page, {"action": "add_selected", "entry": [entries[0].pk, entries[2].pk]}, follow=True
    )
    assert messages_of(response) == ["已加入 2 个项目。"]
    assert sorted(round_.round_entries.values_list("entry_id", flat=True)) == [entries[0].pk, entries[2].pk]
    assert [row[1] for row in table_rows(response, "candidates")] == [entries[1].number]


def test_add_judges_with_a_load_cap_and_edit_it(org_client, season):
    newcomer = expert(season.organizer, name="钱学文", org="宁波大学", kind="investment")
    page = url("round_judges", season)
    response = org_client.get(page, {"kind": "investment"})
    assert [row[1] for row in table_rows(response, "pool")] == ["钱学文"]
    response = org_client.post(page, {"action": "add", "expert": [newcomer.pk], "max_load": "7"}, follow=True)
    assert messages_of(response) == ["已加入 1 位专家。"]
    judge = season.round.round_judges.get(expert=newcomer)
    assert (judge.max_load, judge.available) == (7, True)
    org_client.post(page, {"action": "update", "judge": judge.pk, "max_load": "4"})
    judge.refresh_from_db()
    assert (judge.max_load, judge.available) == (4, False)
    assert [row[:4] for row in table_rows(org_client.get(page), "round-judges")] == [
        ["评委A", "研究院0", "技术专家", "3"], ["评委B", "研究院1", "技术专家", "3"],
        ["评委C", "研究院2", "技术专家", "3"], ["评委D", "研究院3", "技术专家", "3"],
        ["钱学文", "宁波大学", "投资专家", "0"],
    ]  # fmt: skip


# -- conflicts ---------------------------------------------------------------------------------------------


def test_detect_and_pin_conflicts_with_provenance(org_client, season):
    insider = expert(season.organizer, name="孙立", org=season.entries[0].enterprise.name)
    services.add_judges(by=season.organizer, round=season.round, experts=[insider])
    page = url("conflicts", season)
    response = org_client.post(page, {"action": "detect"}, follow=True)
    assert messages_of(response) == ["检测完成：新发现 1 条回避关系。"]
    response = org_client.post(page, {"action": "pin", "expert": season.judges[1].pk, "entry": season.entries[1].pk,
                                      "reason": "曾为该企业提供咨询"}, follow=True)  # fmt: skip
    assert messages_of(response) == [f"已指定回避：评委B × {season.entries[1].title}。"]
    rows = {row[1]: row[2:6] for row in table_rows(response, "conflict-list")}
    assert rows == {
        season.entries[0].title: ["孙立（" + season.entries[0].enterprise.name + "）", "与参赛主体同一单位", "系统检测",
                                  f"专家单位“{season.entries[0].enterprise.name}”即参赛企业"],
        season.entries[1].title: ["评委B（研究院1）", "组织方指定回避", "组织方指定", "曾为该企业提供咨询"],
    }  # fmt: skip
    assert not Assignment.objects.filter(round=season.round, round_entry__entry=season.entries[1],
                                         expert=season.judges[1]).exists()  # fmt: skip


def test_pin_conflict_demands_a_reason(org_client, season):
    response = org_client.post(url("conflicts", season), {"action": "pin", "expert": season.judges[1].pk,
                                                          "entry": season.entries[1].pk, "reason": ""})  # fmt: skip
    assert response.context["form"].errors == {"reason": ["这个字段是必填项。"]}


# -- assignment ------------------------------------------------------------------------------------------------


def test_assignment_run_from_the_page_and_its_progress_json(
    client, ningbo, django_capture_on_commit_callbacks
):
    s = build_season(ningbo, n_entries=3, n_judges=4, k=2, pin=False)
    client.force_login(s.organizer)
    status_url = url("assignment_status", s)
    assert client.get(status_url).json() == {"id": None, "status": "none", "status_label": "", "progress": 0,
                                             "message": "", "finished": True, "stats": {}}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("assignment", s), follow=True)
    run = AssignmentRun.objects.get()
    assert messages_of(response) == ["已提交自动分配，正在后台计算。"]
    assert client.get(status_url).json() == {"id": run.pk, "status": "queued", "status_label": "排队中",
                                             "progress": 0, "message": "", "finished": False, "stats": {}}  # fmt: skip
    page = client.get(url("assignment", s)).content.decode()
    assert 'data-finished="0"' in page
    assert 'id="run-refresh"' in page
    for callback in callbacks:
        callback()
    payload = client.get(status_url).json()
    assert {k: payload[k] for k in ("id", "status", "status_label", "progress", "message", "finished")} == {
        "id": run.pk, "status": "done", "status_label": "已完成", "progress": 100, "message": "分配完成",
        "finished": True,
    }  # fmt: skip
    assert (payload["stats"]["pairs"], payload["stats"]["min_load"], payload["stats"]["max_load"]) == (
        6,
        1,
        2,
    )
    rows = table_rows(client.get(url("assignment", s)), "assignment-table")
    assert [len(re.findall(r"评委[A-D] \d+ · 自动分配 · 未评", row[2])) for row in rows] == [2, 2, 2]


@pytest.mark.parametrize("n", [1, 3])
def test_assignment_table_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    s = build_season(ningbo, n_entries=n, n_judges=3, k=2)
    client.force_login(s.organizer)
    with django_assert_num_queries(12):
        response = client.get(url("assignment", s))
    assert len(response.context["rows"]) == n


def test_assignment_table_shows_source_and_sheet_state(org_client, season):
    open_round(season)
    score(season, {(0, 1): 20})
    score(season, {(0, 2): 20}, submit=False)
    rows = table_rows(org_client.get(url("assignment", season)), "assignment-table")
    re0 = season.round_entry(0)
    assert rows[[r[0] for r in rows].index(re0.code)][2] == (
        "评委B 100 · 组织方指定 · 已提交 评委C 100 · 组织方指定 · 草稿 评委D 100 · 组织方指定 · 未评"
    )


def test_swap_and_remove_an_assignment_with_a_reason(org_client, season):
    re0 = season.round_entry(0)
    page = url("assignment_entry", season, re0.pk)
    a = Assignment.objects.get(round_entry=re0, expert=season.judges[1])
    response = org_client.post(page, {"action": "swap", "assignment": a.pk, "expert": season.judges[0].pk,
                                      "reason": "专家出差"}, follow=True)  # fmt: skip
    assert messages_of(response) == ["已将“评委B”换成“评委A”。"]
    assert sorted(re0.assignments.values_list("expert__name", flat=True)) == ["评委A", "评委C", "评委D"]
    removed = AuditRecord.objects.filter(action="review.assignment.removed").get()
    assert removed.data["reason"] == "专家出差"
    c = Assignment.objects.get(round_entry=re0, expert=season.judges[2])
    response = org_client.post(page, {"action": "remove", "assignment": c.pk, "reason": ""})
    assert response.context["current"][1][3].errors == {"reason": ["这个字段是必填项。"]}
    org_client.post(page, {"action": "remove", "assignment": c.pk, "reason": "身体原因"})
    assert sorted(re0.assignments.values_list("expert__name", flat=True)) == ["评委A", "评委D"]


def test_pin_offers_only_judges_without_conflict_or_assignment(org_client, season):
    re0 = season.round_entry(0)
    services.remove_assignment(by=season.organizer, assignment=Assignment.objects.get(round_entry=re0,
                                                                                      expert=season.judges[3]))  # fmt: skip
    services.pin_conflict(by=season.organizer, round=season.round, expert=season.judges[0], entry=season.entries[0],
                          reason="亲属关系")  # fmt: skip
    page = url("assignment_entry", season, re0.pk)
    response = org_client.get(page)
    assert [o.expert.name for o in response.context["options"]] == ["评委D"]
    org_client.post(page, {"action": "pin", "expert": season.judges[3].pk})
    assert sorted(re0.assignments.values_list("expert__name", "source")) == [
        ("评委B", "pinned"), ("评委C", "pinned"), ("评委D", "pinned"),
    ]  # fmt: skip


def test_assignment_entry_of_another_round_answers_404(org_client, season, ningbo):
    other = build_season(ningbo, n_entries=1, n_judges=2, k=1, organizer=season.organizer)
    response = org_client.get(url("assignment_entry", season, other.round_entry(0).pk))
    assert response.status_code == 404


# -- progress --------------------------------------------------------------------------------------------------


def test_progress_counts_per_judge_and_who_is_behind(org_client, season):
    open_round(season)
    score(season, {(1, 0): 20, (2, 0): 20, (3, 0): 20, (0, 1): 20, (2, 1): 20})
    score(season, {(0, 2): 20}, submit=False)
    response = org_client.get(url("progress", season))
    assert [row[:6] for row in table_rows(response, "progress")] == [
        ["评委A 研究院0", "3", "3", "0", "0", "已完成"],
        ["评委B 研究院1", "3", "2", "0", "1", "正常"],
        ["评委C 研究院2", "3", "0", "1", "2", "落后"],
        ["评委D 研究院3", "3", "0", "0", "3", "落后"],
    ]  # fmt: skip


def test_progress_with_a_window_compares_with_the_time_elapsed(org_client, season):
    now = timezone.now()
    services.update_round(by=season.organizer, round=season.round,
                          data={"opens_at": now - timedelta(days=9), "closes_at": now + timedelta(days=1)})  # fmt: skip
    open_round(season)
    score(season, {(1, 0): 20, (2, 0): 20, (3, 0): 20, (0, 1): 20, (2, 1): 20})
    statuses = [row[5] for row in table_rows(org_client.get(url("progress", season)), "progress")]
    assert statuses == ["已完成", "落后", "落后", "落后"]


def test_remind_and_reassign_from_the_progress_page(org_client, season, django_capture_on_commit_callbacks):
    open_round(season)
    score(season, {(1, 0): 20, (2, 0): 20, (3, 0): 20})
    extra = expert(season.organizer, name="周敏", org="宁波大学")
    services.add_judges(by=season.organizer, round=season.round, experts=[extra], max_load=10)
    page = url("progress", season)
    with django_capture_on_commit_callbacks(execute=True):
        response = org_client.post(page, {"action": "remind"}, follow=True)
    assert messages_of(response) == ["已向 3 位专家发送提醒邮件。"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(j.email for j in season.judges[1:])
    response = org_client.post(page, {"action": "reassign", "expert": season.judges[3].pk}, follow=True)
    assert messages_of(response) == ["已将“评委D”的 3 个未完成项目转交给其他专家。"]
    assert Assignment.objects.filter(round=season.round, expert=extra).count() == 3


# -- ranking ---------------------------------------------------------------------------------------------------------


def test_ranking_page_shows_every_judge_the_aggregate_ties_and_flags(org_client, season):
    open_round(season)
    e = season.entries
    # entry 0: B 30, C 20, D 10 → 76; entry 1: A 25, C 25, D 25 → 81; entry 2: A 25, B 25, D 25 → 81;
    # entry 3: A 28 only → 84 (too few scores)
    score(season, {(0, 1): 30, (0, 2): 20, (0, 3): 10, (1, 0): 25, (1, 2): 25, (1, 3): 25, (2, 0): 25, (2, 1): 25,
                   (2, 3): 25, (3, 0): 28})  # fmt: skip
    response = org_client.get(url("ranking", season))
    code = {i: season.round_entry(i).code for i in range(4)}
    rows = table_rows(response, "ranking-enterprise")
    assert [[r[0], r[1], r[3], r[4], r[5], r[6]] for r in rows] == [
        ["1", code[3], "评委A 84.00", "84.00", "1", "评分不足"],
        ["2", code[1], "评委A 81.00；评委C 81.00；评委D 81.00", "81.00", "3", f"并列：{code[2]}"],
        ["2", code[2], "评委A 81.00；评委B 81.00；评委D 81.00", "81.00", "3", f"并列：{code[1]}"],
        ["4", code[0], "评委B 86.00；评委C 76.00；评委D 66.00", "76.00", "3", ""],
    ]
    assert rows[0][2].startswith(e[3].title)


def test_snapshot_from_the_ranking_page_is_listed_with_its_sha256(org_client, season):
    open_round(season)
    score(season, {(0, 1): 30, (1, 0): 20})
    response = org_client.post(url("ranking", season), follow=True)
    assert messages_of(response) == ["已保存 1 份排名快照。"]
    snap = RankingSnapshot.objects.get()
    assert [row[1:] for row in table_rows(response, "snapshots")] == [
        ["企业组", str(season.organizer), snap.sha256, "—"]  # the group by name, not its code
    ]
    detail = org_client.get(url("snapshot_detail", season, snap.pk))
    assert "一致：按存储的数据重新计算的 SHA-256 与上面相同。" in text_of(detail)
    RankingSnapshot.objects.filter(pk=snap.pk).update(
        rows=[{**snap.rows[0], "value": "99.00"}, *snap.rows[1:]]
    )
    assert "不一致：存储的数据已被改动。" in text_of(org_client.get(url("snapshot_detail", season, snap.pk)))


def test_ranking_by_industry_ranks_within_the_industry_filtered(client, ningbo):
    s = build_season(ningbo, n_entries=2, n_judges=2, k=1, rank_by_industry=True)
    client.force_login(s.organizer)
    whole = client.get(url("ranking", s)).context["view"]
    by_industry = client.get(url("ranking", s) + "?industry=I").context["view"]
    assert [(t.group_code, t.industry, len(t.lines)) for t in whole.tables] == [("enterprise", "", 2)]
    assert [(t.group_code, t.industry, len(t.lines)) for t in by_industry.tables] == [
        ("enterprise", "I 信息传输、软件和信息技术服务业", 2),
    ]  # fmt: skip
    assert (whole.industry_ranks, by_industry.industry_ranks) == (False, True)


@pytest.mark.parametrize("n", [1, 3])
def test_ranking_page_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    s = build_season(ningbo, n_entries=n, n_judges=2, k=1)
    open_round(s)
    score(s, {(i, 1 if i % 2 == 0 else 0): 20 + i for i in range(n)})
    services.snapshot_ranking(by=s.organizer, round=s.round)
    client.force_login(s.organizer)
    with django_assert_num_queries(15):
        response = client.get(url("ranking", s))
    assert len(response.context["view"].tables[0].lines) == n


# -- advancement -----------------------------------------------------------------------------------------------------


def ranked_season(ningbo) -> Season:
    """Five entries, totals 86, 81, 81, 76, 66 (entries 1 and 2 tied), every sheet submitted."""
    s = build_season(ningbo, n_entries=5, n_judges=3, k=2)
    open_round(s)
    values = {0: 30, 1: 25, 2: 25, 3: 20, 4: 10}
    score(s, {(i, j): values[i] for i in range(5) for j in range(3) if j != i % 3})
    return s


def test_advancement_quota_cut_line_with_a_tie_stage_close_and_publish(client, ningbo):
    s = ranked_season(ningbo)
    client.force_login(s.organizer)
    page = url("advancement", s)
    response = client.post(
        page, {"action": "quota", "group": "enterprise", "kind": "count", "count": "2"}, follow=True
    )
    assert messages_of(response) == ["晋级名额已保存。"]
    (group,) = response.context["groups"]
    g = group[0]
    e = s.entries
    assert (g.size, g.cut.advancing, sorted(g.tied), sorted(g.checked)) == (
        2, [e[0].pk, e[1].pk], sorted([e[1].pk, e[2].pk]), sorted([e[0].pk, e[1].pk]),
    )  # fmt: skip
    rows = table_rows(response, "decisions-enterprise")
    assert [(r[1], r[5]) for r in rows] == [
        ("1", ""),
        ("2", "划线处并列"),
        ("2", "划线处并列"),
        ("4", ""),
        ("5", ""),
    ]
    shown = [x.pk for x in e]
    response = client.post(page, {"action": "stage", "shown": shown, "advance": [e[0].pk, e[2].pk],
                                  "note": "并列按技术创新得分"}, follow=True)  # fmt: skip
    assert messages_of(response) == ["已暂存 5 个晋级决定（其中晋级 2 个），发布前仍可修改。"]
    assert response.context["groups"][0][0].checked == {e[0].pk, e[2].pk}
    response = client.post(page, {"action": "publish"}, follow=True)
    assert messages_of(response) == ["请先结束评审，再发布晋级结果。"]
    client.post(page, {"action": "close"}, follow=True)
    response = client.post(page, {"action": "publish"}, follow=True)
    assert messages_of(response) == ["晋级结果已发布：共 2 个项目晋级。"]
    assert sorted((r[1], r[3], r[5]) for r in table_rows(response, "published-decisions")) == sorted([
        ("1", e[0].title, "晋级"), ("2", e[1].title, "不晋级"), ("2", e[2].title, "晋级"), ("4", e[3].title, "不晋级"),
        ("5", e[4].title, "不晋级"),
    ])  # fmt: skip
    assert 'name="advance"' not in response.content.decode()
    assert Quota.objects.get(round=s.round).taken == 2


def test_publish_over_the_quota_is_shown_as_an_error(client, ningbo):
    s = ranked_season(ningbo)
    client.force_login(s.organizer)
    page = url("advancement", s)
    client.post(page, {"action": "quota", "group": "enterprise", "kind": "percent", "percent": "20", "floor": "1",
                       "cap": "3"}, follow=True)  # fmt: skip
    client.post(page, {"action": "stage", "shown": [x.pk for x in s.entries], "advance": [x.pk for x in s.entries[:3]]},
                follow=True)  # fmt: skip
    client.post(page, {"action": "close"}, follow=True)
    response = client.post(page, {"action": "publish"}, follow=True)
    assert messages_of(response) == ["enterprise 组晋级 3 个，超过名额 1 个。"]
    s.round.refresh_from_db()
    assert s.round.status == "closed"


def test_proportional_quota_is_apportioned_and_cut_per_zone(client, ningbo):
    s = ranked_season(ningbo)
    client.force_login(s.organizer)
    response = client.post(url("advancement", s), {"action": "quota", "group": "enterprise", "kind": "proportional",
                                                   "total": "3"}, follow=True)  # fmt: skip
    g = response.context["groups"][0][0]
    assert [(z.zone, z.entrants, z.size) for z in g.zones] == [("宁波市", 5, 3)]
    assert sorted(g.checked) == sorted(x.pk for x in s.entries[:3])
    quota = Quota.objects.get()
    assert (quota.kind, quota.total, quota.count) == ("proportional", 3, None)


def test_quota_form_demands_the_number_its_kind_needs(org_client, season):
    response = org_client.post(url("advancement", season), {"action": "quota", "group": "enterprise",
                                                            "kind": "percent"})  # fmt: skip
    assert response.context["groups"][0][1].errors == {"percent": ["请填写比例。"]}
    assert not Quota.objects.exists()


# -- the expert pool -------------------------------------------------------------------------------------------------


def test_expert_list_filters_by_kind_expertise_and_region(client, ningbo):
    organizer = organizer_for(ningbo)
    expert(organizer, name="甲", kind="technical", expertise=("C", "I"), regions=("330000",))
    expert(organizer, name="乙", kind="investment", expertise=("J",), regions=("440000",))
    expert(organizer, name="丙", kind="industry", expertise=("I",), regions=("330000", "440000"))
    client.force_login(organizer)
    page = reverse("review:expert_list")
    names = lambda **q: [row[0] for row in table_rows(client.get(page, q), "experts")]  # noqa: E731
    assert names() == ["丙", "乙", "甲"]
    assert names(expertise="I") == ["丙", "甲"]
    assert names(region="440000") == ["丙", "乙"]
    assert names(kind="investment") == ["乙"]
    assert names(q="甲") == ["甲"]
    row = table_rows(client.get(page, {"q": "甲"}), "experts")[0]
    assert row[3:6] == ["技术专家", "C、I", "浙江"]


def test_add_and_edit_an_expert(client, ningbo):
    client.force_login(organizer_for(ningbo))
    data = {"name": "林晓峰", "organization_name": "中国科学院宁波材料技术与工程研究所", "title": "研究员",
            "kind": "technical", "expertise": ["C", "M"], "regions": ["330000"], "phone": "139 0574 8888",
            "email": "lin@example.cn"}  # fmt: skip
    response = client.post(reverse("review:expert_create"), data, follow=True)
    assert messages_of(response) == ["已将“林晓峰”加入专家库。"]
    e = Expert.objects.get()
    assert (e.phone, e.expertise, e.regions) == ("+8613905748888", ["C", "M"], ["330000"])
    response = client.post(reverse("review:expert_create"), {**data, "name": "重名"})
    assert response.context["form"].errors == {"phone": ["专家库中已有使用该手机号的专家。"]}
    client.post(reverse("review:expert_edit", args=[e.pk]), {**data, "title": "研究员、博士生导师"})
    e.refresh_from_db()
    assert e.title == "研究员、博士生导师"
    assert (
        client.get(reverse("review:expert_edit", args=[e.pk])).context["form"].initial["phone"]
        == "13905748888"
    )


def test_invite_an_expert_creates_a_judge_account_that_works_after_setting_a_password(
    client, ningbo, django_capture_on_commit_callbacks
):
    organizer = organizer_for(ningbo)
    e = expert(organizer, name="高远", with_user=False)
    services.verify_expert_email(token=services.expert_verification_token(e))  # the expert's click
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:expert_invite", args=[e.pk]), follow=True)
    e.refresh_from_db()
    person = e.user
    assert messages_of(response) == [
        f"已为“高远”开通评审账号（judge-{e.pk}），设置密码的链接已发送到 {e.email}。"
    ]
    assert (person.username, person.email, person.phone, person.display_name, person.has_usable_password(),
            person.is_active) == (f"judge-{e.pk}", e.email, e.phone, "高远", False, True)  # fmt: skip
    assert list(person.roles.values_list("kind", flat=True)) == ["judge"]
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body).group(1)
    record = AuditRecord.objects.filter(action="review.expert.invited").get()
    assert record.data == {"user": person.pk, "new_account": True, "email": e.email}
    client.logout()
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "Judge-Strong-2024", "new_password2": "Judge-Strong-2024"})
    person.refresh_from_db()
    assert person.check_password("Judge-Strong-2024")
    assert client.get(link).status_code == 200  # the used link shows its “invalid” page
    client.force_login(organizer)
    response = client.post(reverse("review:expert_invite", args=[e.pk]), follow=True)
    assert messages_of(response) == ["高远已有评审账号。"]


def test_invite_links_an_existing_account_with_the_same_e_mail(ningbo, django_capture_on_commit_callbacks):
    organizer = organizer_for(ningbo)
    e = expert(organizer, name="何青", with_user=False)
    existing = get_user_model().objects.create_user(username="heqing", email=e.email.upper(), password="x")
    services.verify_expert_email(token=services.expert_verification_token(e))
    with django_capture_on_commit_callbacks(execute=True):
        person = services.invite_expert(by=organizer, expert=e)
    e.refresh_from_db()
    assert (person, e.user, existing.check_password("x")) == (existing, existing, True)
    (message,) = mail.outbox
    assert (message.to, "您已有平台账号，评审专家权限已加入该账号" in message.body) == ([e.email], True)


def test_invite_needs_an_e_mail_and_the_manage_experts_permission(ningbo):
    organizer = organizer_for(ningbo)
    e = expert(organizer, with_user=False)
    Expert.objects.filter(pk=e.pk).update(email="")
    e.refresh_from_db()
    with pytest.raises(ValidationFailed, match="请先填写专家的邮箱"):
        services.invite_expert(by=organizer, expert=e)
    with pytest.raises(NotFound):
        services.invite_expert(by=user(), expert=e)


def test_set_round_judge_refuses_a_zero_load(season):
    judge = season.round.round_judges.first()
    with pytest.raises(FieldErrors) as exc:
        services.set_round_judge(by=season.organizer, round_judge=judge, max_load=0, available=True)
    assert exc.value.fields == {"max_load": "最多评审数至少为 1。"}


# -- changing assignments a judge has started ------------------------------------------------------------


def test_removing_a_judge_discards_their_draft_and_audits_it(org_client, season):
    open_round(season)
    score(season, {(0, 1): 22}, submit=False)
    score(season, {(0, 2): 20})
    re0 = season.round_entry(0)
    page = url("assignment_entry", season, re0.pk)
    b = Assignment.objects.get(round_entry=re0, expert=season.judges[1])
    response = org_client.post(page, {"action": "remove", "assignment": b.pk, "reason": "出差"}, follow=True)
    assert messages_of(response) == ["已移除“评委B”。"]
    record = AuditRecord.objects.filter(action="review.sheet.discarded").get()
    assert (record.data["reason"], record.data["scores"]["innovation"]) == ("出差", "22")
    c = Assignment.objects.get(round_entry=re0, expert=season.judges[2])
    response = org_client.post(page, {"action": "swap", "assignment": c.pk, "expert": season.judges[0].pk,
                                      "reason": "回避"}, follow=True)  # fmt: skip
    assert messages_of(response) == ["该专家已提交评分，不能移除此分配。"]
    assert sorted(re0.assignments.values_list("expert__name", flat=True)) == ["评委C", "评委D"]


def test_swapping_a_judge_with_a_draft(org_client, season):
    open_round(season)
    score(season, {(0, 1): 22}, submit=False)
    re0 = season.round_entry(0)
    b = Assignment.objects.get(round_entry=re0, expert=season.judges[1])
    response = org_client.post(url("assignment_entry", season, re0.pk), {
        "action": "swap", "assignment": b.pk, "expert": season.judges[0].pk, "reason": "出差"}, follow=True)  # fmt: skip
    assert messages_of(response) == ["已将“评委B”换成“评委A”。"]
    assert not ScoreSheet.objects.filter(
        assignment__round_entry=re0, assignment__expert=season.judges[1]
    ).exists()


def test_hand_over_moves_drafted_entries_or_nothing(org_client, season):
    open_round(season)
    score(season, {(0, 3): 20, (1, 3): 21}, submit=False)
    for judge in season.round.round_judges.exclude(expert=season.judges[3]):
        services.set_round_judge(by=season.organizer, round_judge=judge, max_load=3, available=True)
    page = url("progress", season)
    response = org_client.post(page, {"action": "reassign", "expert": season.judges[3].pk}, follow=True)
    assert messages_of(response) == [
        "有 2 个已有草稿的项目找不到可接手的专家，未作任何转交；请先增加专家或提高最多评审数。"
    ]
    assert ScoreSheet.objects.filter(assignment__expert=season.judges[3], status="draft").count() == 2
    extra = expert(season.organizer, name="周敏", org="宁波大学")
    services.add_judges(by=season.organizer, round=season.round, experts=[extra], max_load=10)
    response = org_client.post(page, {"action": "reassign", "expert": season.judges[3].pk}, follow=True)
    assert messages_of(response) == ["已将“评委D”的 3 个未完成项目转交给其他专家。"]
    assert Assignment.objects.filter(round=season.round, expert=extra).count() == 3
    assert AuditRecord.objects.filter(action="review.sheet.discarded").count() == 2
