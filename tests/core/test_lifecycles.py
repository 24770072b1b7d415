"""Every lifecycle × every (from, to) pair through the one writer, ``core.lifecycle.transition``.

For each model that declares a lifecycle, one instance is built through the services; then, for
every pair of statuses, the row is put in ``from`` (a test may write rows directly) and moved to
``to`` inside a savepoint that is rolled back afterwards. An allowed pair must write the status and
exactly one audit record with the lifecycle's code; any other pair must be refused with a
``Conflict`` and write nothing. Overrides are walked the same way with ``override=True``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contest.accounts.models import Invitation
from contest.awards.models import CertificateBatch
from contest.core.errors import Conflict, ValidationFailed
from contest.core.lifecycle import lifecycle_models, lifecycle_of, transition
from contest.core.models import AuditRecord
from contest.core.privacy_models import ErasureRequest
from contest.packages.models import PackageImport
from contest.publicity.models import Objection
from contest.review.models import AssignmentRun, Recommendation, ScoreSheet

from ..awards.builders import confirmed_awards, enterprise_group
from ..finals.factories import session_with
from ..publicity.builders import advancement_round, published_list
from ..registration.factories import organizer_for, submitted_entry, superuser, user

pytestmark = pytest.mark.integration

LIFECYCLES = [
    "registration.entry",
    "review.reviewround",
    "review.scoresheet",
    "review.assignmentrun",
    "finals.roadshowsession",
    "finals.sessionslot",
    "awards.award",
    "awards.certificatebatch",
    "publicity.notice",
    "publicity.objection",
    "accounts.invitation",
    "core.erasurerequest",
    "packages.packageimport",
    "review.recommendation",
]


class Rollback(Exception):
    """Raised to undo one pair's savepoint."""


def build(label: str, event):
    """One saved instance of the model ``label`` and a user allowed to act on it."""
    admin = superuser()
    if label == "registration.entry":
        return submitted_entry(event), admin
    if label in ("review.reviewround", "review.scoresheet", "review.assignmentrun"):
        round_, _best, organizer = advancement_round(event, n=2, advance=1)
        if label == "review.reviewround":
            return round_, organizer
        if label == "review.scoresheet":
            return ScoreSheet.objects.filter(assignment__round=round_).first(), organizer
        return AssignmentRun.objects.create(round=round_, requested_by=organizer), organizer
    if label in ("finals.roadshowsession", "finals.sessionslot"):
        session, _entries, _panel, organizer = session_with(event, entries=1, judges=5)
        return (session if label == "finals.roadshowsession" else session.slots.get()), organizer
    if label in ("awards.award", "awards.certificatebatch"):
        (award,), organizer = confirmed_awards(event, ["一等奖"])
        if label == "awards.award":
            award.revoked_at = timezone.now()  # the revoked state needs a time (a check constraint)
            award.save(update_fields=["revoked_at"])
            return award, organizer
        batch = CertificateBatch.objects.create(event=event, group=enterprise_group(event), requested_by=organizer,
                                                site_url="https://example.cn")  # fmt: skip
        return batch, organizer
    if label in ("publicity.notice", "publicity.objection"):
        round_, _best, organizer = advancement_round(event, n=2, advance=1)
        notice = published_list(event, organizer, round_=round_)
        if label == "publicity.notice":
            return notice, organizer
        objection = Objection.objects.create(
            notice=notice, version=notice.current_version, tracking_code="TESTCODE0001", name="李明",
            phone="+8613905740001", reason="理由", response="答复", filed_at=timezone.now(),
        )  # fmt: skip
        return objection, organizer
    if label == "accounts.invitation":
        invitation = Invitation.objects.create(email="a@example.cn", token_hash="0" * 64, invited_by=admin,
                                               edition=event.edition, kind="secretariat",
                                               expires_at=timezone.now() + timedelta(days=7))  # fmt: skip
        return invitation, admin
    if label == "core.erasurerequest":
        return ErasureRequest.objects.create(user=user(), requested_at=timezone.now()), admin
    if label == "packages.packageimport":
        organizer = organizer_for(event)
        return PackageImport.objects.create(event=event, uploaded_by=organizer, name="a.zip", size=1,
                                            sha256="0" * 64), organizer  # fmt: skip
    if label == "review.recommendation":
        entry = submitted_entry(event)
        return Recommendation.objects.create(edition=event.edition, event=event, entry=entry, group_code="enterprise",
                                             source="platform", recommended_at=timezone.now()), admin  # fmt: skip
    raise AssertionError(label)


