"""``{{ value|places:session.places }}``: a Decimal score shown with the session's places."""

from decimal import Decimal

from django import template

from contest.finals.scoring import quantize

register = template.Library()


@register.filter
def places(value, digits):
    if value in (None, ""):
        return "—"
    return format(quantize(Decimal(value), int(digits)), "f")
