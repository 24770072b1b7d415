"""Aggregating live scores (pure): properties over generated panels, and fixed examples."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.finals.scoring import aggregate, decided_by, quantize, rank_key

pytestmark = pytest.mark.unit

scores = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
panels = st.lists(scores, min_size=1, max_size=15).map(lambda xs: dict(enumerate(xs, start=1)))


@given(panels, st.integers(min_value=0, max_value=4))
def test_mean_lies_between_the_lowest_and_highest_score(panel, places):
    result = aggregate(panel, method="mean", places=places)
    assert quantize(min(panel.values()), places) <= result.result <= quantize(max(panel.values()), places)
    assert result.detail["counted"] == sorted(panel)
    assert result.detail["dropped"] == []


@given(panels, st.integers(min_value=0, max_value=4))
def test_trimmed_mean_drops_exactly_one_highest_and_one_lowest_from_three_scores(panel, places):
    result = aggregate(panel, method="trimmed", places=places)
    if len(panel) < 3:
        assert result.detail["method"] == "trimmed_fallback"
        assert result.detail["dropped"] == []
        assert result.result == aggregate(panel, method="mean", places=places).result
    else:
        low, high = result.detail["dropped"]
        assert panel[low] == min(panel.values())
        assert panel[high] == max(panel.values())
        kept = sorted(panel.values())[1:-1]
        assert result.detail["counted"] == sorted(set(panel) - {low, high})
        assert Decimal(result.detail["exact"]) * len(kept) == pytest.approx(sum(kept), abs=Decimal("1e-20"))


@given(panels)
def test_trimmed_result_does_not_depend_on_which_seat_gave_which_score(panel):
    values = list(panel.values())
    shuffled = dict(zip(panel, reversed(values), strict=True))
    assert (
        aggregate(panel, method="trimmed", places=2).result
        == aggregate(shuffled, method="trimmed", places=2).result
    )


def test_rounding_is_half_up_on_the_final_value_only():
    result = aggregate({1: Decimal("80.00"), 2: Decimal("80.01"), 3: Decimal("80.00"), 4: Decimal("80.00")},
                       method="mean", places=2)  # fmt: skip
    assert result.result == Decimal("80.00")  # 80.0025 → 80.00
    assert aggregate({1: Decimal("0.125"), 2: Decimal("0.125")}, method="mean", places=2).result == Decimal(
        "0.13"
    )


def test_equal_extremes_name_the_lowest_and_highest_seat():
    result = aggregate(
        {1: Decimal(90), 2: Decimal(70), 3: Decimal(90), 4: Decimal(70)}, method="trimmed", places=2
    )
    assert result.detail["dropped"] == [2, 3]
    assert result.result == Decimal("80.00")


def test_aggregate_refuses_no_scores():
    with pytest.raises(ValueError, match="no scores"):
        aggregate({}, method="mean", places=2)


def test_rank_key_orders_result_then_mean_then_top_then_position():
    a = rank_key(Decimal(80), {"mean": "80", "max": "90"}, 3)
    b = rank_key(Decimal(80), {"mean": "80", "max": "95"}, 4)
    c = rank_key(Decimal(80), {"mean": "81", "max": "85"}, 5)
    assert sorted([a, b, c]) == [c, b, a]
    assert [decided_by(None, c), decided_by(c, b), decided_by(b, a)] == ["", "mean", "max"]
