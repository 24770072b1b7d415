"""Writes of the portal app: credentials (create, revoke) and pushes of entries.

Every service: validate → lock → write → audit. Entries themselves are written by
``registration.services.intake`` (the one writer of entries that arrive in bulk), recommendations by
``review.services.recommendations``; this module keeps the credentials and the idempotency store.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from contest.catalog.models import Event
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from contest.core.inputs import text_problem
from contest.portal.credentials import credential, hash_secret, new_client_id, new_secret
from contest.portal.models import PortalClient, PortalPush
from contest.registration.services.intake import (
    IntakeFile,
    IntakeItem,
    IntakeRefused,
    ItemOutcome,
    ItemProblem,
    check_items,
    write_items,
)
from contest.review.services import LocalResult, recommend_entries

#: an event keeps at most this many active credentials (one per site, a spare while rotating)
MAX_ACTIVE_CLIENTS = 5
ACTIONS = ("created", "updated", "unchanged", "invalid")
NAME_MAX = 100


def _scope(event_id: int) -> str:
    return f"event:{event_id}"


def clean_client_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise FieldErrors({"name": "请填写用途（如“广东省报名平台”），便于日后辨认。"})
    if len(name) > NAME_MAX:
        raise FieldErrors({"name": f"用途不能超过 {NAME_MAX} 个字符（当前 {len(name)} 个）。"})
    problem = text_problem(name)
    if problem:
        raise FieldErrors({"name": problem})
    return name


def create_portal_client(
    *, by, event: Event, name: str, origin: dict | None = None
) -> tuple[PortalClient, str]:
    """A new credential for ``event``; returns it with the credential string, which is shown once
    and never stored (only the SHA-256 of its secret is)."""
    require(by, "portal.manage_clients", event)
    name = clean_client_name(name)
    client_id, secret = new_client_id(), new_secret()
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)  # serialises one event's credentials
        active = PortalClient.objects.filter(event=event, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_CLIENTS:
            raise Conflict(
                f"每场赛事最多保留 {MAX_ACTIVE_CLIENTS} 个有效凭据（当前 {active} 个），请先撤销不再使用的凭据。",
                code="too_many_clients",
            )
        client = PortalClient.objects.create(
            event=event, name=name, client_id=client_id, secret_sha256=hash_secret(secret), created_by=by
        )
        audit.record(
            action="portal.client.created",
            obj=client,
            by=by,
            scope=_scope(event.pk),
            data={"event": event.pk, "name": name, "client_id": client_id, **(origin or {})},
        )
    return client, credential(client_id, secret)


def revoke_portal_client(*, by, client: PortalClient, origin: dict | None = None) -> PortalClient:
    """Revoke a credential: from now on every call with it answers 401. Revoking twice changes nothing."""
    require(by, "portal.revoke_client", client)
    with transaction.atomic():
        client = PortalClient.objects.select_for_update().select_related("event").get(pk=client.pk)
        if client.revoked_at is not None:
            return client
        client.revoked_at = timezone.now()
        client.revoked_by = by
        client.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            action="portal.client.revoked",
            obj=client,
            by=by,
            scope=_scope(client.event_id),
            data={
                "event": client.event_id,
                "name": client.name,
                "client_id": client.client_id,
                **(origin or {}),
            },
        )
    return client


# -- pushes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushFile:
    """A file part of a push: its name as sent, its size (known before reading) and its bytes on demand."""

    part: str
    name: str
    size: int
    sha256: str
    read: Callable[[], bytes]


@dataclass(frozen=True)
class PushAnswer:
    """What to answer: the status and body stored under the key, and whether this was a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool


def body_sha256(document: Any, files: dict[str, PushFile]) -> str:
    """The identity of a push: its JSON document (canonical: sorted keys, no spaces) and each
    file part's name, size and SHA-256. The multipart boundary and the order of parts do not count."""
    canonical = {
        "document": document,
        "files": {p: {"name": f.name, "size": f.size, "sha256": f.sha256} for p, f in sorted(files.items())},
    }
    return hashlib.sha256(audit.canonical_json(audit.jsonable(canonical)).encode("utf-8")).hexdigest()


def _stored(push: PortalPush, body_sha256: str) -> PushAnswer:
    if push.body_sha256 != body_sha256:
        raise Conflict(
            f"幂等键“{push.key}”已用于另一份不同的推送（{timezone.localtime(push.created_at):%Y-%m-%d %H:%M}）；"
            "新的推送请使用新的幂等键。",
            field="Idempotency-Key",
            code="idempotency_key_reused",
        )
    return PushAnswer(status=push.http_status, body=push.response, replayed=True)


