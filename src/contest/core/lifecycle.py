"""The one writer of every status in the project.

A model with a lifecycle declares it beside its fields::

    class Entry(models.Model):
        status = models.CharField(...)
        lifecycle = Lifecycle(
            transitions=TRANSITIONS,          # status → the statuses it may move to (enums.py)
            overrides=OVERRIDES,              # moves only an override may make; they need a reason
            audit="registration.entry",       # audit code prefix: registration.entry.<verb>
            scope=lambda e: f"event:{e.event_id}",
            history="registration.EntryTransition", history_subject="entry",
        )

and every change of ``status`` goes through :func:`transition` (one object) or
:func:`transition_many` (several, one statement). Each locks the row(s), reads the status the
database holds, checks the table, writes the status (with any other fields the same change sets),
records history where declared and appends to the audit chain, all in one transaction. Nothing
else assigns ``.status``: ``tests/core/test_lifecycle_source.py`` reads the source and fails if
anything does.

The audit code is ``<audit>.<verb>`` where the verb is ``verbs.get(to, to)`` (``"live"`` may be
recorded as ``started``); a caller that names the business act (``review.advancement.published``)
passes ``action=``. The record's data holds ``before`` and ``after`` (and ``reason``/``override``
when given) plus whatever the caller adds in ``data=``.

This module imports no app: history models are named by label and resolved when first used.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import rules
from django.apps import apps
from django.db import models, transaction
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext

from contest.core import audit
from contest.core.errors import Conflict, ValidationFailed
from contest.core.inputs import check_text

REASON_MAX = 1000


@dataclass(frozen=True)
class Lifecycle:
    """A model's allowed status changes, declared beside the model."""

    transitions: Mapping[str, Collection[str]]
    audit: str
    scope: Callable[[Any], str] = lambda obj: ""
    overrides: Mapping[str, Collection[str]] = field(default_factory=dict)
    verbs: Mapping[str, str] = field(default_factory=dict)
    history: str | None = None
    history_subject: str = ""
    field: str = "status"
    #: how a refusal names the object ("项目", "评审轮次" …)
    noun: str = "对象"

    def allowed(self, current: str, *, override: bool = False) -> frozenset[str]:
        table = self.overrides if override else self.transitions
        return frozenset(table.get(current, ()))

    def can(self, current: str, to: str, *, override: bool = False) -> bool:
        return str(to) in self.allowed(current, override=override)

    def pairs(self, *, override: bool = False) -> list[tuple[str, str]]:
        """Every allowed (from, to) pair, for tests and docs."""
        table = self.overrides if override else self.transitions
        return sorted((str(a), str(b)) for a, targets in table.items() for b in targets)

    def action_for(self, to: str) -> str:
        return f"{self.audit}.{self.verbs.get(str(to), str(to))}"


def lifecycle_of(model_or_obj) -> Lifecycle:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    lifecycle = getattr(model, "lifecycle", None)
    if not isinstance(lifecycle, Lifecycle):
        raise TypeError(f"{model.__name__} declares no lifecycle")
    return lifecycle


def lifecycle_models() -> list[type[models.Model]]:
    """Every installed model that declares a lifecycle (for the transition-table tests)."""
    return [m for m in apps.get_models() if isinstance(getattr(m, "lifecycle", None), Lifecycle)]


def _label(model: type[models.Model], lifecycle: Lifecycle, value: str) -> str:
    try:
        return str(dict(model._meta.get_field(lifecycle.field).choices)[value])
    except KeyError:
        return str(value)


def refusal(obj_or_model, current: str, to: str) -> Conflict:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    lifecycle = lifecycle_of(model)
    message = gettext("%(noun)s当前为“%(current)s”，不能变为“%(to)s”。") % {
        "noun": gettext(str(lifecycle.noun)),
        "current": _label(model, lifecycle, current),
        "to": _label(model, lifecycle, to),
    }
    return Conflict(message, code="invalid_transition")


