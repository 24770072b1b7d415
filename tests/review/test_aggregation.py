"""Aggregation invariants (hypothesis) and exact Decimal results."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.review.aggregation import (
    DEFAULT_RUBRIC,
    Score,
    aggregate,
    mean,
    normalize_by_judge,
    quantize,
    rank,
    sheet_total,
    trimmed_mean,
    validate_sheet,
)

pytestmark = pytest.mark.unit

scores_st = st.lists(
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False), min_size=1, max_size=15
)


@settings(derandomize=True)
@given(scores_st)
def test_trimmed_mean_lies_between_min_and_max(values):
    result = trimmed_mean(values)
    assert min(values) <= result <= max(values)


@settings(derandomize=True)
@given(scores_st, st.randoms())
def test_trimmed_mean_ignores_order(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert trimmed_mean(shuffled) == trimmed_mean(values)


@settings(derandomize=True)
@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=3, max_size=15))
def test_trimmed_mean_is_unmoved_by_one_extreme_outlier(values):
    assert trimmed_mean([*values, Decimal(10**6)]) == trimmed_mean([*values, max(values)])


def test_trimmed_mean_drops_one_highest_and_one_lowest_exactly():
    assert trimmed_mean([Decimal("90"), Decimal("85.5"), Decimal("70"), Decimal("88"), Decimal("60")]) == (
        Decimal("81.16666666666666666666666666666667"))  # fmt: skip
    assert quantize(trimmed_mean([Decimal("90"), Decimal("85.5"), Decimal("70"), Decimal("88"), Decimal("60")]), 2) == (
        Decimal("81.17"))  # fmt: skip
    assert trimmed_mean([Decimal("80"), Decimal("90")]) == Decimal("85")


def test_quantize_rounds_half_up():
    assert [quantize(Decimal(v), 1) for v in ("2.25", "2.35", "-2.25", "2.249")] == [
        Decimal("2.3"), Decimal("2.4"), Decimal("-2.3"), Decimal("2.2")]  # fmt: skip


judge_scores = st.dictionaries(
    st.integers(0, 5),
    st.lists(st.decimals(min_value=0, max_value=100, places=1), min_size=2, max_size=8),
    min_size=2,
    max_size=5,
)


def _scores(data: dict[int, list[Decimal]]) -> list[Score]:
    return [Score(entry=i, judge=j, value=v) for j, values in data.items() for i, v in enumerate(values)]


def _z_scores(scores: list[Score]) -> dict[tuple[int, int], Decimal]:
    """Normalised scores back as z-scores on the round's own scale (μ, σ of the raw scores)."""
    values = [s.value for s in scores]
    mu = mean(values)
    sigma = (sum((v - mu) ** 2 for v in values) / len(values)).sqrt()
    return {(s.entry, s.judge): (s.value - mu) / sigma for s in normalize_by_judge(scores)} if sigma else {}


@settings(max_examples=60, deadline=None, derandomize=True)
@given(judge_scores, st.decimals(min_value=-20, max_value=20, places=1), st.integers(0, 5))
def test_normalisation_ignores_a_judge_shifting_all_their_scores(data, shift, judge):
    """A lenient judge (+shift on everything) gets the same z-scores as before."""
    if judge not in data or len(set(data[judge])) < 2:
        return
    before = _z_scores(_scores(data))
    after = _z_scores(_scores({j: [v + shift if j == judge else v for v in vs] for j, vs in data.items()}))
    if not before or not after:
        return
    for key in (k for k in before if k[1] == judge):
        assert abs(before[key] - after[key]) < Decimal("1e-25")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(judge_scores)
def test_normalised_scores_keep_the_round_mean(data):
    scores = _scores(data)
    normalized = normalize_by_judge(scores)
    assert abs(mean([s.value for s in normalized]) - mean([s.value for s in scores])) < Decimal("1e-25")


