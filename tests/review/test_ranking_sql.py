"""Rankings aggregated in SQL (``ranking_sql``) equal ``services.compute_rows``, and
``recompute_rankings`` stores them for a whole edition.

The property test builds random rounds through the services — random rubric scores from a small
set of values so that totals tie, some sheets left as drafts, some entries unscored, mean or
trimmed mean, with or without per-judge normalisation, 0–2 decimal places — and compares every
field of every row of both paths. It runs on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

import hashlib
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Event
from contest.core import audit
from contest.core.errors import NotFound
from contest.core.models import AuditRecord
from contest.registration import services as reg
from contest.review import aggregation as agg
from contest.review import organizer_tables, ranking_sql, rankings, services
from contest.review.enums import RoundStatus
from contest.review.models import RankingSnapshot, RoundEntry

from ..registration.factories import ENTRY, organizer_for, pdf_bytes, user
from .factories import expert, qualified_entries

pytestmark = pytest.mark.integration

FIELDS = ("entry", "code", "number", "group", "industry", "rank", "value", "exact", "n_scores", "too_few",
          "tied_with")  # fmt: skip
#: Few values per criterion, so that totals tie, and tie on 技术创新 too while other criteria differ.
CHOICES = {"innovation": ("10", "20", "25"), "business_model": ("5", "10", "12.5"), "market": ("5", "10", "12.5"),
           "team": ("0", "5", "10"), "finance_social": ("5", "10")}  # fmt: skip


def as_tuples(rows) -> list[tuple]:
    return [tuple(getattr(r, f) for f in FIELDS) for r in rows]


def maker_entry(event, organizer, n: int):
    owner = user()
    reg.save_team(by=owner, data={"name": f"创客队{n}", "leader_name": f"队长{n}", "leader_phone": f"1360000{n:04d}",
                                  "division": "330200", "declares_not_enterprise": True},
                  members=[{"name": f"队员{n}", "role": "算法", "phone": f"1370000{n:04d}"}])  # fmt: skip
    entry = reg.create_entry(by=owner, event=event, group_code="maker", data={"title": f"创客项目{n}"})
    entry = reg.update_entry(by=owner, entry=entry, data={**ENTRY, "title": f"创客项目{n}"},
                             business_plan=("计划书.pdf", pdf_bytes()))  # fmt: skip
    reg.submit_entry(by=owner, entry=entry)
    entry.refresh_from_db()
    reg.qualify_entry(by=organizer, entry=entry)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def pool(ningbo):
    """5 enterprise and 2 maker entries of 宁波, qualified; 5 experts with judge accounts."""
    entries, organizer = qualified_entries(ningbo, 5)
    makers = [maker_entry(ningbo, organizer, n) for n in (1, 2)]
    experts = [expert(organizer, org=f"研究院{i}") for i in range(5)]
    return {"event": ningbo, "entries": entries + makers, "experts": experts, "organizer": organizer}


def scored_round(pool, *, config: dict, table: list[list]) -> object:
    """A round with the pool's entries; ``table[i][j]`` is judge j's sheet for entry i:
    None (not assigned), or (submit?, scores)."""
    organizer, event = pool["organizer"], pool["event"]
    round_ = services.create_round(by=organizer, edition=event.edition, event=event,
                                   data={"name": "随机轮次", "stage": "preliminary", **config})  # fmt: skip
    services.add_entries(by=organizer, round=round_)
    services.add_judges(by=organizer, round=round_, experts=pool["experts"])
    by_entry = {re.entry_id: re for re in round_.round_entries.all()}
    pairs = []
    for entry, sheets in zip(pool["entries"], table, strict=True):
        for judge, sheet in zip(pool["experts"], sheets, strict=True):
            if sheet is not None:
                a = services.pin_assignment(by=organizer, round_entry=by_entry[entry.pk], expert=judge)
                pairs.append((a, judge, sheet))
    if pairs:  # a round with nothing assigned cannot be opened (and has no sheet to rank)
        services.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)
    for a, judge, (submit, scores) in pairs:
        services.save_sheet(by=judge.user, assignment=a, scores=scores, submit=submit)
    round_.refresh_from_db()
    return round_


scores = st.fixed_dictionaries({c: st.sampled_from(values) for c, values in CHOICES.items()})
#: Not assigned, a submitted sheet (twice as likely), or a sheet left as a draft.
sheets = st.one_of(st.none(), st.tuples(st.just(True), scores), st.tuples(st.booleans(), scores))
tables = st.lists(st.lists(sheets, min_size=5, max_size=5), min_size=7, max_size=7)
configs = st.fixed_dictionaries({"places": st.integers(0, 2), "judges_per_entry": st.integers(1, 5)})


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("aggregation", ["mean", "trimmed_mean"])
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(config=configs, table=tables)
def test_sql_ranking_equals_compute_rows_on_random_rounds(pool, aggregation, normalize, config, table):
    with transaction.atomic():
        round_ = scored_round(pool, config={**config, "aggregation": aggregation, "normalize": normalize},
                              table=table)  # fmt: skip

        expected = as_tuples(services.compute_rows(round_))
        actual = as_tuples(ranking_sql.ranking_for_round(round_))

        assert actual == expected
        transaction.set_rollback(True)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("aggregation", ["mean", "trimmed_mean"])
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(config=configs, table=tables, per_page=st.integers(1, 4), places=st.integers(0, 7))
def test_ranking_pages_equal_compute_rows_on_random_rounds(pool, aggregation, normalize, config, table, per_page,
                                                           places):  # fmt: skip
    """Walking every page of the organizer's ranking (``organizer_tables.ranking_page``) gives
    compute_rows' rows — rank, value, exact value, scores, flag, ties, every judge's total — in
    cut-line order, and the cut line after exactly the entries ``rankings.cut_line`` advances."""
    with transaction.atomic():
        round_ = scored_round(pool, config={**config, "aggregation": aggregation, "normalize": normalize},
                              table=table)  # fmt: skip
        services.set_quota(
            by=pool["organizer"], round=round_, group_code="enterprise", kind="count", count=places
        )
        names = {e.pk: e.name for e in pool["experts"]}

        expected = sorted(services.compute_rows(round_), key=lambda r: (r.group, r.rank, r.number, r.entry))
        first = organizer_tables.ranking_page(round_, organizer_tables.EntryFilter(), 1, per_page=per_page)
        lines = [line for n in first.page.paginator.page_range
                 for t in organizer_tables.ranking_page(round_, organizer_tables.EntryFilter(), n,
                                                        per_page=per_page).tables
                 for line in t.lines]  # fmt: skip

        assert [(*as_tuples([line.row])[0], line.judge_totals) for line in lines] == [
            (*as_tuples([r])[0], sorted((names[j["expert"]], Decimal(j["total"])) for j in r.judges))
            for r in expected
        ]
        enterprise = [line for line in lines if line.row.group == "enterprise"]
        cut_at = [i for i, line in enumerate(enterprise) if line.cut_after]
        inside = [line.row.entry for line in enterprise[: cut_at[0] + 1]] if cut_at else []
        assert inside == rankings.cut_line([r for r in expected if r.group == "enterprise"], places).advancing
        assert ranking_sql.judge_totals(round_, [r.entry for r in expected]) == {
            r.entry: [(j["expert"], Decimal(j["total"])) for j in r.judges] for r in expected
        }
        transaction.set_rollback(True)


def test_ties_share_a_rank_and_the_first_criterion_breaks_them(pool):
    e = pool["entries"]
    a = {"innovation": "25", "business_model": "15", "market": "15", "team": "15", "finance_social": "5"}
    b = {**a, "innovation": "20", "business_model": "20"}  # the same total, less for 技术创新
    table = [[(True, a)] * 3 + [None] * 2, [(True, b)] * 3 + [None] * 2, [(True, a)] * 3 + [None] * 2,
             [None] * 5, [None] * 5, [(True, b), None, None, None, None], [None] * 5]  # fmt: skip
    round_ = scored_round(pool, config={"judges_per_entry": 3}, table=table)

    rows = ranking_sql.ranking_for_round(round_)

    assert [(r.group, r.entry, r.rank, r.value, r.n_scores, r.too_few, r.tied_with) for r in rows] == [
        ("enterprise", e[0].pk, 1, Decimal("75.00"), 3, False, (e[2].pk,)),
        ("enterprise", e[2].pk, 1, Decimal("75.00"), 3, False, (e[0].pk,)),
        ("enterprise", e[1].pk, 3, Decimal("75.00"), 3, False, ()),
        ("enterprise", e[3].pk, 4, Decimal("0.00"), 0, True, (e[4].pk,)),
        ("enterprise", e[4].pk, 4, Decimal("0.00"), 0, True, (e[3].pk,)),
        ("maker", e[5].pk, 1, Decimal("75.00"), 1, True, ()),
        ("maker", e[6].pk, 2, Decimal("0.00"), 0, True, ()),
    ]  # fmt: skip
    assert as_tuples(rows) == as_tuples(services.compute_rows(round_))


def test_the_next_criterion_breaks_ties_on_the_first(pool):
    e = pool["entries"]
    a = {"innovation": "25", "business_model": "15", "market": "15", "team": "15", "finance_social": "5"}
    b = {**a, "business_model": "16", "market": "14"}  # the same total and 技术创新, more for 商业模式
    table = [[(True, a)] * 2 + [None] * 3, [(True, b)] * 2 + [None] * 3, [(True, a)] * 2 + [None] * 3,
             *[[None] * 5] * 4]  # fmt: skip
    round_ = scored_round(pool, config={"judges_per_entry": 2}, table=table)

    rows = ranking_sql.ranking_for_round(round_)

    assert [(r.entry, r.rank, r.tied_with) for r in rows[:3]] == [
        (e[1].pk, 1, ()), (e[0].pk, 2, (e[2].pk,)), (e[2].pk, 2, (e[0].pk,)),
    ]  # fmt: skip
    assert as_tuples(rows) == as_tuples(services.compute_rows(round_))


def test_carried_scores_blend_and_break_ties_as_compute_rows_does(pool, django_capture_on_commit_callbacks):
    organizer, event = pool["organizer"], pool["event"]
    e = pool["entries"][:5]
    full = {"innovation": "20", "business_model": "15", "market": "15", "team": "15", "finance_social": "5"}
    first = scored_round(pool, config={"judges_per_entry": 1},
                         table=[[(True, {**full, "innovation": str(10 + i)})] + [None] * 4 for i in range(7)])  # fmt: skip
    services.set_round_status(by=organizer, round=first, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=first, group_code="enterprise", kind="count", count=5)
    services.publish_decisions(by=organizer, round=first, decisions={x.pk: "advance" for x in e})
    for carry_over in ("blend", "tie_break"):
        second = services.create_round(by=organizer, edition=event.edition, event=event,
                                       data={"name": f"复赛 {carry_over}", "stage": "semifinal", "judges_per_entry": 1,
                                             "carry_over": carry_over, "carry_weight": Decimal("0.3")})  # fmt: skip
        second.previous = first
        second.save(update_fields=["previous"])
        assert services.add_entries(by=organizer, round=second) == 5
        assert sorted(RoundEntry.objects.filter(round=second).values_list("carried_score", flat=True)) == [
            Decimal("60.0000"), Decimal("61.0000"), Decimal("62.0000"), Decimal("63.0000"), Decimal("64.0000"),
        ]  # fmt: skip
        services.add_judges(by=organizer, round=second, experts=pool["experts"][:1])
        judge = pool["experts"][0]
        pinned = [services.pin_assignment(by=organizer, round_entry=re, expert=judge)
                  for re in second.round_entries.all()]  # fmt: skip
        services.set_round_status(by=organizer, round=second, to=RoundStatus.OPEN)
        for a in pinned:  # every entry the same total: only the carried score separates
            services.save_sheet(by=judge.user, assignment=a, scores=full, submit=True)
        second.refresh_from_db()

        rows = ranking_sql.ranking_for_round(second)

        assert [r.entry for r in rows] == [x.pk for x in reversed(e)]
        assert as_tuples(rows) == as_tuples(services.compute_rows(second))
    assert [r.value for r in ranking_sql.ranking_for_round(second)] == [Decimal("70.00")] * 5


def test_scores_with_more_than_four_places_are_summed_exactly_on_every_database(pool):
    """SQLite sums criteria as integers of 1/10,000 when every score allows it; a score with more
    places (here 5) makes it sum those as Decimals instead — the order stays compute_rows'."""
    a = {
        "innovation": "20",
        "business_model": "10.00001",
        "market": "9.99999",
        "team": "10",
        "finance_social": "5",
    }
    b = {**a, "business_model": "10.00002", "market": "9.99998"}  # the same total and 技术创新; more 商业模式
    table = [[(True, a), None, None, None, None], [None, (True, b), None, None, None]] + [[None] * 5] * 5
    round_ = scored_round(pool, config={"judges_per_entry": 1}, table=table)
    e = pool["entries"]

    rows = ranking_sql.ranking_for_round(round_)

    assert as_tuples(rows) == as_tuples(services.compute_rows(round_))
    assert [(r.entry, r.rank, r.value) for r in rows[:2]] == [
        (e[1].pk, 1, Decimal("55.00")),
        (e[0].pk, 2, Decimal("55.00")),
    ]


