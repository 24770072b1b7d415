"""Which part of the organizer console a path belongs to (for the console's own navigation bar)."""

from django import template

register = template.Library()

AREAS = (
    ("/console/review/", "review"),
    ("/console/finals/", "finals"),
    ("/console/awards/", "awards"),
    ("/console/notices/", "notices"),
    ("/console/stats/", "stats"),
    ("/console/", "entries"),
)


@register.filter
def console_area(path: str) -> str:
    """ "review", "finals", "awards", "notices", "stats" or "entries" for a console path; "" elsewhere."""
    return next((area for prefix, area in AREAS if (path or "").startswith(prefix)), "")
