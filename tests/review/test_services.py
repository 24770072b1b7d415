"""Review services: conflicts, assignment runs, scoring, rankings and quota-locked advancement."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.core import audit
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound
from contest.core.models import AuditRecord
from contest.registration import services as registration
from contest.review import services
from contest.review.enums import ConflictKind, RoundStatus
from contest.review.models import Assignment, AssignmentRun, RankingSnapshot
from contest.review.models import Conflict as ConflictRow

from ..registration.factories import user
from .factories import expert, qualified_entries

pytestmark = pytest.mark.integration

FULL = {"innovation": "25", "business_model": "15", "market": "16", "team": "17", "finance_social": "8"}


@pytest.fixture
def season(ningbo, django_capture_on_commit_callbacks):
    """6 qualified entries in 宁波's event, 5 experts, a round with k=3, assigned."""
    entries, organizer = qualified_entries(ningbo, 6)
    experts = [expert(organizer, org=f"研究院{i}") for i in range(5)]
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "网络初评", "stage": "preliminary", "judges_per_entry": 3,
                                         "default_max_load": 6})  # fmt: skip
    services.add_entries(by=organizer, round=round_)
    services.add_judges(by=organizer, round=round_, experts=experts)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_assignment(by=organizer, round=round_)
    run.refresh_from_db()
    return {"round": round_, "entries": entries, "experts": experts, "organizer": organizer, "run": run}


def test_assignment_run_gives_every_entry_k_judges_with_balanced_loads(season):
    run = season["run"]
    assert (run.status, run.progress, run.message) == ("done", 100, "分配完成")
    assert run.stats["optimal"] is True
    per_entry = {}
    for a in Assignment.objects.filter(round=season["round"]):
        per_entry.setdefault(a.round_entry_id, []).append(a.expert_id)
    assert sorted(len(v) for v in per_entry.values()) == [3] * 6
    assert (run.stats["min_load"], run.stats["max_load"]) == (3, 4)


def test_detected_conflict_is_never_assigned(ningbo, django_capture_on_commit_callbacks):
    entries, organizer = qualified_entries(ningbo, 3)
    insider = expert(organizer, org=entries[0].enterprise.name)
    others = [expert(organizer, org=f"大学{i}") for i in range(3)]
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "初评", "stage": "preliminary", "judges_per_entry": 3})  # fmt: skip
    services.add_entries(by=organizer, round=round_)
    services.add_judges(by=organizer, round=round_, experts=[insider, *others])
    assert services.detect_conflicts(by=organizer, round=round_) == 1
    row = ConflictRow.objects.get()
    assert (row.expert_id, row.entry_id, row.kind) == (
        insider.pk,
        entries[0].pk,
        ConflictKind.SAME_ORGANIZATION,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_assignment(by=organizer, round=round_)
    assert not Assignment.objects.filter(expert=insider, round_entry__entry=entries[0]).exists()
    assert Assignment.objects.filter(round_entry__entry=entries[0]).count() == 3


def test_infeasible_assignment_is_reported_on_the_run(ningbo, django_capture_on_commit_callbacks):
    _entries, organizer = qualified_entries(ningbo, 2)
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "初评", "stage": "preliminary", "judges_per_entry": 3})  # fmt: skip
    services.add_entries(by=organizer, round=round_)
    services.add_judges(by=organizer, round=round_, experts=[expert(organizer), expert(organizer)])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_assignment(by=organizer, round=round_)
    run = AssignmentRun.objects.get(pk=run.pk)
    assert (run.status, run.message) == ("failed", "2 个项目的候选评审少于 3 人（已排除回避关系）。")


def _open(season):
    return services.set_round_status(by=season["organizer"], round=season["round"], to=RoundStatus.OPEN)


def test_judge_submits_a_sheet_within_bounds(season):
    _open(season)
    assignment = Assignment.objects.filter(round=season["round"]).first()
    judge = assignment.expert.user
    with pytest.raises(FieldErrors) as exc:
        services.save_sheet(by=judge, assignment=assignment, scores={**FULL, "innovation": "31"}, submit=True)
    assert exc.value.fields == {"innovation": "“技术创新”的分数应在 0 到 30 之间。"}
    sheet = services.save_sheet(by=judge, assignment=assignment, scores=FULL, comment="技术扎实", submit=True)
    assert (sheet.status, sheet.total) == ("submitted", Decimal("81"))
    record = AuditRecord.objects.filter(action="review.sheet.submitted").get()
    assert record.data["after"]["scores"] == FULL


