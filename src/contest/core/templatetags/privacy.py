"""Masks for personal information in templates: ``{% load privacy %}{{ o.phone|mask_phone }}``.
The rules live in :mod:`contest.core.privacy`; see docs/privacy.md for who sees what."""

from django import template

from contest.core import privacy

register = template.Library()

register.filter("mask_phone", privacy.mask_phone)
register.filter("mask_email", privacy.mask_email)
register.filter("mask_id_number", privacy.mask_id_number)
