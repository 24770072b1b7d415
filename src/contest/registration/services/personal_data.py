"""An entrant's personal data: a copy to download, and erasure of what the competition need not keep.

**Kept** (docs/privacy.md): entries that were ever submitted with their receipts (Submission rows),
review results, and the audit chain; the enterprise's name and credit code (a business, not a
person). **Erased**: the account's e-mail, mobile and name (the account is deactivated and renamed
``erased-<id>``), API tokens (revoked), the enterprise's contact person and phone, the team leader's
phone (the name is kept masked, ``林**``, when a submitted entry names the team), team members'
phones — and their names, roles and affiliations too when no entry of the team was ever submitted —
and the team description of entries never submitted.

A request is carried out at once when nothing of the user's was ever submitted and the user holds
no staff role; otherwise it waits (``ErasureRequest`` pending) for the secretariat or an organizer
of one of the user's events to confirm it — or refuse it, with a reason. Every step is audited.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contest.accounts.enums import RoleKind
from contest.accounts.models import ApiToken, User
from contest.accounts.rules import organizer_organization_ids, secretariat_edition_ids
from contest.core import audit
from contest.core.access import is_signed_in, management_scope, require
from contest.core.errors import Conflict, PermissionDenied, ValidationFailed
from contest.core.lifecycle import transition
from contest.core.privacy import mask_name, notice_version
from contest.core.privacy_models import ErasureRequest, ErasureStatus, PrivacyConsent
from contest.registration.models import Entry, MakerTeam

__all__ = [
    "confirm_erasure", "erasure_requests_for", "personal_data_export", "reject_erasure", "request_erasure",
]  # fmt: skip


def _ever_submitted(user) -> QuerySet[Entry]:
    return Entry.objects.filter(owner=user).filter(
        Q(submitted_at__isnull=False) | Q(submissions__isnull=False)
    )


def _needs_confirmation(user) -> bool:
    staff = user.roles.exclude(kind=RoleKind.ENTRANT).exists()
    return staff or _ever_submitted(user).exists()


# -- who decides a pending request ---------------------------------------------------------------------


def erasure_requests_for(user) -> QuerySet[ErasureRequest]:
    """Requests ``user`` may decide: all for the secretariat; an organizer's, those of users with an
    entry in one of the organizer's events; none for anyone else."""
    if not is_signed_in(user):
        return ErasureRequest.objects.none()
    queryset = ErasureRequest.objects.select_related("user", "decided_by").order_by("requested_at", "pk")
    if secretariat_edition_ids(user):
        return queryset
    if not organizer_organization_ids(user):
        return queryset.none()
    scope = management_scope(user)
    if scope is None:
        return queryset.none()
    owners = Entry.objects.filter(scope).values("owner_id")
    return queryset.filter(user_id__in=owners)


@rules.predicate
def decides_erasure(user, request) -> bool:
    return request is not None and erasure_requests_for(user).filter(pk=request.pk).exists()


rules.add_perm("registration.decide_erasure", decides_erasure)


# -- the copy ----------------------------------------------------------------------------------------------


def _files(entry: Entry) -> list[dict[str, Any]]:
    files = []
    if entry.business_plan:
        files.append({"kind": "business_plan", "name": entry.business_plan_name, "size": entry.business_plan_size,
                      "pages": entry.business_plan_pages, "sha256": entry.business_plan_sha256})  # fmt: skip
    files += [{"kind": "image", "name": i.name, "sha256": i.sha256} for i in entry.images.all()]
    return files


ACCOUNT_FIELDS = (
    "username",
    "email",
    "phone",
    "display_name",
    "date_joined",
    "last_login",
    "email_verified_at",
)
ENTRY_FIELDS = ("number", "title", "status", "industry", "summary", "innovation", "market", "business_model",
                "team_description", "finances", "funding_sought", "ip_list", "pitch_video_url", "created_at",
                "submitted_at", "content_sha256")  # fmt: skip


def _account(user: User) -> dict[str, Any]:
    return {field: getattr(user, field) for field in ACCOUNT_FIELDS}