def test_normalisation_makes_a_strict_and_a_lenient_judge_agree():
    strict = [Score(1, 1, Decimal(60)), Score(2, 1, Decimal(70)), Score(3, 1, Decimal(80))]
    lenient = [Score(1, 2, Decimal(80)), Score(2, 2, Decimal(85)), Score(3, 2, Decimal(90))]
    normalized = {(s.entry, s.judge): s.value for s in normalize_by_judge(strict + lenient)}
    assert all(normalized[(e, 1)] == normalized[(e, 2)] for e in (1, 2, 3))
    # μ = 77.5, σ = √97.916… = 9.8953; both judges' z-scores are −1.2247, 0, +1.2247
    result = aggregate(strict + lenient, normalize=True)
    assert [result[e].value for e in (1, 2, 3)] == [Decimal("65.38"), Decimal("77.50"), Decimal("89.62")]


def test_judge_with_identical_scores_contributes_the_round_mean():
    scores = [
        Score(1, 1, Decimal(70)),
        Score(2, 1, Decimal(70)),
        Score(1, 2, Decimal(60)),
        Score(2, 2, Decimal(90)),
    ]
    normalized = {(s.entry, s.judge): s.value for s in normalize_by_judge(scores)}
    assert normalized[(1, 1)] == normalized[(2, 1)] == Decimal("72.5")


def test_sheet_total_weights_each_criterion():
    scores = {"innovation": Decimal("27"), "business_model": Decimal("15"), "market": Decimal("18"),
              "team": Decimal("16.5"), "finance_social": Decimal("8")}  # fmt: skip
    assert sheet_total(DEFAULT_RUBRIC, scores) == Decimal("84.5")
    assert sum(c.weight for c in DEFAULT_RUBRIC) == 100


def test_validate_sheet_reports_missing_out_of_range_and_unknown():
    assert validate_sheet(
        DEFAULT_RUBRIC,
        {
            "innovation": Decimal("31"),
            "market": Decimal("-1"),
            "x": Decimal(1),
            "business_model": Decimal(10),
            "team": Decimal(10),
        },
    ) == {
        "innovation": "“技术创新”的分数应在 0 到 30 之间。",
        "market": "“市场前景”的分数应在 0 到 20 之间。",
        "finance_social": "请为“财务与社会效益”打分。",
        "x": "评分表中没有这一项。",
    }


def test_aggregate_flags_entries_with_too_few_scores_for_a_trimmed_mean():
    scores = [Score(1, j, Decimal(v)) for j, v in enumerate([80, 90, 70])] + [Score(2, 1, Decimal(95))]
    result = aggregate(scores, method="trimmed_mean")
    assert (result[1].value, result[1].too_few, result[2].value, result[2].too_few) == (
        Decimal("80.00"), False, Decimal("95.00"), True)  # fmt: skip


def test_rank_breaks_ties_in_the_documented_order_and_reports_the_rest():
    values = {1: Decimal("88.50"), 2: Decimal("90.00"), 3: Decimal("88.50"), 4: Decimal("88.50")}
    innovation = {1: Decimal(25), 3: Decimal(27), 4: Decimal(25)}
    ranked = rank(values, tie_breaks=[innovation], final_key={1: "CK9-R30-000002", 4: "CK9-R30-000001"})
    assert [(r.entry, r.rank, r.tied_with) for r in ranked] == [
        (2, 1, ()),
        (3, 2, ()),
        (4, 3, (1,)),
        (1, 3, (4,)),
    ]


@settings(derandomize=True)
@given(st.dictionaries(st.integers(1, 50), st.decimals(min_value=0, max_value=100, places=2), min_size=1))
def test_rank_is_deterministic_and_ranks_are_monotonic(values):
    first = rank(values)
    assert first == rank(dict(reversed(list(values.items()))))
    assert all(a.value >= b.value and a.rank <= b.rank for a, b in itertools.pairwise(first))
