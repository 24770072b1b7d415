"""The organizer's per-entry tables of a round, one page at a time (``organizer_tables``): the
ranking with its cut line, search and filters, published rounds shown from their snapshots, the
assignment table and the round's entries — and a fixed number of queries per page, whatever the
number of entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contest.review import organizer_tables as tables
from contest.review import services
from contest.review.enums import QuotaKind, RoundStatus
from contest.review.models import Assignment, ScoreSheet

from .test_organizer_views import FULL, build_season, open_round, table_rows, text_of, url

pytestmark = pytest.mark.integration


def score_all(season, values: dict[int, str]) -> None:
    """Entry i gets ``values[i]`` for 技术创新 (the rest as FULL, total = x + 56) from each of its judges."""
    for a in Assignment.objects.filter(round=season.round).select_related(
        "round", "expert__user", "round_entry"
    ):
        i = next(k for k, e in enumerate(season.entries) if e.pk == a.round_entry.entry_id)
        if i in values:
            services.save_sheet(by=a.expert.user, assignment=a, scores={**FULL, "innovation": values[i]},
                                submit=True)  # fmt: skip


def distinct_values(n: int) -> dict[int, str]:
    """A different 技术创新 score per entry (0, 0.5, 1, …, up to 30), so that no two entries tie."""
    return {i: str(Decimal(i) / 2) for i in range(n)}


# -- a fixed number of queries -------------------------------------------------------------------------------


#: Queries per page, whatever the number of entries: the sign-in, the round in the user's scope and
#: the page's own reads (the ranking page: the ranking statement, the judges' names, the groups, the
#: quotas, the page's entrants and judges' totals, the outliers' sheets, the snapshot list; a
#: search adds one).
QUERIES = {"ranking": 15, "ranking_last_page": 13, "ranking_search": 14, "assignment": 12, "round_entries": 10,
           "progress": 8}  # fmt: skip


@pytest.mark.parametrize("n", [1, 3, 60])
def test_round_tables_run_a_fixed_number_of_queries(client, ningbo, settings, n):
    settings.REVIEW_ROWS_PER_PAGE = 10
    s = build_season(ningbo, n_entries=n, n_judges=2, k=1, pin=False)
    for i in range(n):
        services.pin_assignment(by=s.organizer, round_entry=s.round_entry(i), expert=s.judges[i % 2])
    open_round(s)
    score_all(s, distinct_values(n))
    services.set_quota(by=s.organizer, round=s.round, group_code="enterprise", kind=QuotaKind.COUNT, count=1)
    client.force_login(s.organizer)
    last = (n - 1) // 10 + 1
    pages = {
        "ranking": url("ranking", s),
        "ranking_last_page": url("ranking", s) + f"?page={last}",
        "ranking_search": url("ranking", s) + "?q=智能制造&group=enterprise&industry=I",
        "assignment": url("assignment", s) + f"?page={last}",
        "round_entries": url("round_entries", s),
        "progress": url("progress", s),
    }
    counts, responses = {}, {}
    for name, address in pages.items():
        with CaptureQueriesContext(connection) as queries:
            responses[name] = client.get(address)
        counts[name] = len(queries)

    assert counts == QUERIES
    shown = min(n, 10)
    ranking = responses["ranking"]
    assert len(table_rows(ranking, "ranking-enterprise")) == shown + 1  # the rows and the cut line
    assert ranking.context["view"].page.paginator.count == n
    assert responses["ranking_search"].context["view"].page.paginator.count == n
    assert len(responses["assignment"].context["rows"]) == n - (last - 1) * 10
    assert len(responses["round_entries"].context["entries"]) == shown


# -- ranking: the cut line, search, filters ------------------------------------------------------------------


@pytest.fixture
def ranked(ningbo):
    """Five entries, 技术创新 30, 25, 25, 20, 10 from two judges each (entries 1 and 2 tied)."""
    s = build_season(ningbo, n_entries=5, n_judges=3, k=2)
    open_round(s)
    score_all(s, {0: "30", 1: "25", 2: "25", 3: "20", 4: "10"})
    return s


def test_the_cut_line_falls_after_the_last_place_and_names_its_page(client, ranked, settings):
    settings.REVIEW_ROWS_PER_PAGE = 2
    services.set_quota(by=ranked.organizer, round=ranked.round, group_code="enterprise", kind=QuotaKind.COUNT,
                       count=3)  # fmt: skip
    client.force_login(ranked.organizer)
    code = {i: ranked.round_entry(i).code for i in range(5)}
    numbers = sorted([(ranked.entries[i].number, i) for i in (1, 2)])
    tied_first, tied_second = numbers[0][1], numbers[1][1]

    first = client.get(url("ranking", ranked))
    second = client.get(url("ranking", ranked) + "?page=2")

    cut = first.context["view"].cuts[0]
    assert (cut.group_code, cut.size, cut.entrants, cut.page, cut.tied) == ("enterprise", 3, 5, 2, False)
    assert [r[:2] for r in table_rows(first, "ranking-enterprise")] == [
        ["1", code[0]],
        ["2", code[tied_first]],
    ]
    assert [r[:2] for r in table_rows(second, "ranking-enterprise")] == [
        ["2", code[tied_second]], ["晋级线 ：以上项目在晋级名额内。"], ["4", code[3]],
    ]  # fmt: skip
    assert "企业组：晋级名额 3 个（共 5 个项目），晋级线在排序第 3 个项目之后 · 在第 2 页" in text_of(first)


def test_a_cut_through_a_tie_is_flagged(client, ranked):
    services.set_quota(by=ranked.organizer, round=ranked.round, group_code="enterprise", kind=QuotaKind.COUNT,
                       count=2)  # fmt: skip
    client.force_login(ranked.organizer)

    view = client.get(url("ranking", ranked)).context["view"]

    assert [(c.size, c.page, c.tied) for c in view.cuts] == [(2, 1, True)]
    assert [line.cut_after for line in view.tables[0].lines] == [False, True, False, False, False]


def test_search_finds_by_title_number_and_code_and_keeps_the_group_rank(client, ranked):
    client.force_login(ranked.organizer)
    e3 = ranked.entries[3]
    code3 = ranked.round_entry(3).code

    by_number = client.get(url("ranking", ranked), {"q": e3.number})
    by_code = client.get(url("ranking", ranked), {"q": code3.lower()})
    by_title = client.get(url("ranking", ranked), {"q": e3.title[:20]})
    nothing = client.get(url("ranking", ranked), {"q": "没有这个项目"})

    for response in (by_number, by_code, by_title):
        assert [r[:2] for r in table_rows(response, "ranking-enterprise")] == [["4", code3]]
    assert nothing.context["view"].tables == []
    assert "没有符合条件的项目。" in text_of(nothing)


def test_unknown_filters_and_pages_are_ignored_not_errors(client, ranked):
    client.force_login(ranked.organizer)

    response = client.get(url("ranking", ranked), {"group": "nope", "industry": "ZZ", "page": "x9"})

    assert response.status_code == 200
    assert response.context["filter"] == tables.EntryFilter()
    assert response.context["view"].page.number == 1
    assert len(response.context["view"].tables[0].lines) == 5


def test_group_filter_shows_only_that_group(client, ranked):
    client.force_login(ranked.organizer)

    maker = client.get(url("ranking", ranked), {"group": "maker"})
    enterprise = client.get(url("ranking", ranked), {"group": "enterprise"})

    assert maker.context["view"].tables == []
    assert maker.context["view"].total == 5
    assert len(enterprise.context["view"].tables[0].lines) == 5


def test_ranking_page_links_to_the_full_exports(client, ranked):
    client.force_login(ranked.organizer)

    html = client.get(url("ranking", ranked)).content.decode()

    assert f'href="{url("export", ranked, "ranking")}"' in html


def test_the_ranking_is_reused_until_a_write_in_the_round_s_scope(client, ranked):
    client.force_login(ranked.organizer)
    a = (Assignment.objects.filter(round=ranked.round, round_entry__entry=ranked.entries[4])
         .select_related("round", "expert__user", "round_entry").order_by("expert__name").first())  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        before = client.get(url("ranking", ranked))
    cold = len(queries)  # now: the next request clears the connection's query log
    with CaptureQueriesContext(connection) as queries:
        client.get(url("ranking", ranked))
    warm = len(queries)
    services.save_sheet(by=a.expert.user, assignment=a, scores={**FULL, "innovation": "30"}, submit=True)
    after = client.get(url("ranking", ranked))

    # cold: the ranking (2 statements, as a tie outlives 技术创新) and the outliers' sheets, read once
    assert (cold, warm) == (16, 13)
    assert [r[4] for r in table_rows(before, "ranking-enterprise")] == [
        "86.00",
        "81.00",
        "81.00",
        "76.00",
        "66.00",
    ]
    assert [r[4] for r in table_rows(after, "ranking-enterprise")] == [
        "86.00",
        "81.00",
        "81.00",
        "76.00",
        "76.00",
    ]


def test_a_published_round_shows_its_snapshot_not_later_edits(client, ranked):
    s = ranked
    services.set_quota(by=s.organizer, round=s.round, group_code="enterprise", kind=QuotaKind.COUNT, count=2)
    round_ = services.set_round_status(by=s.organizer, round=s.round, to=RoundStatus.CLOSED)
    ids = {s.entries[i].pk: "advance" if i < 2 else "hold" for i in range(5)}
    services.stage_decisions(by=s.organizer, round=round_, decisions=ids)
    services.publish_advancement(by=s.organizer, round=round_)
    # a later write behind the services' back must not change what the published page shows
    ScoreSheet.objects.filter(assignment__round_entry__entry=s.entries[4]).update(total=Decimal(99))
    client.force_login(s.organizer)

    response = client.get(url("ranking", s))

    view = response.context["view"]
    assert view.published is True
    rows = table_rows(response, "ranking-enterprise")
    assert [r[0] for r in rows if r[0] != "晋级线 ：以上项目在晋级名额内。"] == ["1", "2", "2", "4", "5"]
    assert rows[-1][4] == "66.00"
    assert "本轮结果已发布：下表为发布时保存的排名快照。" in text_of(response)


# -- assignment and round entries --------------------------------------------------------------------------------


def test_assignment_table_pages_and_searches(client, ranked, settings):
    settings.REVIEW_ROWS_PER_PAGE = 2
    client.force_login(ranked.organizer)
    codes = sorted(ranked.round_entry(i).code for i in range(5))

    pages = [client.get(url("assignment", ranked), {"page": p}) for p in (1, 2, 3)]
    found = client.get(url("assignment", ranked), {"q": codes[3]})
    other_industry = client.get(url("assignment", ranked), {"industry": "C"})

    assert [[r[0] for r in table_rows(p, "assignment-table")] for p in pages] == [
        codes[:2],
        codes[2:4],
        codes[4:],
    ]
    assert [r[0] for r in table_rows(found, "assignment-table")] == [codes[3]]
    assert other_industry.context["rows"] == []
    assert "没有符合条件的项目。" in text_of(other_industry)


def test_round_entries_page_counts_the_round_and_the_match(client, ranked, settings):
    settings.REVIEW_ROWS_PER_PAGE = 2
    client.force_login(ranked.organizer)
    e2 = ranked.entries[2]

    whole = client.get(url("round_entries", ranked))
    found = client.get(url("round_entries", ranked), {"q": e2.number})

    assert len(whole.context["entries"]) == 2
    assert "本轮 5 个项目" in text_of(whole)
    assert [r[1] for r in table_rows(found, "round-entries")] == [e2.number]
    assert "本轮 5 个项目" in text_of(found)
    assert "符合条件的 1 个项目" in text_of(found)