def test_rankings_read_one_statement_and_the_normalised_rounds_scores(pool, django_assert_num_queries):
    """Every entry ties on value and first criterion here, so the other criteria are read too."""
    full = {"innovation": "20", "business_model": "15", "market": "15", "team": "15", "finance_social": "5"}
    table = [[(True, full)] * 5 for _ in range(7)]
    one = scored_round(pool, config={"normalize": True}, table=table)
    other = scored_round(pool, config={"aggregation": "trimmed_mean"}, table=table)
    third = scored_round(pool, config={"normalize": True, "aggregation": "trimmed_mean"}, table=table)

    with django_assert_num_queries(2):
        plain = ranking_sql.rankings([other])
    with django_assert_num_queries(3):
        many = ranking_sql.rankings([one, other, third])

    assert plain[other.pk] == many[other.pk]
    assert {len(rows) for rows in many.values()} == {7}


values_and_ties = st.dictionaries(
    st.integers(1, 40),
    st.tuples(st.sampled_from([Decimal(v) for v in ("70", "70.5", "71", "80")]),
              st.lists(st.one_of(st.none(), st.sampled_from([Decimal(v) for v in ("1", "2", "2.0")])),
                       min_size=2, max_size=2),
              st.sampled_from(["", "CK9-1", "CK9-2"])),
    max_size=25,
)  # fmt: skip


