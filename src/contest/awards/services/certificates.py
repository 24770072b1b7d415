"""Issuing certificates one by one or in a background batch, and voiding them."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from contest.awards import codes
from contest.awards.enums import AwardStatus, BatchStatus
from contest.awards.models import Award, Certificate, CertificateBatch
from contest.awards.models.certificates import certificate_path
from contest.awards.pdf import TEMPLATE_VERSION, CertificateText, Renderer, render_many
from contest.awards.selectors import hosts_of
from contest.awards.services.awards import MANAGE, scope_of
from contest.awards.validators import clean_reason
from contest.catalog.models import EditionGroup, Event
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, ValidationFailed
from contest.core.lifecycle import transition
from contest.core.workers import PRIORITY_INTERACTIVE, KeepAlive, stale_before, stale_jobs

logger = logging.getLogger(__name__)


def verify_url(site_url: str, code: str) -> str:
    """The absolute URL of a code's public verification page (what the QR code holds)."""
    return site_url.rstrip("/") + reverse("awards:verify", args=[code])


def _check_site_url(site_url: str) -> str:
    cleaned = (site_url or "").strip().rstrip("/")
    if not cleaned.startswith(("http://", "https://")) or len(cleaned) > 150:
        raise ValidationFailed("站点地址须以 http:// 或 https:// 开头。", field="site_url")
    return cleaned


def certificate_text(
    award: Award, *, code: str, url: str, issuers: list[str] | None = None
) -> CertificateText:
    event = award.event
    today = timezone.localdate()
    return CertificateText(
        entrant=award.entry.entrant_name, title=award.entry.title, event=event.name, group=award.group.name,
        level=award.level.name, edition=event.edition.title, date=f"{today.year}年{today.month}月{today.day}日",
        issuers=tuple(issuers if issuers is not None else hosts_of(event)), code=codes.display(code),
        verify_url=url, citation=award.citation,
    )  # fmt: skip


def _awards(queryset):
    return queryset.select_related("event__edition", "group", "level", "entry__enterprise", "entry__team")


def issue_certificate(*, by, award: Award, site_url: str, renderer: Renderer | None = None,
                      batch: CertificateBatch | None = None, issuers: list[str] | None = None,
                      prepared: tuple[str, CertificateText, bytes] | None = None) -> Certificate | None:  # fmt: skip
    """The certificate of a confirmed award: render, store under its hash, record. Returns None
    when the award already has a valid certificate (re-running is harmless). A batch passes
    ``prepared`` (code, text, PDF) when the PDF was rendered in a worker process."""
    require(by, MANAGE, award.event)
    site_url = _check_site_url(site_url)
    award = _awards(Award.objects.filter(pk=award.pk)).get()
    if award.status != AwardStatus.CONFIRMED:
        raise Conflict("只有已确认的奖项可以生成证书。")
    if Certificate.objects.filter(award=award, revoked_at__isnull=True).exists():
        return None
    if prepared is not None and not Certificate.objects.filter(code=prepared[0]).exists():
        code, text, pdf = prepared
        url = text.verify_url
    else:
        code = _unused_code()
        url = verify_url(site_url, code)
        text = certificate_text(award, code=code, url=url, issuers=issuers)
        pdf = (renderer or Renderer([text])).render(text)
    digest = hashlib.sha256(pdf).hexdigest()
    certificate = Certificate(award=award, code=code, sha256=digest, size=len(pdf), verify_url=url,
                              template_version=TEMPLATE_VERSION, batch=batch, issued_by=by,
                              data={"entrant": text.entrant, "title": text.title, "event": text.event,
                                    "group": text.group, "level": text.level, "edition": text.edition,
                                    "date": text.date, "issuers": list(text.issuers)})  # fmt: skip
    name = certificate_path(certificate, "")
    stored = name if default_storage.exists(name) else default_storage.save(name, ContentFile(pdf))
    certificate.file.name = stored
    try:
        with transaction.atomic():
            locked = Award.objects.select_for_update().get(pk=award.pk)
            if locked.status != AwardStatus.CONFIRMED:
                raise Conflict("奖项已被撤销，未生成证书。")
            if Certificate.objects.filter(award=locked, revoked_at__isnull=True).exists():
                return None
            certificate.issued_at = timezone.now()
            certificate.save()
            audit.record(action="awards.certificate.issued", obj=certificate, by=by, scope=scope_of(award.event),
                         data={"award": award.pk, "code": code, "sha256": digest, "template": TEMPLATE_VERSION})  # fmt: skip
            if batch is not None:  # progress in the same commit (one commit per certificate)
                CertificateBatch.objects.filter(pk=batch.pk).update(
                    done=F("done") + 1, heartbeat_at=timezone.now()
                )
    except IntegrityError:  # another process issued it first
        return None
    return certificate


