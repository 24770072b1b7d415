"""Registration windows and eligibility rules (secretariat / organizer)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contest.accounts.rules import is_secretariat_for_edition
from contest.catalog.models import EditionGroup, Event
from contest.core import audit
from contest.core.errors import Conflict, FieldErrors, PermissionDenied, ValidationFailed
from contest.core.inputs import check_date
from contest.registration import validators as v
from contest.registration.enums import RuleKind
from contest.registration.models import EligibilityRule, RegistrationWindow
from contest.registration.services.common import checked, parse_date, parse_int

# -- registration windows and rules (secretariat / organizer) -----------------------------------


def set_registration_window(*, by, event: Event, opens_at, closes_on: date) -> RegistrationWindow:
    if by is None or not by.has_perm("registration.manage_event_entries", event):
        raise PermissionDenied("您没有管理该赛事的权限。")
    problems = {
        key: exc.message
        for key, value in (("opens_at", opens_at), ("closes_on", closes_on))
        if (exc := _date_refusal(value, key))
    }
    if problems:
        raise FieldErrors(problems)
    if timezone.localtime(opens_at).date() > closes_on:
        raise ValidationFailed("报名截止日不能早于开始日期。", field="closes_on")
    with transaction.atomic():
        window, created = RegistrationWindow.objects.select_for_update().get_or_create(
            event=event, defaults={"opens_at": opens_at, "closes_on": closes_on}
        )
        before = {"opens_at": window.opens_at, "closes_on": window.closes_on}
        window.opens_at, window.closes_on = opens_at, closes_on
        window.save()
        audit.record(
            action="registration.window.set",
            obj=window,
            by=by,
            scope=f"event:{event.pk}",
            data={
                "before": {} if created else before,
                "after": {"opens_at": opens_at, "closes_on": closes_on},
            },
        )
    return window


def _date_refusal(value, key: str) -> ValidationFailed | None:
    try:
        check_date(value, field=key)
    except ValidationFailed as exc:
        return exc
    return None


# -- eligibility rules (the secretariat, through the admin) ------------------------------------------


def clean_eligibility_rule(*, edition_id: int, group_code: str, kind: str, value: str) -> str:
    """The rule's parameter in canonical form, or FieldErrors naming what is wrong."""
    errors: dict[str, str] = {}
    codes = set(EditionGroup.objects.filter(edition_id=edition_id).values_list("code", flat=True))
    if group_code not in codes:
        errors["group_code"] = f"本届没有组别代码“{group_code}”；可选：{'、'.join(sorted(codes)) or '无'}。"
    text = (value or "").strip()
    if kind in (RuleKind.NOT_LISTED, RuleKind.NOT_AN_ENTERPRISE):
        text = ""
    elif kind == RuleKind.FOUNDED_ON_OR_AFTER:
        try:
            text = parse_date(text, "value", "参数").isoformat()
        except ValidationFailed as exc:
            errors["value"] = exc.message
    elif kind == RuleKind.REVENUE_AT_MOST:
        amount = checked(errors, "value", v.non_negative_decimal, text, field="value", label="参数（万元）")
        text = str(amount) if amount is not None else text
    elif kind in (RuleKind.EMPLOYEES_AT_MOST, RuleKind.MIN_MEMBERS):
        number = checked(errors, "value", parse_int, text, "value", "参数（人数）")
        text = str(number) if number is not None else text
    else:
        errors["kind"] = "未知的规则。"
    if errors:
        raise FieldErrors(errors)
    return text


def save_eligibility_rule(
    *, by, rule: EligibilityRule, changed: dict[str, Any] | None = None
) -> EligibilityRule:
    """The secretariat of the rule's edition adds or edits an eligibility rule; audited."""
    if by is None or not is_secretariat_for_edition(by, rule.edition_id):
        raise PermissionDenied("只有本届大赛秘书处可以修改参赛条件。")
    rule.value = clean_eligibility_rule(
        edition_id=rule.edition_id, group_code=rule.group_code, kind=rule.kind, value=rule.value
    )
    created = rule.pk is None
    with transaction.atomic():
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError as exc:
            raise Conflict("本届该组别已有同类规则，请修改原规则。") from exc
        audit.record(
            action=f"registration.eligibility_rule.{'created' if created else 'updated'}",
            obj=rule,
            by=by,
            scope=f"edition:{rule.edition_id}",
            data={"group": rule.group_code, "kind": rule.kind, "value": rule.value, "active": rule.is_active,
                  "changes": changed or {}},
        )  # fmt: skip
    return rule


def delete_eligibility_rule(*, by, rule: EligibilityRule) -> None:
    if by is None or not is_secretariat_for_edition(by, rule.edition_id):
        raise PermissionDenied("只有本届大赛秘书处可以修改参赛条件。")
    with transaction.atomic():
        data = {"group": rule.group_code, "kind": rule.kind, "value": rule.value}
        audit.record(action="registration.eligibility_rule.deleted", obj=rule, by=by,
                     scope=f"edition:{rule.edition_id}", data=data)  # fmt: skip
        rule.delete()