@pytest.mark.unit
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(values_and_ties)
def test_rank_entries_orders_and_ties_as_aggregation_rank(data):
    values = {m: v for m, (v, _, _) in data.items()}
    tie_breaks = [{m: tbs[i] for m, (_, tbs, _) in data.items() if tbs[i] is not None} for i in range(2)]
    final_key = {m: key for m, (_, _, key) in data.items()}

    ours = ranking_sql.rank_entries(list(data), values, tie_breaks, final_key)

    theirs = agg.rank(values, tie_breaks=tie_breaks, final_key=final_key)
    assert ours == [(r.entry, r.rank, r.tied_with) for r in theirs]


def test_recompute_rankings_snapshots_every_unpublished_round_with_one_audit_record(pool, edition9):
    organizer = pool["organizer"]
    full = {"innovation": "20", "business_model": "15", "market": "15", "team": "15", "finance_social": "5"}
    table = [[(True, {**full, "team": str(10 + i % 6)})] * 3 + [None] * 2 for i in range(7)]
    live = scored_round(pool, config={"judges_per_entry": 3, "rank_by_industry": True}, table=table)
    done = scored_round(pool, config={"judges_per_entry": 3}, table=table)
    services.set_round_status(by=organizer, round=done, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=done, group_code="enterprise", kind="count", count=1)
    services.publish_decisions(by=organizer, round=done, decisions={pool["entries"][4].pk: "advance"})
    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)
    before = AuditRecord.objects.count()

    counts = services.recompute_rankings(by=secretariat, edition=edition9)

    assert counts == {
        "rounds": 1,
        "skipped_published": 1,
        "entries": 7,
        "sheets": 21,
        "snapshots": 4,
        "unchanged": 0,
    }
    snaps = list(RankingSnapshot.objects.filter(round=live).order_by("group_code", "industry"))
    assert [(s.group_code, s.industry, len(s.rows), s.published_at) for s in snaps] == [
        ("enterprise", "", 5, None), ("enterprise", "I", 5, None), ("maker", "", 2, None), ("maker", "I", 2, None),
    ]  # fmt: skip
    expected = [
        {"entry": r.entry, "code": r.code, "number": r.number, "group": r.group, "industry": r.industry,
         "rank": r.rank, "value": str(r.value), "exact": str(r.exact), "n_scores": r.n_scores,
         "too_few": r.too_few, "tied_with": list(r.tied_with), "judges": []}
        for r in services.compute_rows(live) if r.group == "enterprise"
    ]  # fmt: skip
    assert snaps[0].rows == expected
    assert [r["value"] for r in snaps[0].rows] == ["69.00", "68.00", "67.00", "66.00", "65.00"]
    assert snaps[0].sha256 == hashlib.sha256(audit.canonical_json({"rows": expected}).encode()).hexdigest()
    record = AuditRecord.objects.get(action="review.rankings.recomputed")
    assert AuditRecord.objects.count() == before + 1
    assert record.data == {
        "rounds": 1, "skipped_published": 1, "entries": 7, "sheets": 21, "snapshots": 4, "unchanged": 0,
        "rankings": [[live.pk, s.group_code, s.industry, s.sha256, s.pk] for s in snaps],
    }  # fmt: skip


