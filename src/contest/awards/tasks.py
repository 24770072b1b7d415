import logging

from django.utils import timezone
from django_tasks import task

from contest.awards.enums import BatchStatus
from contest.awards.models import CertificateBatch
from contest.awards.services import run_certificate_batch

logger = logging.getLogger(__name__)


@task()
def generate_certificates_task(batch_id: int) -> str:
    """Generate a batch's certificates in the background; progress lives on the CertificateBatch row.

    Whatever goes wrong, the batch ends as failed with a message, so the progress page never polls
    a batch that will not finish."""
    try:
        return run_certificate_batch(batch_id).status
    except Exception as exc:
        CertificateBatch.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
            status=BatchStatus.FAILED,
            message=f"生成失败：{exc.__class__.__name__}",
            finished_at=timezone.now(),
        )
        logger.exception("certificate batch %s failed", batch_id)
        return BatchStatus.FAILED
