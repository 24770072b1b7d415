"""Writes for 公示: create a list from a source, publish it with a notice period, file and answer
objections, publish a new version, finalize.

Every service: validate → permission (``publicity.manage_notice``) → lock → write → audit, in one
transaction. Filing an objection is the public's service: no sign-in, ``by`` may be anonymous.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from contest.accounts.validators import normalize_mobile
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.importing import RowError
from contest.core.lifecycle import transition
from contest.core.sms import send_sms
from contest.publicity import sources
from contest.publicity import validators as v
from contest.publicity.enums import NoticeKind, NoticeStatus, ObjectionStatus
from contest.publicity.models import Notice, NoticeVersion, Objection, PhoneVerification, notice_scope

DEFAULT_PERIOD = timedelta(days=5)
MAX_PERIOD = timedelta(days=30)
#: objections one phone may file against one list within 24 hours
OBJECTIONS_PER_PHONE_PER_DAY = 3
#: SMS verification of the objector's phone: a 6-digit code valid CODE_TTL, CODE_ATTEMPTS tries;
#: one code per phone per CODE_RESEND_AFTER, at most CODES_PER_PHONE_PER_HOUR per phone and
#: CODES_PER_IP_PER_HOUR per address; a verified phone may file within VERIFIED_FOR
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODE_RESEND_AFTER = timedelta(seconds=60)
CODES_PER_PHONE_PER_HOUR = 5
CODES_PER_IP_PER_HOUR = 20
VERIFIED_FOR = timedelta(minutes=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12


def shanghai(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def items_sha256(items: list[dict[str, str]]) -> str:
    """SHA-256 over the canonical JSON of the rows (keys sorted, no spaces, UTF-8)."""
    return hashlib.sha256(audit.canonical_json({"items": items}).encode("utf-8")).hexdigest()


def clean_items(columns: list[str], items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows as stored: exactly ``columns``, strings, title and entrant required, numbers unique."""
    errors: list[str] = []
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for line, raw in enumerate(items, start=1):
        row = {c: str(raw.get(c) if raw.get(c) is not None else "").strip() for c in columns}
        for key in ("title", "entrant"):
            if key in row and not row[key]:
                errors.append(str(RowError(line, sources.COLUMN_LABELS[key], "必填。")))
        for key, value in row.items():
            if len(value) > sources.MAX_CELL:
                errors.append(
                    str(RowError(line, sources.COLUMN_LABELS[key], f"不能超过 {sources.MAX_CELL} 个字。"))
                )
        number = row.get("number", "")
        if number and number in seen:
            errors.append(str(RowError(line, sources.COLUMN_LABELS["number"], f"{number} 重复。")))
        seen.add(number)
        out.append(row)
    if errors:
        raise ValidationFailed(errors[0], errors=errors, field="items")
    return out


def _check_period(ends_at: datetime | None, now: datetime) -> datetime:
    if ends_at is None:
        return now + DEFAULT_PERIOD
    if timezone.is_naive(ends_at):
        raise ValidationFailed("公示结束时间须带时区。", field="ends_at")
    if ends_at <= now:
        raise ValidationFailed("公示结束时间须晚于现在。", field="ends_at")
    if ends_at - now > MAX_PERIOD:
        raise ValidationFailed("公示期不能超过 30 天。", field="ends_at")
    return ends_at


# -- lists -------------------------------------------------------------------------------------------


def create_notice(
    *, by, edition, event=None, kind: str, title: str, params: dict[str, Any] | None = None
) -> Notice:
    """A draft list with rows from the kind's source; the organizer previews it before publishing.

    ``params``: ``round`` (advancement, 500强), ``group`` (awards, optional), ``rows`` (custom,
    from ``sources.parse_custom``)."""
    params = dict(params or {})
    probe = Notice(edition=edition, event=event)
    require(by, "publicity.manage_notice", probe)
    errors: dict[str, str] = {}
    title = str(title or "").strip()
    if not title:
        errors["title"] = "请填写标题。"
    elif len(title) > 200:
        errors["title"] = "标题不能超过 200 个字。"
    if kind not in NoticeKind.values:
        errors["kind"] = "请选择名单类型。"
    if errors:
        raise FieldErrors(errors)
    round_ = params.get("round")
    if round_ is not None and (
        round_.edition_id != edition.pk or round_.event_id != getattr(event, "pk", None)
    ):
        raise ValidationFailed("评审轮次不属于该名单的赛事。", field="round")
    if kind == NoticeKind.SHORTLIST and event is not None:
        raise ValidationFailed("500强名单是全国名单，由秘书处发布。", field="kind")
    columns = sources.columns_for(kind)
    items = clean_items(columns, sources.build_rows(kind, event=event, **params))
    source = {"kind": kind}
    if round_ is not None:
        source["round"] = round_.pk
    if params.get("group"):
        source["group"] = str(params["group"])
    if params.get("filename"):
        source.update({"file": params["filename"], "file_sha256": params.get("file_sha256", "")})
    with transaction.atomic():
        notice = Notice.objects.create(edition=edition, event=event, kind=kind, title=title, columns=columns,
                                       draft_items=items, source=source, created_by=by)  # fmt: skip
        audit.record(action="publicity.notice.created", obj=notice, by=by, scope=notice_scope(notice),
                     data={"title": title, "kind": kind, "source": source, "rows": len(items),
                           "sha256": items_sha256(items)})  # fmt: skip
    return notice


