"""``{{ value|score:round.places }}``: a score, mean or total shown with the round's declared places."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from contest.review.aggregation import quantize
from contest.review.models import criterion_label

register = template.Library()


@register.filter
def score(value, places) -> str:
    """``value`` rounded to ``places`` decimals with the rubric's rule (ROUND_HALF_UP, as the
    aggregation rounds); "—" for a missing value, anything not a number unchanged."""
    if value is None or value == "":
        return "—"
    try:
        return str(quantize(Decimal(str(value)), int(places)))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def criterion(name) -> str:
    """A rubric criterion's name as shown (the default rubric's names translated)."""
    return criterion_label(str(name))