def _entry(entry: Entry) -> dict[str, Any]:
    receipts = sorted(entry.submissions.all(), key=lambda s: (s.submitted_at, s.pk))
    return {
        **{field: getattr(entry, field) for field in ENTRY_FIELDS},
        "event": entry.event.name,
        "group": str(entry.group),
        "files": _files(entry),
        "receipts": [
            {"number": s.number, "submitted_at": s.submitted_at, "sha256": s.sha256} for s in receipts
        ],
    }


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user`` as an entrant, as JSON-ready data (files are
    listed by name, size and hash; their contents stay downloadable from the entry pages).
    The download is audited."""
    if not is_signed_in(user):
        raise PermissionDenied("请先登录。")
    enterprise = getattr(user, "enterprise", None) if hasattr(user, "enterprise") else None
    team = MakerTeam.objects.filter(owner=user).prefetch_related("members").first()
    entries = (
        Entry.objects.filter(owner=user)
        .select_related("event", "group")
        .prefetch_related("images", "submissions")
        .order_by("created_at", "pk")
    )
    data = {
        "generated_at": timezone.now(),
        "privacy_notice_version": notice_version(),
        "account": _account(user),
        "consents": [
            {
                "version": c.version,
                "accepted_at": c.accepted_at,
                "ip_address": c.ip_address,
                "context": c.context,
            }
            for c in PrivacyConsent.objects.filter(user=user).order_by("accepted_at", "pk")
        ],
        "enterprise": None,
        "team": None,
        "entries": [_entry(e) for e in entries],
        "erasure_requests": [
            {
                "status": r.status,
                "requested_at": r.requested_at,
                "decided_at": r.decided_at,
                "reason": r.reason,
            }
            for r in user.erasure_requests.order_by("requested_at", "pk")
        ],
    }
    if enterprise is not None:
        data["enterprise"] = {
            "name": enterprise.name, "credit_code": enterprise.credit_code, "division_code": enterprise.division_code,
            "founded_on": enterprise.founded_on, "registered_capital": enterprise.registered_capital,
            "employees": enterprise.employees, "revenue_last_year": enterprise.revenue_last_year,
            "is_listed": enterprise.is_listed, "industry": enterprise.industry, "sme_status": enterprise.sme_status,
            "contact_name": enterprise.contact_name, "contact_phone": enterprise.contact_phone,
            "country": enterprise.country, "name_translated": enterprise.name_translated,
            "registration_number": enterprise.registration_number, "address": enterprise.address,
        }  # fmt: skip
    if team is not None:
        data["team"] = {
            "name": team.name, "leader_name": team.leader_name, "leader_phone": team.leader_phone,
            "is_overseas": team.is_overseas, "country": team.country,
            "members": [{"name": m.name, "role": m.role, "phone": m.phone, "affiliation": m.affiliation,
                         "nationality": m.nationality, "id_type": m.id_type, "id_number": m.id_number}
                        for m in team.members.all()],
        }  # fmt: skip
    with transaction.atomic():
        audit.record(action="privacy.data.exported", obj=user, by=user,
                     data={"entries": len(data["entries"])})  # fmt: skip
    return data


# -- erasure -------------------------------------------------------------------------------------------------


def request_erasure(*, by: User) -> ErasureRequest:
    """The signed-in user asks for their personal data to be erased: done now when nothing of theirs
    was ever submitted (and they hold no staff role), else left pending for confirmation."""
    if not is_signed_in(by):
        raise PermissionDenied("请先登录。")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=by.pk)
        if user.erasure_requests.filter(status=ErasureStatus.PENDING).exists():
            raise Conflict("您已提交删除申请，正在等待组织方或秘书处确认。")
        request = ErasureRequest.objects.create(user=user, requested_at=timezone.now())
        queued = _needs_confirmation(user)
        audit.record(action="privacy.erasure.requested", obj=request, by=user, data={"queued": queued})
        if not queued:
            _carry_out(request, by=user)
    request.refresh_from_db()
    return request


def confirm_erasure(*, by: User, request: ErasureRequest) -> ErasureRequest:
    require(by, "registration.decide_erasure", request)
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ErasureStatus.PENDING:
            raise Conflict("该申请已处理。")
        _carry_out(request, by=by)
    return request


def reject_erasure(*, by: User, request: ErasureRequest, reason: str) -> ErasureRequest:
    """Refuse a pending request, saying why (the user sees the reason on their privacy page)."""
    require(by, "registration.decide_erasure", request)
    if not (reason or "").strip():
        raise ValidationFailed("请填写不予删除的理由。", field="reason")
    transition(request, ErasureStatus.REJECTED, by=by, reason=reason, override=False,
               values={"decided_by": by, "decided_at": timezone.now(), "reason": (reason or "").strip()[:500]})  # fmt: skip
    return request


def _carry_out(request: ErasureRequest, *, by: User) -> None:
    """Erase or anonymise the personal fields of ``request.user`` (inside the caller's transaction),
    then mark the request done with a summary of the fields touched (names, never values). The
    deactivated account's open sessions end with it: the sign-in backend refuses inactive users."""
    user = User.objects.select_for_update().get(pk=request.user_id)
    summary: dict[str, Any] = {}
    kept_entries = set(_ever_submitted(user).values_list("pk", flat=True))
    user.username = f"erased-{user.pk}"
    user.email = None
    user.phone = None
    user.display_name = ""
    user.first_name = user.last_name = ""
    user.email_verified_at = None
    user.is_active = False
    user.set_unusable_password()
    user.save()
    summary["account"] = ["username", "email", "phone", "display_name", "password", "is_active"]
    summary["api_tokens_revoked"] = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    enterprise = getattr(user, "enterprise", None) if hasattr(user, "enterprise") else None
    if enterprise is not None:
        enterprise.contact_name = ""
        enterprise.contact_phone = ""
        enterprise.save(update_fields=["contact_name", "contact_phone", "updated_at"])
        summary["enterprise"] = ["contact_name", "contact_phone"]
    team = MakerTeam.objects.filter(owner=user).first()
    if team is not None:
        team_kept = Entry.objects.filter(team=team, pk__in=kept_entries).exists()
        team.leader_name = mask_name(team.leader_name) if team_kept else ""
        team.leader_phone = ""
        team.save(update_fields=["leader_name", "leader_phone", "updated_at"])
        summary["team"] = ["leader_name", "leader_phone"]
        if team_kept:
            summary["team_member_phones_erased"] = team.members.update(phone="")
        else:
            summary["team_members_deleted"] = team.members.all().delete()[0]
    cleared = Entry.objects.filter(owner=user).exclude(pk__in=kept_entries).exclude(team_description="")
    summary["entries_cleared"] = sorted(cleared.values_list("pk", flat=True))
    cleared.update(team_description="")
    summary["entries_kept"] = sorted(kept_entries)
    transition(request, ErasureStatus.DONE, by=by,
               values={"decided_by": by, "decided_at": timezone.now(), "summary": summary}, data=summary)  # fmt: skip