def publish_notice(*, by, notice: Notice, ends_at: datetime | None = None) -> NoticeVersion:
    """Publish a draft as version 1; the notice period runs from now to ``ends_at`` (default 5 days)."""
    require(by, "publicity.manage_notice", notice)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        now = timezone.now()
        if not by.has_perm("publicity.publish_notice", notice):
            raise Conflict("名单已发布。")
        if not notice.draft_items:
            raise ValidationFailed("名单为空，不能发布。", field="items")
        ends_at = _check_period(ends_at, now)
        version = _write_version(notice, items=notice.draft_items, starts=now, ends=ends_at, by=by, reason="")
        transition(notice, NoticeStatus.PUBLISHED, by=by, values={"draft_items": [], "current_version": version},
                   data={"version": 1, "sha256": version.sha256, "rows": len(version.items),
                         "period": [now, ends_at]})  # fmt: skip
    return version


def _write_version(notice: Notice, *, items, starts, ends, by, reason: str) -> NoticeVersion:
    number = (notice.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return NoticeVersion.objects.create(
        notice=notice, number=number, columns=notice.columns, items=items, sha256=items_sha256(items),
        period_starts_at=starts, period_ends_at=ends, published_by=by, published_at=starts, reason=reason,
    )  # fmt: skip


def publish_version(
    *, by, notice: Notice, items: list[dict[str, Any]], reason: str, objections: list[Objection],
    ends_at: datetime | None = None,
) -> NoticeVersion:  # fmt: skip
    """A changed list after upheld objections: a new version whose notice period starts again now
    (default 5 days). Earlier versions stay as they were, viewable with their hashes."""
    require(by, "publicity.manage_notice", notice)
    reason = v.clean_text(reason, label="变更原因", limit=v.RESPONSE_MAX, field="reason")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        now = timezone.now()
        if not by.has_perm("publicity.revise_notice", notice):
            raise Conflict("只有公示中的名单可以发布新版本。")
        cleaned = clean_items(notice.columns, items)
        if not cleaned:
            raise ValidationFailed("名单为空，不能发布。", field="items")
        if items_sha256(cleaned) == notice.current_version.sha256:
            raise ValidationFailed("名单没有变化，无需发布新版本。", field="items")
        ids = sorted({o.pk for o in objections})
        found = list(Objection.objects.filter(pk__in=ids, notice=notice, status=ObjectionStatus.UPHELD))
        if not ids or len(found) != len(ids):
            raise ValidationFailed("请选择促成本次变更的、已认定成立的异议。", field="objections")
        ends_at = _check_period(ends_at, now)
        version = _write_version(notice, items=cleaned, starts=now, ends=ends_at, by=by, reason=reason)
        version.objections.set(found)
        previous = notice.current_version
        # published → published: the period starts again; recorded as the new version's publication
        transition(notice, NoticeStatus.PUBLISHED, by=by, values={"current_version": version},
                   action="publicity.version.published",
                   data={"notice": notice.pk, "number": version.number, "sha256": version.sha256,
                         "previous_sha256": previous.sha256, "reason": reason,
                         "objections": [o.tracking_code for o in found], "period": [now, ends_at]})  # fmt: skip
    return version


def _unresolved(notice: Notice) -> tuple[int, int]:
    pending = notice.objections.filter(status=ObjectionStatus.FILED).count()
    upheld = notice.objections.filter(status=ObjectionStatus.UPHELD, resolved_in__isnull=True).count()
    return pending, upheld


def _finalize(notice: Notice, *, by) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    now = timezone.now()
    if notice.status == NoticeStatus.FINAL:
        raise Conflict("名单已确认，无需再次确认。")
    if notice.status != NoticeStatus.PUBLISHED:
        raise Conflict("名单尚未发布。")
    ends = notice.current_version.period_ends_at
    if now < ends:
        raise Closed(f"公示期至 {shanghai(ends)}（北京时间）结束，结束后才能确认。")
    pending, upheld = _unresolved(notice)
    if pending:
        raise Conflict(f"还有 {pending} 件异议未答复，全部答复后才能确认公示结束。")
    if upheld:
        raise Conflict(f"有 {upheld} 件成立的异议尚未体现在新版本中，请先发布新版本。")
    transition(notice, NoticeStatus.FINAL, by=by,
               values={"finalized_at": now, "finalized_by": by if getattr(by, "pk", None) else None},
               data={"version": notice.current_version.number, "sha256": notice.current_version.sha256})  # fmt: skip
    return notice


def finalize_notice(*, by, notice: Notice) -> Notice:
    """确认公示结束: only after the period has ended and every objection is answered."""
    require(by, "publicity.manage_notice", notice)
    with transaction.atomic():
        return _finalize(notice, by=by)


def finalize_due_notices(*, by=None) -> list[int]:
    """The cron job: finalize every published list whose period has ended and whose objections are
    all answered (and resolved). Idempotent: a final list is never touched again. ``by`` is None
    for the system."""
    due = Notice.objects.filter(
        status=NoticeStatus.PUBLISHED, current_version__period_ends_at__lte=timezone.now()
    )
    done = []
    for notice_id in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            notice = Notice.objects.get(pk=notice_id)
            if any(_unresolved(notice)):
                continue
            try:
                _finalize(notice, by=by)
            except (Conflict, Closed):  # changed meanwhile (a new version, finalized by hand)
                continue
        done.append(notice_id)
    return done


# -- objections ----------------------------------------------------------------------------------------


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Objection.objects.filter(tracking_code=code).exists():
            return code


def mask_phone(phone: str) -> str:
    """+8613812345678 → 138****5678 (receipts and the audit never show the whole number)."""
    local = phone.removeprefix("+86")
    return local[:3] + "****" + local[-4:] if len(local) >= 8 else "****"


def clean_objection(
    data: dict[str, Any], version: NoticeVersion, evidence: tuple[str, bytes] | None = None
) -> tuple[dict[str, str], v.Evidence | None]:
    """An objection's fields and its evidence file as stored; every field is checked and all
    problems are raised together (``FieldErrors``), so the filer fixes them in one go."""
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    file = None
    for key, label, limit in (("name", "真实姓名", v.NAME_MAX), ("reason", "异议理由", v.REASON_MAX)):
        try:
            out[key] = v.clean_text(data.get(key), label=label, limit=limit, field=key)
        except ValidationFailed as exc:
            errors[key] = exc.message
    try:
        out["phone"] = normalize_mobile(str(data.get("phone") or ""))
    except ValidationFailed as exc:
        errors["phone"] = exc.message
    email = str(data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "电子邮箱格式不正确。"
    out["email"] = email[:254]
    row = str(data.get("row_number") or "").strip()
    if row and row not in {item.get("number") for item in version.items}:
        errors["row_number"] = "名单中没有这个报名编号。"
    out["row_number"] = row
    if evidence is not None:
        try:
            file = v.sniff_evidence(*evidence)
        except ValidationFailed as exc:
            errors["evidence"] = exc.message
    if errors:
        raise FieldErrors(errors)
    return out, file


# -- the objector's phone: SMS verification ----------------------------------------------------------


def evidence_cap() -> int:
    """Bytes of evidence one list may hold: setting ``PUBLICITY_EVIDENCE_MAX_PER_NOTICE``, default
    ``validators.EVIDENCE_MAX_PER_NOTICE`` (200 MB)."""
    return int(getattr(settings, "PUBLICITY_EVIDENCE_MAX_PER_NOTICE", v.EVIDENCE_MAX_PER_NOTICE))


def _code_hash(phone: str, code: str) -> str:
    """The stored form of a code: keyed (SECRET_KEY) so a read of the table reveals no code."""
    return salted_hmac("contest.publicity.phone-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _require_open(notice: Notice) -> NoticeVersion:
    """The list's current version while objections are accepted; else NotFound (a draft) or Closed."""
    if notice.status == NoticeStatus.DRAFT:
        raise NotFound("未找到。")
    version = notice.current_version
    now = timezone.now()
    if notice.status == NoticeStatus.FINAL or now >= version.period_ends_at:
        raise Closed(f"公示期已于 {shanghai(version.period_ends_at)}（北京时间）结束，不再受理异议。")
    if now < version.period_starts_at:
        raise Closed("公示期尚未开始。")
    return version


def issue_phone_code(*, phone: str, ip: str | None = None) -> tuple[PhoneVerification, str]:
    """A new verification of ``phone`` and its code (stored only as a keyed hash). Sends nothing
    and limits nothing: :func:`send_phone_code` is the public's way in."""
    phone = normalize_mobile(phone)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    verification = PhoneVerification.objects.create(
        phone=phone, code_hash=_code_hash(phone, code), ip=ip, created_at=now, expires_at=now + CODE_TTL
    )
    return verification, code


def send_phone_code(*, notice: Notice, phone: str, ip: str | None) -> PhoneVerification:
    """Text a verification code to the phone of someone about to object to ``notice`` (open only).
    Rate-limited per phone (one a minute, CODES_PER_PHONE_PER_HOUR an hour) and per address."""
    _require_open(notice)
    phone = normalize_mobile(phone)
    now = timezone.now()
    hour = now - timedelta(hours=1)
    last = PhoneVerification.objects.filter(phone=phone).order_by("-created_at").first()
    if last is not None and now - last.created_at < CODE_RESEND_AFTER:
        wait = int((CODE_RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
        raise Conflict(gettext("验证码已发送，请 %(s)d 秒后再重新获取。") % {"s": wait}, field="phone",
                       code="rate_limited")  # fmt: skip
    if PhoneVerification.objects.filter(phone=phone, created_at__gt=hour).count() >= CODES_PER_PHONE_PER_HOUR:
        raise Conflict(
            gettext("该手机号获取验证码过于频繁，请一小时后再试。"), field="phone", code="rate_limited"
        )
    if ip and PhoneVerification.objects.filter(ip=ip, created_at__gt=hour).count() >= CODES_PER_IP_PER_HOUR:
        raise Conflict(
            gettext("本网络获取验证码过于频繁，请一小时后再试。"), field="phone", code="rate_limited"
        )
    verification, code = issue_phone_code(phone=phone, ip=ip)
    minutes = int(CODE_TTL.total_seconds() // 60)
    # sent at once (the row is saved): the person waits for it, and a refusing gateway is told to them
    if not send_sms(
        phone,
        f"【创客中国】您提交公示异议的验证码为 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本短信。",
    ):
        raise Conflict(gettext("短信发送失败，请稍后重试。"), field="phone", code="sms_failed")
    return verification


def confirm_phone_code(*, verification_id: int | None, phone: str, code: str) -> PhoneVerification:
    """Check the code typed for ``phone`` against the verification the session started. Every wrong
    code counts (committed even though the check refuses); after CODE_ATTEMPTS the code is dead."""
    phone = normalize_mobile(phone)
    code = "".join(ch for ch in str(code or "") if ch.isdigit())[:6]
    with transaction.atomic():
        verification = (PhoneVerification.objects.select_for_update().filter(pk=verification_id).first()
                        if verification_id else None)  # fmt: skip
        if verification is None or verification.phone != phone or verification.used_at is not None:
            raise ValidationFailed(gettext("请先获取发送到该手机号的短信验证码。"), field="code")
        if verification.verified_at is not None:
            return verification
        if verification.attempts >= CODE_ATTEMPTS:
            raise ValidationFailed(gettext("验证码错误次数过多，已失效，请重新获取。"), field="code")
        if timezone.now() >= verification.expires_at:
            raise ValidationFailed(gettext("验证码已过期，请重新获取。"), field="code")
        if len(code) != 6:
            raise ValidationFailed(gettext("请填写短信中的 6 位验证码。"), field="code")
        verification.attempts += 1
        right = constant_time_compare(_code_hash(phone, code), verification.code_hash)
        if right:
            verification.verified_at = timezone.now()
        verification.save(update_fields=["attempts", "verified_at"])
    if right:
        return verification
    left = CODE_ATTEMPTS - verification.attempts
    if left <= 0:
        raise ValidationFailed(gettext("验证码错误次数过多，已失效，请重新获取。"), field="code")
    raise ValidationFailed(gettext("验证码不正确，还可以再试 %(n)d 次。") % {"n": left}, field="code")


def file_objection(
    *, by, notice: Notice, data: dict[str, Any], evidence: tuple[str, bytes] | None = None,
    verification: PhoneVerification | None = None,
) -> Objection:  # fmt: skip
    """Anyone files an objection against the list's current version while its period runs
    (start ≤ now < end; at the end second it is refused). ``by`` is the signed-in user or None.
    ``verification`` proves the phone (:func:`confirm_phone_code`); it is used up by this
    objection. Evidence counts against the list's storage cap (EVIDENCE_MAX_PER_NOTICE)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        version = _require_open(notice)
        now = timezone.now()
        cleaned, file = clean_objection(data, version, evidence)
        proof = (PhoneVerification.objects.select_for_update().filter(pk=verification.pk).first()
                 if verification is not None else None)  # fmt: skip
        if (proof is None or proof.phone != cleaned["phone"] or proof.verified_at is None
                or proof.used_at is not None or now - proof.verified_at > VERIFIED_FOR):  # fmt: skip
            raise ValidationFailed(gettext("请先用短信验证码验证手机号，再提交异议。"), field="code")
        if file is not None:
            used = Objection.objects.filter(notice=notice).aggregate(total=Sum("evidence_size"))["total"] or 0
            cap = evidence_cap()
            if used + len(file.data) > cap:
                raise ValidationFailed(gettext(
                    "本名单收到的证据材料已达存储上限（%(mb)d MB），不能再附文件。请不附文件提交，"
                    "在异议理由中说明证据，组织方会与您联系。") % {"mb": cap // (1024 * 1024)},
                    field="evidence")  # fmt: skip
        recent = Objection.objects.filter(notice=notice, phone=cleaned["phone"],
                                          filed_at__gt=now - timedelta(days=1)).count()  # fmt: skip
        if recent >= OBJECTIONS_PER_PHONE_PER_DAY:
            raise Conflict(
                f"同一手机号 24 小时内对同一名单最多提交 {OBJECTIONS_PER_PHONE_PER_DAY} 件异议，请稍后再试；"
                "已提交的异议可凭查询码查看进度。",
                code="rate_limited",
            )
        objection = Objection(notice=notice, version=version, tracking_code=_new_code(), filed_at=now,
                              phone_verified_at=proof.verified_at, **cleaned)  # fmt: skip
        proof.used_at = now
        proof.save(update_fields=["used_at"])
        if file is not None:
            objection.evidence_name = file.name
            objection.evidence_extension = file.extension
            objection.evidence_content_type = file.content_type
            objection.evidence_size = len(file.data)
            objection.evidence_sha256 = file.sha256
            objection.evidence.save(file.name, ContentFile(file.data), save=False)
        objection.save()
        audit.record(action="publicity.objection.filed", obj=objection, by=by, scope=notice_scope(notice),
                     data={"notice": notice.pk, "version": version.number, "row": cleaned["row_number"],
                           "name": cleaned["name"], "phone": mask_phone(cleaned["phone"]),
                           "reason_sha256": hashlib.sha256(cleaned["reason"].encode()).hexdigest(),
                           "evidence_sha256": objection.evidence_sha256})  # fmt: skip
    return objection


def _require_answerable(by, objection: Objection) -> None:
    """``publicity.answer_objection`` (manages the list & the objection may still be answered):
    someone who does not run the list is told it does not exist (404); an answered objection is a
    conflict that names its answer."""
    if by is not None and by.has_perm("publicity.answer_objection", objection):
        return
    require(by, "publicity.manage_notice", objection.notice)
    raise Conflict(
        gettext("该异议已答复（%(status)s），不能再次答复。") % {"status": objection.get_status_display()}
    )


def answer_objection(*, by, objection: Objection, status: str, response: str) -> Objection:
    """The organizer's written answer: upheld (the list must change in a new version) or dismissed."""
    _require_answerable(by, objection)
    if status not in (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED):
        raise FieldErrors({"status": "请选择“异议成立”或“异议不成立”。"})
    response = v.clean_text(response, label="答复", limit=v.RESPONSE_MAX, field="response")
    with transaction.atomic():
        notice = objection.notice
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        objection.notice = notice
        _require_answerable(by, objection)  # answered meanwhile
        transition(objection, status, by=by,
                   values={"response": response, "answered_by": by, "answered_at": timezone.now()},
                   data={"notice": objection.notice_id, "response": response})  # fmt: skip
    return objection