def test_sheet_edit_after_submit_is_audited_with_before_and_after(season):
    _open(season)
    assignment = Assignment.objects.filter(round=season["round"]).first()
    judge = assignment.expert.user
    services.save_sheet(by=judge, assignment=assignment, scores=FULL, submit=True)
    services.save_sheet(by=judge, assignment=assignment, scores={**FULL, "team": "18"}, submit=True)
    record = AuditRecord.objects.filter(action="review.sheet.edited").get()
    assert (record.data["before"]["total"], record.data["after"]["total"]) == ("81.0000", "82.0000")


def test_only_the_assigned_judge_may_score(season):
    _open(season)
    assignment = Assignment.objects.filter(round=season["round"]).first()
    other = next(e for e in season["experts"] if e.pk != assignment.expert_id)
    with pytest.raises(NotFound):
        services.save_sheet(by=other.user, assignment=assignment, scores=FULL, submit=True)


def test_scoring_outside_an_open_round_is_refused(season):
    assignment = Assignment.objects.filter(round=season["round"]).first()
    with pytest.raises(Closed, match="当前为“筹备中”，不能评分"):
        services.save_sheet(by=assignment.expert.user, assignment=assignment, scores=FULL, submit=True)
    round_ = _open(season)
    round_.closes_at = timezone.now() - timedelta(seconds=1)
    round_.save()
    with pytest.raises(Closed, match="评审已截止"):
        services.save_sheet(by=assignment.expert.user, assignment=assignment, scores=FULL, submit=True)


def _score_all(season, table):
    for a in Assignment.objects.filter(round=season["round"]).select_related("round_entry", "expert__user"):
        value = table[a.round_entry.entry_id]
        scores = {**FULL, "innovation": str(value)}
        services.save_sheet(by=a.expert.user, assignment=a, scores=scores, submit=True)


def test_ranking_orders_by_aggregate_and_snapshots_it(season):
    _open(season)
    e = season["entries"]
    _score_all(season, {e[0].pk: 20, e[1].pk: 30, e[2].pk: 25, e[3].pk: 25, e[4].pk: 10, e[5].pk: 28})
    rows = services.compute_rows(season["round"])
    assert [(r.entry, r.rank, r.value) for r in rows] == [
        (e[1].pk, 1, Decimal("86.00")), (e[5].pk, 2, Decimal("84.00")), (e[2].pk, 3, Decimal("81.00")),
        (e[3].pk, 3, Decimal("81.00")), (e[0].pk, 5, Decimal("76.00")), (e[4].pk, 6, Decimal("66.00")),
    ]  # fmt: skip
    assert rows[2].tied_with == (e[3].pk,)
    (snap,) = services.snapshot_ranking(by=season["organizer"], round=season["round"])
    assert [r["entry"] for r in snap.rows] == [r.entry for r in rows]


def test_publish_takes_quota_and_snapshots_and_nothing_more_can_change(season):
    _open(season)
    e = season["entries"]
    _score_all(season, {x.pk: 20 + i for i, x in enumerate(e)})
    organizer, round_ = season["organizer"], season["round"]
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="percent", percent=Decimal(5),
                       floor=2, cap=3)  # fmt: skip
    cut = services.cut_line(services.compute_rows(round_), 2)
    assert cut.advancing == [e[5].pk, e[4].pk]
    services.stage_decisions(by=organizer, round=round_, decisions=dict.fromkeys(cut.advancing, "advance"))
    assert services.publish_advancement(by=organizer, round=round_) == {"enterprise": 2}
    snap = RankingSnapshot.objects.get(round=round_, published_at__isnull=False)
    assert snap.rows[0]["entry"] == e[5].pk
    with pytest.raises(Conflict, match="结果已发布"):
        services.stage_decisions(by=organizer, round=round_, decisions={e[0].pk: "advance"})
    assert audit.verify_chain()[1] is None


