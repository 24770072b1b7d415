import io

import pytest

from contest.awards import demo
from contest.awards.enums import AwardStatus
from contest.awards.models import Award, Certificate, CertificateBatch
from contest.core.models import AuditRecord

from .builders import finished_session

pytestmark = pytest.mark.integration


def test_demo_awards_the_finished_ningbo_session_once(ningbo):
    _session, entries, _organizer = finished_session(ningbo, [[str(90 - i)] * 5 for i in range(8)])
    out = io.StringIO()

    demo.build(stage="finals", stdout=out)

    levels = list(
        Award.objects.order_by("level__rank", "order").values_list("entry_id", "level__name", "status")
    )
    names = ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", "优胜奖", "优胜奖"]
    assert levels == [(e.pk, n, AwardStatus.CONFIRMED) for e, n in zip(entries, names, strict=True)]
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 8
    assert "评定并确认 8 个奖项" in out.getvalue()
    records, batches = AuditRecord.objects.count(), CertificateBatch.objects.count()

    demo.build(stage="finals", stdout=io.StringIO())

    assert (AuditRecord.objects.count(), CertificateBatch.objects.count(), Certificate.objects.count()) == (
        records, batches, 8,
    )  # fmt: skip


def test_demo_skips_without_a_finished_session(edition9):
    out = io.StringIO()

    assert demo.build(stage="finals", stdout=out) == []
    assert "宁波没有已结束的路演场次" in out.getvalue()
    assert Award.objects.count() == 0
