"""``{{ value|places:session.places }}``: a Decimal score shown with the session's places;
``{{ session.segments|segments }}``: the format as a person types it."""

from decimal import Decimal

from django import template

from contest.finals.scoring import quantize
from contest.finals.validators import format_segments

register = template.Library()


@register.filter
def places(value, digits):
    if value in (None, ""):
        return "—"
    return format(quantize(Decimal(value), int(digits)), "f")


@register.filter
def segments(value):
    """``[{"label": "项目路演", "seconds": 480}, …]`` → ``项目路演 8 分钟 + …``."""
    return format_segments(value or [])