def test_publish_refuses_to_exceed_the_quota(season):
    _open(season)
    e = season["entries"]
    _score_all(season, {x.pk: 20 + i for i, x in enumerate(e)})
    organizer, round_ = season["organizer"], season["round"]
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=2)
    services.stage_decisions(by=organizer, round=round_, decisions={x.pk: "advance" for x in e[:3]})
    with pytest.raises(Conflict, match="enterprise 组晋级 3 个，超过名额 2 个。"):
        services.publish_advancement(by=organizer, round=round_)


@pytest.mark.parametrize(
    ("percent", "floor", "cap", "entries", "expected"),
    [(5, 10, 16, 100, 10), (5, 10, 16, 250, 13), (5, 10, 16, 1000, 16), (10, None, None, 25, 3)],
)
def test_quota_size_percentage_with_floor_and_cap(percent, floor, cap, entries, expected):
    from contest.review.models import Quota

    quota = Quota(kind="percent", percent=Decimal(percent), floor=floor, cap=cap)
    assert services.quota_size(quota, entries) == expected


def test_proportional_quotas_use_largest_remainders():
    assert services.proportional_quotas(130, {"济南": 100, "青岛": 90, "烟台": 60}) == {
        "济南": 52,
        "青岛": 47,
        "烟台": 31,
    }
    assert sum(services.proportional_quotas(7, {"a": 1, "b": 1, "c": 1}).values()) == 7


def test_organizer_of_another_event_cannot_touch_the_round(season, edition9):
    from contest.catalog.models import Event

    from ..registration.factories import organizer_for

    other = organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))
    with pytest.raises(NotFound):
        services.request_assignment(by=other, round=season["round"])


def test_a_submitted_sheet_cannot_be_saved_back_incomplete(season):
    _open(season)
    assignment = Assignment.objects.filter(round=season["round"]).first()
    judge = assignment.expert.user
    services.save_sheet(by=judge, assignment=assignment, scores=FULL, submit=True)
    partial = {k: v for k, v in FULL.items() if k != "team"}
    with pytest.raises(FieldErrors) as exc:
        services.save_sheet(by=judge, assignment=assignment, scores=partial, submit=False)
    assert exc.value.fields == {"team": "请为“团队能力”打分。"}
    assignment.sheet.refresh_from_db()
    assert (assignment.sheet.status, assignment.sheet.total) == ("submitted", Decimal("81"))


def test_proportional_quota_is_enforced_per_sub_zone_at_publication(season):
    """宁波's round: entries registered in 宁波 (3302xx) and 深圳 (4403xx) prefectures, 2 places
    apportioned 1 / 1; advancing both from one zone is refused."""
    _open(season)
    e = season["entries"]
    _score_all(season, {x.pk: 20 + i for i, x in enumerate(e)})
    organizer, round_ = season["organizer"], season["round"]
    from contest.catalog.models import Division
    from contest.registration.models import Entry

    Entry.objects.filter(pk__in=[x.pk for x in e[3:]]).update(division=Division.objects.get(code="440300"))
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    services.set_proportional_quota(by=organizer, round=round_, group_code="enterprise", total=2)
    services.stage_decisions(by=organizer, round=round_, decisions={e[5].pk: "advance", e[4].pk: "advance"})
    with pytest.raises(Conflict, match="enterprise 组“深圳市”晋级 2 个，超过该分区按比例分得的 1 个名额。"):
        services.publish_advancement(by=organizer, round=round_)
    services.stage_decisions(by=organizer, round=round_, decisions={e[4].pk: "hold", e[2].pk: "advance"})
    assert services.publish_advancement(by=organizer, round=round_) == {"enterprise": 2}