def _unused_code() -> str:
    code = codes.new_code()
    while Certificate.objects.filter(code=code).exists():  # 60 random bits: practically never
        code = codes.new_code()
    return code


def revoke_certificate(*, by, certificate: Certificate, reason: str) -> Certificate:
    """Void one certificate (a misprint, say); the award stays and may get a new certificate."""
    require(by, MANAGE, certificate.award.event)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise Conflict("该证书已作废。")
        locked.revoked_at, locked.revoke_reason = timezone.now(), reason
        locked.save(update_fields=["revoked_at", "revoke_reason"])
        audit.record(action="awards.certificate.revoked", obj=locked, by=by, scope=scope_of(certificate.award.event),
                     data={"code": locked.code, "reason": reason})  # fmt: skip
    return locked


# -- batches ------------------------------------------------------------------------------------------------------


def _move_batch(batch_id: int, to: str, **values) -> CertificateBatch:
    """Move a batch to ``to`` (the system acts: the audit record has no user); a finished batch
    records when it finished."""
    if to in (BatchStatus.DONE, BatchStatus.FAILED):
        values["finished_at"] = timezone.now()
    batch = CertificateBatch.objects.get(pk=batch_id)
    transition(batch, to, by=None, values=values)
    return batch


def expire_stale_batches(*, event: Event | int | None = None, group: EditionGroup | int | None = None) -> int:
    """Fail the running batches whose worker died: no heartbeat (or start) for
    ``STALE_JOB_AFTER`` — and the queued ones older than that while no worker is alive. The system acts (no user); the reason names the last sign of life. The
    certificates made so far stay, and a new batch skips them (a batch is safely re-runnable).
    Called when a batch is requested or looked at, and periodically by ``run_worker``. Returns how
    many batches it failed."""
    limit = stale_before()
    stale = CertificateBatch.objects.filter(
        stale_jobs(limit, running=BatchStatus.RUNNING, queued=BatchStatus.QUEUED)
    )
    if event is not None:
        stale = stale.filter(event=event)
    if group is not None:
        stale = stale.filter(group=group)
    failed = 0
    for batch in stale.order_by("pk"):
        last = timezone.localtime(batch.heartbeat_at or batch.created_at)
        reason = f"后台任务中断：自 {last:%Y-%m-%d %H:%M} 起没有进展，已标记为失败；可重新生成（已生成的证书会保留）。"
        try:
            transition(batch, BatchStatus.FAILED, by=None, reason=reason,
                       values={"message": reason[:500], "finished_at": timezone.now()})  # fmt: skip
        except Conflict:  # it finished meanwhile
            continue
        failed += 1
    return failed


def request_certificates(*, by, event: Event, group: EditionGroup, site_url: str,
                         run_now: bool = False) -> CertificateBatch:  # fmt: skip
    """Queue a background batch generating the certificates of every confirmed award of the
    event × group that has none yet. One batch at a time per event × group. ``run_now`` runs it
    in this process instead (the demo, the benchmark, management use)."""
    require(by, MANAGE, event)
    site_url = _check_site_url(site_url)
    expire_stale_batches(event=event, group=group)
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        total = Award.objects.filter(event=event, group=group, status=AwardStatus.CONFIRMED).count()
        if not total:
            raise Conflict("本组还没有已确认的奖项。")
        busy = CertificateBatch.objects.filter(
            event=event, group=group, status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING]
        )
        if busy.exists():
            raise Conflict("证书正在生成中，请等待当前批次完成。")
        batch = CertificateBatch.objects.create(event=event, group=group, total=total, site_url=site_url,
                                                requested_by=by)  # fmt: skip
        audit.record(action="awards.certificates.requested", obj=batch, by=by, scope=scope_of(event),
                     data={"group": group.code, "total": total})  # fmt: skip
        if not run_now:
            transaction.on_commit(lambda: generate_certificates_task.enqueue(batch.pk))
    return run_certificate_batch(batch.pk) if run_now else batch