def _as_field(value: Any) -> Any:
    """A value as the intake's cleaners read it: text as typed, numbers as their digits."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return [
            {k: _as_field(v) for k, v in right.items()} if isinstance(right, dict) else right
            for right in value
        ]
    return value


def _intake_file(push_file: PushFile) -> IntakeFile:
    return IntakeFile(name=push_file.name, size=push_file.size, read=push_file.read)


def _intake_items(
    items: Sequence[dict[str, Any]], files: dict[str, PushFile]
) -> tuple[list[IntakeItem], dict[int, list[ItemProblem]]]:
    """The items as the intake takes them, and the problems found on the way (a file part the
    request does not carry, a key used twice), by item index."""
    built: list[IntakeItem] = []
    problems: dict[int, list[ItemProblem]] = {}
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item.get("key") or f"items[{index}]"
        found = problems.setdefault(index, [])
        if key in seen:
            found.append(ItemProblem(key, "key", f"与 items[{seen[key]}] 的 key 重复。"))
        seen.setdefault(key, index)

        def part(name: str, column: str, *, key=key, found=found) -> IntakeFile | None:
            if name not in files:
                found.append(ItemProblem(key, column, f"请求中没有名为“{name}”的文件部分。"))
                return None
            return _intake_file(files[name])

        plan = part(item["business_plan"], "business_plan") if item.get("business_plan") else None
        images = [part(name, f"images[{i}]") for i, name in enumerate(item.get("images") or [])]
        built.append(
            IntakeItem(
                key=key,
                group=item.get("group") or "",
                fields={name: _as_field(value) for name, value in (item.get("fields") or {}).items()},
                members=[{k: _as_field(v) for k, v in m.items()} for m in item.get("members") or []],
                business_plan=plan,
                images=[image for image in images if image is not None],
            )
        )
    return built, {index: found for index, found in problems.items() if found}


def _report(
    *, key: str, items: Sequence[dict[str, Any]], outcomes: list[ItemOutcome], extra: dict[int, list[ItemProblem]],
    recommended: set[str], accepted: bool,
) -> dict[str, Any]:  # fmt: skip
    rows = []
    for index, (item, outcome) in enumerate(zip(items, outcomes, strict=True)):
        problems = [*extra.get(index, []), *outcome.problems]
        action = "invalid" if problems else outcome.action
        rows.append({
            "key": outcome.key,
            "group": item.get("group") or "",
            "action": action,
            "number": outcome.entry.number if accepted and outcome.entry is not None else None,
            "content_sha256": "" if problems else outcome.content_sha256,
            "recommended": accepted and outcome.key in recommended,
            "problems": [{"column": p.column, "message": p.message} for p in problems],
        })  # fmt: skip
    counts = Counter(row["action"] for row in rows)
    return {
        "accepted": accepted,
        "idempotency_key": key,
        "counts": {action: counts.get(action, 0) for action in ACTIONS},
        "recommended": sum(1 for row in rows if row["recommended"]),
        "items": rows,
    }


def push_entries(
    *,
    client: PortalClient,
    key: str,
    body_sha256: str,
    items: Sequence[dict[str, Any]],
    files: dict[str, PushFile],
) -> PushAnswer:
    """Write a push of ``items`` into the client's event, once per idempotency ``key``.

    * The key already used with the same body: its stored answer, nothing written.
      With a different body: ``Conflict`` (409).
    * Every item checked by ``registration.services.intake``; any problem: nothing is written, the
      answer (422) lists every item with its problems, and is stored under the key.
    * Otherwise every item written (all or nothing), the items that carry a ``recommendation``
      recommended into the national review (``review.services.recommend_entries``; a quota
      exceeded refuses the whole push, 409, nothing stored), and the answer (200) stored.

    The writes are made in the name of the credential's creator (``client.created_by``), who must
    still manage the event."""
    earlier = PortalPush.objects.filter(client=client, key=key).first()
    if earlier is not None:
        return _stored(earlier, body_sha256)
    event = client.event
    by = client.created_by
    if not by.is_active or not by.has_perm("portal.manage_clients", event):
        raise PermissionDenied(
            "创建该凭据的账号已不再管理本赛事，推送不能写入；请由现任组织方新建凭据。",
            code="client_creator_gone",
        )
    intake_items, extra = _intake_items(items, files)
    with transaction.atomic():
        locked = PortalClient.objects.select_for_update().get(pk=client.pk)  # one push per client at a time
        earlier = PortalPush.objects.filter(client=locked, key=key).first()
        if earlier is not None:
            return _stored(earlier, body_sha256)
        if locked.revoked_at is not None:
            raise NotFound("接口凭据已撤销。", code="client_revoked")
        recommended: set[str] = set()
        if extra:
            outcomes, accepted = check_items(event=event, items=intake_items), False
        else:
            try:
                with transaction.atomic():
                    outcomes = write_items(by=by, event=event, items=intake_items, source="portal")
                accepted = True
            except IntakeRefused as refused:
                outcomes, accepted = refused.outcomes, False
        if accepted:
            recommended = _recommend(by=by, event=event, items=items, outcomes=outcomes)
        body = _report(key=key, items=items, outcomes=outcomes, extra=extra, recommended=recommended,
                       accepted=accepted)  # fmt: skip
        status = 200 if accepted else 422
        push = PortalPush.objects.create(
            client=locked, key=key, body_sha256=body_sha256, http_status=status, accepted=accepted,
            counts=body["counts"], response=body,
        )  # fmt: skip
        audit.record(
            action="portal.push.accepted" if accepted else "portal.push.refused",
            obj=push,
            by=by,
            scope=_scope(event.pk),
            data={"client_id": locked.client_id, "key": key, "body_sha256": body_sha256, "counts": body["counts"],
                  "recommended": body["recommended"]},
        )  # fmt: skip
    return PushAnswer(status=status, body=body, replayed=False)


def _recommend(*, by, event: Event, items: Sequence[dict[str, Any]], outcomes: list[ItemOutcome]) -> set[str]:
    results = []
    keys = set()
    for item, outcome in zip(items, outcomes, strict=True):
        wanted = item.get("recommendation")
        if wanted is None or outcome.entry is None:
            continue
        result = LocalResult(
            rank=wanted.get("rank"), score=wanted.get("score"), award=wanted.get("award") or ""
        )
        results.append((outcome.entry, result))
        keys.add(outcome.key)
    if results:
        recommend_entries(by=by, event=event, results=results, source="portal")
    return keys
