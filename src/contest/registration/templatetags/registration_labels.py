"""Labels of registration's choices in the reader's language, for data that stores the Chinese name."""

from django import template

from contest.registration.enums import GroupKind

register = template.Library()


@register.filter
def group_label(group) -> str:
    """An edition group's name: the translated ``GroupKind`` label for the two standard groups
    (企业组, 创客组), else the name the edition's plan gives it."""
    code = getattr(group, "code", "")
    return str(GroupKind(code).label) if code in GroupKind.values else group.name