def attempt(obj, before: str, to: str, *, by, override: bool) -> str:
    """Put ``obj`` in ``before``, try ``to``; "moved" or "refused" (anything else is a failure),
    always rolled back."""
    model = type(obj)
    lifecycle = lifecycle_of(model)
    outcome = "?"
    try:
        with transaction.atomic():
            model.objects.filter(pk=obj.pk).update(**{lifecycle.field: before})
            obj.refresh_from_db()
            audits = AuditRecord.objects.count()
            try:
                record = transition(obj, to, by=by, reason="核对状态表", override=override)
            except Conflict:
                stored = model.objects.filter(pk=obj.pk).values_list(lifecycle.field, flat=True).get()
                written = AuditRecord.objects.count() - audits
                outcome = (
                    "refused" if (stored, written) == (before, 0) else f"refused but wrote {stored}/{written}"
                )
            else:
                stored = model.objects.filter(pk=obj.pk).values_list(lifecycle.field, flat=True).get()
                written = AuditRecord.objects.count() - audits
                good = (
                    stored,
                    written,
                    record.action,
                    record.object_id,
                    record.data["before"],
                    record.data["after"],
                )
                expected = (to, 1, lifecycle.action_for(to), str(obj.pk), before, to)
                outcome = "moved" if good == expected else f"moved badly {good}"
            raise Rollback
    except Rollback:
        pass
    return outcome


def test_every_status_model_declares_a_lifecycle():
    assert sorted(m._meta.label_lower for m in lifecycle_models()) == sorted(LIFECYCLES)


@pytest.mark.parametrize("label", LIFECYCLES)
@pytest.mark.parametrize("override", [False, True], ids=["table", "overrides"])
def test_lifecycle_allows_exactly_its_table(label, override, ningbo):
    obj, by = build(label, ningbo)
    lifecycle = lifecycle_of(obj)
    statuses = [str(value) for value, _label in type(obj)._meta.get_field(lifecycle.field).choices]
    allowed = set(lifecycle.pairs(override=override))
    expected = {(a, b): ("moved" if (a, b) in allowed else "refused") for a in statuses for b in statuses}

    outcomes = {(a, b): attempt(obj, a, b, by=by, override=override) for a in statuses for b in statuses}

    assert outcomes == expected


def test_override_without_a_reason_is_refused_and_writes_nothing(ningbo):
    entry = submitted_entry(ningbo)
    type(entry).objects.filter(pk=entry.pk).update(status="qualified")
    entry.refresh_from_db()
    audits = AuditRecord.objects.count()

    with pytest.raises(ValidationFailed):
        transition(entry, "submitted", by=superuser(), override=True, reason="  ")

    entry.refresh_from_db()
    assert (entry.status, AuditRecord.objects.count()) == ("qualified", audits)


def test_transition_reads_the_status_the_database_holds(ningbo):
    """A stale object cannot skip the table: the stored status decides."""
    entry = submitted_entry(ningbo)
    type(entry).objects.filter(pk=entry.pk).update(status="withdrawn")  # someone else withdrew it

    with pytest.raises(Conflict) as refused:
        transition(entry, "qualified", by=superuser())  # entry.status still says "submitted"

    assert refused.value.message == "项目当前为“已撤回”，不能变为“资格审查通过”。"


def test_transition_records_history_where_declared(ningbo):
    entry = submitted_entry(ningbo)
    admin = superuser()

    transition(entry, "returned", by=admin, reason="请补充财务数据")

    row = entry.transitions.order_by("-pk").first()
    assert (row.from_status, row.to_status, row.actor_id, row.reason, row.is_override) == (
        "submitted", "returned", admin.pk, "请补充财务数据", False,
    )  # fmt: skip


def test_transition_writes_expressions_and_plain_values_together(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=5, status="drawn")
    version = session.version
    now = timezone.now() + timedelta(seconds=1)

    transition(session, "live", by=organizer, values={"version": F("version") + 1, "timer_started_at": now})

    session.refresh_from_db()
    assert (session.status, session.version, session.timer_started_at) == ("live", version + 1, now)
