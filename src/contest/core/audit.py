"""Writing and verifying the audit chain. Every service calls ``record`` inside its transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditHead, AuditRecord


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, models.Model):
        return value.pk
    raise TypeError(f"Cannot put {type(value).__name__} into an audit record")


def jsonable(value: Any) -> Any:
    """Round-trip through JSON so what is hashed is exactly what is stored."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    scope: str,
    data: Any,
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "scope": scope,
        "data": data,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def actor_label_for(actor) -> str:
    if actor is None:
        return "system"
    if getattr(actor, "pk", None) is None:
        return str(actor)
    return f"user:{actor.pk}:{actor.get_username()}"


@dataclass(frozen=True)
class Entry:
    """One record to append: what happened (``action``), to what, in which scope."""

    action: str
    obj: models.Model | None = None
    scope: str = ""
    data: dict[str, Any] | None = None
    object_type: str | None = None
    object_id: str | None = None


def record(
    *,
    action: str,
    obj: models.Model | None = None,
    by=None,
    scope: str = "",
    data: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditRecord:
    """Append one record to the chain. Must run inside the caller's transaction."""
    entry = Entry(
        action=action, obj=obj, scope=scope, data=data, object_type=object_type, object_id=object_id
    )
    return record_many([entry], by=by)[0]


def record_many(entries: list[Entry], *, by=None) -> list[AuditRecord]:
    """Append several records, in order, under one lock of the chain's head."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic()")
    if not entries:
        return []
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    actor = by if getattr(by, "pk", None) is not None else None
    label = actor_label_for(by)
    created_at = timezone.now()
    seq, prev_hash = head.seq, head.hash
    rows = []
    for entry in entries:
        object_type, object_id = entry.object_type, entry.object_id
        if entry.obj is not None:
            object_type = object_type or entry.obj._meta.label_lower
            object_id = object_id if object_id is not None else str(entry.obj.pk)
        payload = jsonable(entry.data or {})
        seq += 1
        digest = compute_hash(
            seq=seq, created_at=created_at, actor_label=label, action=entry.action,
            object_type=object_type or "", object_id=object_id or "", scope=entry.scope,
            data=payload, prev_hash=prev_hash,
        )  # fmt: skip
        rows.append(
            AuditRecord(
                seq=seq,
                created_at=created_at,
                actor=actor,
                actor_label=label,
                action=entry.action,
                object_type=object_type or "",
                object_id=object_id or "",
                scope=entry.scope,
                data=payload,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    AuditRecord.objects.bulk_create(rows)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
    return rows


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, as {field: {"before": …, "after": …}}."""
    keys = sorted(set(before) | set(after))
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in keys
        if jsonable(before.get(key)) != jsonable(after.get(key))
    }


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(*, batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return (records checked, first break or None)."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for rec in AuditRecord.objects.order_by("seq").iterator(chunk_size=batch_size):
        if rec.seq != expected_seq:
            return checked, ChainBreak(expected_seq, f"记录 #{expected_seq} 缺失（下一条为 #{rec.seq}）")
        if rec.prev_hash != prev_hash:
            return checked, ChainBreak(rec.seq, f"记录 #{rec.seq} 的前一条哈希与链不符（被删除、插入或重排）")
        digest = compute_hash(
            seq=rec.seq,
            created_at=rec.created_at,
            actor_label=rec.actor_label,
            action=rec.action,
            object_type=rec.object_type,
            object_id=rec.object_id,
            scope=rec.scope,
            data=rec.data,
            prev_hash=rec.prev_hash,
        )
        if digest != rec.hash:
            return checked, ChainBreak(rec.seq, f"记录 #{rec.seq} 的内容被改动（哈希不符）")
        prev_hash = rec.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return checked, ChainBreak(
            checked + 1, f"链尾与链头不符：链头记录为 #{head.seq}，实际只有 {checked} 条（末尾记录被删除）"
        )
    return checked, None
