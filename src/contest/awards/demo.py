"""Demo awards (stage “finals”): 宁波's finished roadshow final gets its awards from the session's
ranking with the plan 1×一等奖, 2×二等奖, 3×三等奖, the rest 优胜奖 (ties shared), confirmed, and
every certificate generated synchronously. Runs after the finals demo (INSTALLED_APPS order).

Idempotent: an event × group that already has awards is left as it is; certificates are generated
only for confirmed awards that have none.
"""

from __future__ import annotations

import os

from contest.accounts.models import User
from contest.awards import services
from contest.awards.enums import AwardStatus, TiePolicy
from contest.awards.models import Award, Certificate
from contest.awards.plans import PlanLine
from contest.catalog.models import EditionGroup, Event
from contest.core.views import site_url
from contest.finals.enums import SessionStatus
from contest.finals.models import RoadshowSession

PLAN = [PlanLine("一等奖", 1), PlanLine("二等奖", 2), PlanLine("三等奖", 3), PlanLine("优胜奖", None)]
ORGANIZER = "ningbo-organizer"


def demo_site_url() -> str:
    """Where the demo certificates' QR codes point: ``SITE_URL`` when set, else the address
    ``make run`` serves (its ``HOST``/``PORT``, the defaults of ``scripts/serve.py``); a wildcard
    host (0.0.0.0, ::) is printed as ``localhost``. The demo runs without a request to ask."""
    configured = site_url()
    if configured:
        return configured
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 -- compared with, not bound to
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = os.environ.get("PORT", "").strip() or "8000"
    return f"http://{host}:{port}"


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if stage != "finals":
        return []
    event = Event.objects.filter(edition__number=9, tier="regional", seq=30).first()
    session = (
        RoadshowSession.objects.filter(event=event, status=SessionStatus.FINISHED)
        .order_by("-finished_at", "-id")
        .first()
        if event is not None
        else None
    )
    if session is None:
        stdout.write("奖项演示数据：宁波没有已结束的路演场次，跳过。")
        return []
    actor = User.objects.filter(username=ORGANIZER).first() or User.objects.filter(is_superuser=True).first()
    groups = (
        [session.group]
        if session.group_id
        else list(
            EditionGroup.objects.filter(entries__roadshow_slots__session=session).distinct().order_by("order")
        )
    )
    for group in groups:
        awards = Award.objects.filter(event=event, group=group).exclude(status=AwardStatus.REVOKED)
        if not awards.exists():
            made = services.stage_awards_from_plan(by=actor, event=event, group=group, plan=PLAN, session=session,
                                                   ties=TiePolicy.SHARE)  # fmt: skip
            services.confirm_awards(by=actor, event=event, group=group)
            stdout.write(f"奖项演示数据：{event.name} {group.name} 评定并确认 {len(made)} 个奖项。")
        confirmed = awards.filter(status=AwardStatus.CONFIRMED)
        missing = confirmed.exclude(
            certificates__in=Certificate.objects.filter(revoked_at__isnull=True)
        ).count()
        if missing:
            batch = services.request_certificates(by=actor, event=event, group=group, site_url=demo_site_url(),
                                                  run_now=True)  # fmt: skip
            stdout.write(
                f"奖项演示数据：生成证书 {batch.done - batch.skipped} 份（{batch.get_status_display()}）。"
            )
    return []
