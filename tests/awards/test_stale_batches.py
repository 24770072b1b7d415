"""A certificate batch whose worker died does not stay “running” forever: once its heartbeat is older
than STALE_JOB_AFTER it is failed (with a reason, through the lifecycle) — when a new batch is
requested, when its progress page is polled, and by run_worker's periodic check — and a new batch
can start, which skips the certificates already made."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from contest.awards import services
from contest.awards.enums import BatchStatus
from contest.awards.models import Certificate, CertificateBatch
from contest.core.errors import Conflict
from contest.core.lifecycle import transition
from contest.core.models import AuditRecord
from contest.core.workers import KeepAlive, beat, run_periodic_checks

from .builders import confirmed_awards, enterprise_group

pytestmark = pytest.mark.integration
SITE = "https://cnmaker.example.cn"
T = datetime(2024, 10, 26, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REASON = "后台任务中断：自 2024-10-26 15:00 起没有进展，已标记为失败；可重新生成（已生成的证书会保留）。"


def dead_batch(event, organizer):
    """A batch a worker started at T and then died on: running, no heartbeat since."""
    batch = services.request_certificates(
        by=organizer, event=event, group=enterprise_group(event), site_url=SITE
    )
    transition(batch, BatchStatus.RUNNING, by=None, values={"heartbeat_at": T})
    return batch


def test_stuck_batch_blocks_within_the_threshold_then_fails_and_a_new_batch_runs(
    ningbo, django_capture_on_commit_callbacks
):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])
    group = enterprise_group(ningbo)
    with time_machine.travel(T, tick=False):
        stuck = dead_batch(ningbo, organizer)
        services.issue_certificate(by=organizer, award=awards[0], site_url=SITE, batch=stuck)

    with time_machine.travel(T + timedelta(minutes=4), tick=False), pytest.raises(Conflict) as caught:
        services.request_certificates(by=organizer, event=ningbo, group=group, site_url=SITE)
    assert caught.value.message == "证书正在生成中，请等待当前批次完成。"

    with (
        time_machine.travel(T + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fresh = services.request_certificates(by=organizer, event=ningbo, group=group, site_url=SITE)

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.message, stuck.finished_at) == (
        BatchStatus.FAILED, REASON, T + timedelta(minutes=6))  # fmt: skip
    failed = AuditRecord.objects.get(action="awards.batch.failed", object_id=str(stuck.pk))
    assert (failed.actor_id, failed.data["before"], failed.data["reason"]) == (None, "running", REASON)
    assert (fresh.status, fresh.total, fresh.done, fresh.skipped) == (BatchStatus.DONE, 2, 2, 1)
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 2


def test_a_batch_whose_worker_still_beats_is_left_alone(ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    with time_machine.travel(T, tick=False):
        batch = dead_batch(ningbo, organizer)
    with time_machine.travel(T + timedelta(minutes=20), tick=False):
        KeepAlive(CertificateBatch, batch.pk).touch()  # what the running worker's thread writes
    with time_machine.travel(T + timedelta(minutes=24), tick=False):
        assert services.expire_stale_batches() == 0
    with time_machine.travel(T + timedelta(minutes=26), tick=False):
        assert services.expire_stale_batches() == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED


def test_polling_the_progress_page_fails_a_dead_batch(client, ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    with time_machine.travel(T, tick=False):
        batch = dead_batch(ningbo, organizer)
    client.force_login(organizer)
    url = reverse("awards_console:batch_status", args=[ningbo.pk, "enterprise", batch.pk])

    with time_machine.travel(T + timedelta(minutes=1), tick=False):
        alive = client.get(url).json()
    with time_machine.travel(T + timedelta(minutes=6), tick=False):
        dead = client.get(url).json()

    assert (alive["status"], alive["finished"]) == ("running", False)
    assert (dead["status"], dead["finished"], dead["message"]) == ("failed", True, REASON)


def test_run_worker_periodic_check_fails_dead_batches(ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    with time_machine.travel(T, tick=False):
        batch = dead_batch(ningbo, organizer)
    with time_machine.travel(T + timedelta(minutes=6), tick=False):
        results = run_periodic_checks()
    assert results == {
        "contest.awards.services.expire_stale_batches": 1,
        "contest.review.services.expire_stale_runs": 0,
        "contest.accounts.security.clear_old_sign_in_sessions": 0,
        "contest.packages.services.expire_stale_imports": 0,
    }
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED


def test_queued_batch_fails_only_when_no_worker_is_alive(ningbo, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    group = enterprise_group(ningbo)
    with time_machine.travel(T, tick=False):
        queued = services.request_certificates(by=organizer, event=ningbo, group=group, site_url=SITE)
    with time_machine.travel(T + timedelta(minutes=6), tick=False):
        beat("worker-1")
        assert services.expire_stale_batches() == 0  # a live worker will take it
    with time_machine.travel(T + timedelta(minutes=7), tick=False):
        assert services.expire_stale_batches() == 1  # the worker is gone (no heartbeat for 45 s)
    queued.refresh_from_db()
    assert queued.status == BatchStatus.FAILED
