"""``{{ name|level_label }}``: an award level's name in the user's language (``enums.level_label``)."""

from django import template

from contest.awards.enums import level_label as label_of

register = template.Library()


@register.filter
def level_label(name) -> str:
    return label_of(str(name or ""))
