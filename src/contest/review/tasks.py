import logging

from django.utils import timezone
from django_tasks import task

from contest.review.enums import RunStatus
from contest.review.models import AssignmentRun
from contest.review.services import run_assignment

logger = logging.getLogger(__name__)


@task()
def run_assignment_task(run_id: int) -> str:
    """Solve the round's assignment in the background; progress lives on the AssignmentRun row.

    Whatever goes wrong, the run ends as failed with a message, so the organizer's page never
    polls a run that will not finish."""
    try:
        return run_assignment(run_id).status
    except Exception as exc:
        AssignmentRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            progress=100,
            message=f"分配失败：{exc.__class__.__name__}",
            finished_at=timezone.now(),
        )
        logger.exception("assignment run %s failed", run_id)
        return RunStatus.FAILED