def test_rerunning_the_assignment_keeps_a_judge_s_draft(season, django_capture_on_commit_callbacks):
    _open(season)
    assignment = Assignment.objects.filter(round=season["round"]).first()
    services.save_sheet(by=assignment.expert.user, assignment=assignment, scores={"innovation": "20"})
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_assignment(by=season["organizer"], round=season["round"])
    run.refresh_from_db()
    assert (run.status, run.stats["kept"]) == ("done", 1)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def _published_with_two_advancing(season) -> list[int]:
    """Score, close and publish the season's round with its two best entries advancing."""
    _open(season)
    e = season["entries"]
    _score_all(season, {x.pk: 20 + i for i, x in enumerate(e)})
    organizer, round_ = season["organizer"], season["round"]
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=2)
    services.publish_decisions(by=organizer, round=round_, decisions={e[5].pk: "advance", e[4].pk: "advance"})
    return [e[5].pk, e[4].pk]


def test_next_round_takes_only_advanced_entries_still_qualified(season, ningbo):
    _best, second = _published_with_two_advancing(season)
    organizer = season["organizer"]
    registration.reopen_entry(by=organizer, entry=season["entries"][5], reason="材料有误，重新审查")
    later = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                  data={"name": "复赛", "stage": "semifinal"})  # fmt: skip
    later = services.update_round(by=organizer, round=later, data={"previous": season["round"]})

    assert services.add_entries(by=organizer, round=later) == 1

    assert list(later.round_entries.values_list("entry_id", "source_round_id")) == [
        (second, season["round"].pk)
    ]


def test_national_round_takes_only_recommended_entries_still_qualified(season, ningbo):
    best, _second = _published_with_two_advancing(season)
    registration.reopen_entry(by=season["organizer"], entry=season["entries"][4], reason="材料有误，重新审查")
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=ningbo.edition)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=2)
    services.recommend_from_advancement(by=season["organizer"], event=ningbo)
    national = services.create_round(by=secretary, edition=ningbo.edition, event=None,
                                     data={"name": "全国评审", "stage": "national"})  # fmt: skip

    assert services.add_entries(by=secretary, round=national) == 1

    assert list(national.round_entries.values_list("entry_id", flat=True)) == [best]


def test_entries_cannot_be_added_once_the_round_is_published(season, ningbo):
    _published_with_two_advancing(season)
    extra, _ = qualified_entries(ningbo, 1, organizer=season["organizer"])

    with pytest.raises(Conflict, match="评审轮次当前为“结果已发布”，不能再加入参评项目。"):
        services.add_entries(by=season["organizer"], round=season["round"], entries=extra)

    assert season["round"].round_entries.count() == 6


def test_publishing_is_one_audited_status_change(season):
    _published_with_two_advancing(season)

    record = AuditRecord.objects.get(action="review.advancement.published")

    assert (record.data["before"], record.data["after"], record.data["advancing"]) == (
        "closed", "published", {"enterprise": 2},
    )  # fmt: skip
    assert not AuditRecord.objects.filter(action="review.round.published").exists()


def test_assignment_run_moves_through_its_lifecycle(season):
    run = season["run"]

    actions = list(
        AuditRecord.objects.filter(object_type="review.assignmentrun", object_id=str(run.pk))
        .order_by("seq")
        .values_list("action", "data__before", "data__after")
    )

    assert (run.status, run.progress, run.message) == ("done", 100, "分配完成")
    assert actions == [
        ("review.assignment_run.running", "queued", "running"),
        ("review.assignment_run.done", "running", "done"),
    ]


def test_anonymous_codes_grow_longer_only_when_six_digits_are_taken(ningbo):
    from contest.review.services.rounds import anonymous_code

    entries, organizer = qualified_entries(ningbo, 2)
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "网络初评", "stage": "preliminary"})  # fmt: skip
    short = anonymous_code(round_, entries[0])
    longer = anonymous_code(round_, entries[0], {short})

    assert (len(short), len(longer)) == (len(f"R{round_.pk}-") + 6, len(f"R{round_.pk}-") + 8)
    assert longer.startswith(short)
    third = anonymous_code(round_, entries[0], {short, longer})
    assert (len(third), third.startswith(longer)) == (len(f"R{round_.pk}-") + 10, True)
    services.add_entries(by=organizer, round=round_)
    assert sorted(round_.round_entries.values_list("code", flat=True)) == sorted(
        anonymous_code(round_, e) for e in entries
    )