def render_workers(pending: int) -> int:
    """Processes rendering a batch: ``CERTIFICATE_WORKERS`` (default 1: rendering in the batch's
    own process) once a batch has ``CERTIFICATE_PARALLEL_MIN`` (default 50) certificates to make.
    More workers pay off only on idle cores (docs/awards.md has both figures)."""
    workers = getattr(settings, "CERTIFICATE_WORKERS", 1) or 1
    least = getattr(settings, "CERTIFICATE_PARALLEL_MIN", 50)
    return workers if pending >= least else 1


def run_certificate_batch(batch_id: int) -> CertificateBatch:
    """Generate the batch's missing certificates; progress goes to the batch row after each one.
    Existing valid certificates are skipped (and counted as done). On an error the batch ends as
    failed with a message; the certificates made so far stay."""
    batch = _move_batch(batch_id, BatchStatus.RUNNING, heartbeat_at=timezone.now())
    with KeepAlive(CertificateBatch, batch_id):
        return _generate(batch)


def _generate(batch: CertificateBatch) -> CertificateBatch:
    batch_id = batch.pk
    by = batch.requested_by
    try:
        awards = list(_awards(Award.objects.filter(event=batch.event_id, group=batch.group_id,
                                                   status=AwardStatus.CONFIRMED))
                      .order_by("level__rank", "order", "entry__number", "id"))  # fmt: skip
        have = set(
            Certificate.objects.filter(award__in=awards, revoked_at__isnull=True).values_list(
                "award_id", flat=True
            )
        )
        pending = [a for a in awards if a.pk not in have]
        CertificateBatch.objects.filter(pk=batch.pk).update(
            total=len(awards), done=len(have), skipped=len(have)
        )
        if pending:
            issuers = hosts_of(pending[0].event)
            prepared = []
            for award in pending:
                code = _unused_code()
                url = verify_url(batch.site_url, code)
                prepared.append((award, code, certificate_text(award, code=code, url=url, issuers=issuers)))
            texts = [text for _award, _code, text in prepared]
            workers = render_workers(len(pending))
            for (award, code, text), pdf in zip(prepared, render_many(texts, workers=workers), strict=True):
                made = issue_certificate(by=by, award=award, site_url=batch.site_url, batch=batch, issuers=issuers,
                                         prepared=(code, text, pdf))  # fmt: skip
                if made is None:
                    CertificateBatch.objects.filter(pk=batch.pk).update(
                        done=F("done") + 1, skipped=F("skipped") + 1
                    )
    except Exception as exc:
        logger.exception("certificate batch %s failed", batch_id)
        done = CertificateBatch.objects.values_list("done", flat=True).get(pk=batch_id)
        return _move_batch(batch_id, BatchStatus.FAILED,
                           message=f"生成失败（已完成 {done} 份）：{exc.__class__.__name__}: {exc}"[:500])  # fmt: skip
    batch.refresh_from_db()
    return _move_batch(batch_id, BatchStatus.DONE, message=f"已生成 {batch.done - batch.skipped} 份，"
                                                           f"跳过已有的 {batch.skipped} 份。")  # fmt: skip


@task(priority=PRIORITY_INTERACTIVE)  # an organizer waits for it: ahead of bulk work
def generate_certificates_task(batch_id: int) -> str:
    """Generate a batch's certificates in the background; progress lives on the CertificateBatch row.

    Whatever goes wrong, the batch ends as failed with a message, so the progress page never polls
    a batch that will not finish — unless it finished already. Declared beside the service it runs
    (``request_certificates`` enqueues it): in ``tasks.py`` it would make tasks → services → tasks
    a cycle."""
    try:
        return run_certificate_batch(batch_id).status
    except Exception as exc:
        logger.exception("certificate batch %s failed", batch_id)
        try:
            return _move_batch(
                batch_id, BatchStatus.FAILED, message=f"生成失败：{exc.__class__.__name__}"
            ).status
        except Conflict:  # done (or failed) already: the batch keeps its result
            return CertificateBatch.objects.values_list("status", flat=True).get(pk=batch_id)