def _clean_reason(reason: str, *, override: bool) -> str:
    reason = (reason or "").strip()
    if override and not reason:
        raise ValidationFailed(gettext("撤销或改变已作出的结论须写明理由。"), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(gettext("理由不能超过 %(limit)d 字。") % {"limit": REASON_MAX}, field="reason")
    return check_text(reason, field="reason")


def _split(values: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    plain, expressions = {}, {}
    for key, value in (values or {}).items():
        (expressions if isinstance(value, Combinable) else plain)[key] = value
    return plain, expressions


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _history_row(lifecycle: Lifecycle, obj, *, before: str, to: str, by, reason: str, override: bool, at):
    return apps.get_model(lifecycle.history)(
        **{lifecycle.history_subject: obj}, from_status=before, to_status=to,
        actor=by if getattr(by, "pk", None) is not None else None, reason=reason, is_override=override, at=at,
    )  # fmt: skip


def _history(lifecycle: Lifecycle, obj, *, before: str, to: str, by, reason: str, override: bool, at) -> None:
    if lifecycle.history:
        _history_row(
            lifecycle, obj, before=before, to=to, by=by, reason=reason, override=override, at=at
        ).save()


def transition(
    obj: models.Model,
    to: str,
    *,
    by,
    reason: str = "",
    override: bool = False,
    values: Mapping[str, Any] | None = None,
    action: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> audit.AuditRecord:
    """Move ``obj`` to status ``to``: lock, check, write, history, audit — or refuse, writing nothing.

    ``values`` are other fields the same change writes (``finished_at``, ``version=F(…)+1``);
    ``obj`` is updated in place. ``override`` uses the overrides table and demands a reason.
    Refusals: :class:`~contest.core.errors.Conflict` (not allowed from the current status),
    :class:`~contest.core.errors.ValidationFailed` (an override without a reason)."""
    model = type(obj)
    lifecycle = lifecycle_of(model)
    to = str(to)
    reason = _clean_reason(reason, override=override)
    plain, expressions = _split(values)
    with transaction.atomic():
        before = (
            model.objects.select_for_update().filter(pk=obj.pk).values_list(lifecycle.field, flat=True).get()
        )
        if not lifecycle.can(before, to, override=override):
            raise refusal(model, before, to)
        setattr(obj, lifecycle.field, to)
        for key, value in plain.items():
            setattr(obj, key, value)
        obj.save(update_fields=[lifecycle.field, *plain, *_auto_now_fields(model)])
        if expressions:
            model.objects.filter(pk=obj.pk).update(**expressions)
            obj.refresh_from_db(fields=list(expressions))
        at = timezone.now()
        _history(lifecycle, obj, before=before, to=to, by=by, reason=reason, override=override, at=at)
        payload = {"before": before, "after": to, **_reason_data(reason, override), **dict(data or {})}
        return audit.record(
            action=action or lifecycle.action_for(to),
            obj=obj,
            by=by,
            scope=lifecycle.scope(obj),
            data=payload,
        )


def _reason_data(reason: str, override: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if reason:
        out["reason"] = reason
    if override:
        out["override"] = True
    return out


def transition_many(
    objs: Iterable[models.Model],
    to: str,
    *,
    by,
    reason: str = "",
    values: Mapping[str, Any] | None = None,
    data: Callable[[models.Model], Mapping[str, Any]] | None = None,
) -> list[models.Model]:
    """Move several objects of one model to ``to`` together: all or none (the first refusal
    names its object and nothing is written). One UPDATE, one INSERT of history rows, one audit
    record per object."""
    objs = list(objs)
    if not objs:
        return []
    model = type(objs[0])
    lifecycle = lifecycle_of(model)
    to = str(to)
    reason = _clean_reason(reason, override=False)
    plain, expressions = _split(values)
    ids = sorted({o.pk for o in objs})
    with transaction.atomic():
        current = dict(
            model.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", lifecycle.field)
        )
        for obj in objs:
            if obj.pk not in current:
                raise Conflict(f"{lifecycle.noun} {obj.pk} 已不存在。")
            if not lifecycle.can(current[obj.pk], to):
                raise refusal(model, current[obj.pk], to)
        model.objects.filter(pk__in=ids).update(**{lifecycle.field: to}, **plain, **expressions)
        at = timezone.now()
        entries, history = [], []
        for obj in objs:
            setattr(obj, lifecycle.field, to)
            for key, value in plain.items():
                setattr(obj, key, value)
            before = current[obj.pk]
            if lifecycle.history:
                history.append(_history_row(lifecycle, obj, before=before, to=to, by=by, reason=reason,
                                            override=False, at=at))  # fmt: skip
            payload = {
                "before": before,
                "after": to,
                **_reason_data(reason, False),
                **dict(data(obj) if data else {}),
            }
            entries.append(audit.Entry(action=lifecycle.action_for(to), obj=obj, scope=lifecycle.scope(obj),
                                       data=payload))  # fmt: skip
        if expressions:
            fresh = {o.pk: o for o in model.objects.filter(pk__in=ids).only("pk", *expressions)}
            for obj in objs:
                for key in expressions:
                    setattr(obj, key, getattr(fresh[obj.pk], key))
        if history:
            apps.get_model(lifecycle.history).objects.bulk_create(history, batch_size=500)
        audit.record_many(entries, by=by)
    return objs


def may_become(to: str, *, override: bool = False):
    """A ``rules`` predicate: the object's lifecycle allows moving it to ``to`` now. Permissions
    that depend on state combine it (``owns_entry & may_become("withdrawn")``), so views ask one
    question instead of reading transition tables."""
    to = str(to)

    @rules.predicate(name=f"may_become_{to}{'_override' if override else ''}")
    def predicate(user, obj) -> bool:
        if obj is None:
            return False
        lifecycle = lifecycle_of(obj)
        return lifecycle.can(getattr(obj, lifecycle.field), to, override=override)

    return predicate