def test_recompute_rankings_again_writes_only_what_changed(pool, edition9):
    full = {"innovation": "20", "business_model": "15", "market": "15", "team": "15", "finance_social": "5"}
    round_ = scored_round(pool, config={"judges_per_entry": 1}, table=[[(True, full)] + [None] * 4] * 7)
    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)
    services.recompute_rankings(by=secretariat, edition=edition9)

    unchanged = services.recompute_rankings(by=secretariat, edition=edition9)
    maker = next(a for a in round_.assignments.select_related("expert__user", "round_entry__entry__group")
                 if a.round_entry.entry.group.code == "maker")  # fmt: skip
    services.save_sheet(by=maker.expert.user, assignment=maker, scores={**full, "team": "5"}, submit=True)
    changed = services.recompute_rankings(by=secretariat, edition=edition9)

    assert (unchanged["snapshots"], unchanged["unchanged"]) == (0, 2)
    assert (changed["snapshots"], changed["unchanged"]) == (1, 1)
    assert list(RankingSnapshot.objects.filter(round=round_).values_list("group_code", flat=True).order_by("pk")) == [
        "enterprise", "maker", "maker",
    ]  # fmt: skip
    record = AuditRecord.objects.filter(action="review.rankings.recomputed").order_by("-seq").first()
    assert [r[4] is None for r in record.data["rankings"]] == [True, False]


def test_recompute_rankings_is_for_the_edition_s_secretariat_only(pool, edition9):
    with pytest.raises(NotFound):
        services.recompute_rankings(by=pool["organizer"], edition=edition9)
    other = organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))
    with pytest.raises(NotFound):
        services.recompute_rankings(by=other, edition=edition9)
