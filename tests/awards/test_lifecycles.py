"""Award and certificate-batch status changes go through the one writer and leave their audit trail."""

import pytest

from contest.awards import services
from contest.awards.enums import AwardStatus, BatchStatus
from contest.awards.models import Award, CertificateBatch
from contest.awards.tasks import generate_certificates_task
from contest.core.errors import Conflict
from contest.core.models import AuditRecord

from ..review.factories import qualified_entries
from .builders import confirmed_awards, enterprise_group

pytestmark = pytest.mark.integration
SITE = "https://cnmaker.example.cn"


def trail(obj) -> list[tuple[str, int | None, dict]]:
    """(action, actor, data) of the object's audit records, oldest first."""
    records = AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(records.order_by("seq").values_list("action", "actor_id", "data"))


def test_confirm_awards_audits_each_award_and_the_act(ningbo):
    entries, organizer = qualified_entries(ningbo, 2)
    awards = [services.stage_award(by=organizer, event=ningbo, entry=e, level_name="一等奖") for e in entries]
    seq = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()

    confirmed = services.confirm_awards(by=organizer, event=ningbo, group=enterprise_group(ningbo))

    new = AuditRecord.objects.filter(seq__gt=seq).order_by("seq")
    assert confirmed == 2
    assert list(new.values_list("action", "object_id", "actor_id")) == [
        ("awards.award.confirmed", str(awards[0].pk), organizer.pk),
        ("awards.award.confirmed", str(awards[1].pk), organizer.pk),
        ("awards.awards.confirmed", str(ningbo.pk), organizer.pk),
    ]
    assert new.first().data == {"before": "staged", "after": "confirmed"}
    assert set(Award.objects.values_list("status", "confirmed_by")) == {(AwardStatus.CONFIRMED, organizer.pk)}


def test_revoke_award_records_the_change_with_reason_and_voided_certificates(ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["一等奖"])
    certificate = services.issue_certificate(by=organizer, award=award, site_url=SITE)

    services.revoke_award(by=organizer, award=award, reason="核查发现申报材料不实")

    assert trail(award)[-1] == (
        "awards.award.revoked",
        organizer.pk,
        {"before": "confirmed", "after": "revoked", "reason": "核查发现申报材料不实",
         "certificates": [certificate.code]},
    )  # fmt: skip


def test_revoke_staged_award_is_refused_and_writes_nothing(ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    award = services.stage_award(by=organizer, event=ningbo, entry=entries[0], level_name="一等奖")
    records = AuditRecord.objects.count()

    with pytest.raises(Conflict) as refused:
        services.revoke_award(by=organizer, award=award, reason="材料不实")

    assert refused.value.message == "奖项当前为“拟定”，不能变为“已撤销”。"
    award.refresh_from_db()
    assert (award.status, award.revoked_at, AuditRecord.objects.count()) == (
        AwardStatus.STAGED,
        None,
        records,
    )


def test_batch_status_changes_are_audited_as_the_system(ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])

    batch = services.request_certificates(
        by=organizer, event=ningbo, group=enterprise_group(ningbo), site_url=SITE, run_now=True
    )

    assert trail(batch) == [
        ("awards.certificates.requested", organizer.pk, {"group": "enterprise", "total": 2}),
        ("awards.batch.started", None, {"before": "queued", "after": "running"}),
        ("awards.batch.finished", None, {"before": "running", "after": "done"}),
    ]
    assert (batch.status, batch.finished_at is not None) == (BatchStatus.DONE, True)


def test_certificate_task_fails_a_batch_it_cannot_start(ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    batch = CertificateBatch.objects.create(event=ningbo, group=enterprise_group(ningbo), total=1, site_url=SITE,
                                            requested_by=organizer, status=BatchStatus.RUNNING)  # fmt: skip

    result = generate_certificates_task.call(batch.pk)

    batch.refresh_from_db()
    assert (result, batch.status, batch.message) == (
        BatchStatus.FAILED,
        BatchStatus.FAILED,
        "生成失败：Conflict",
    )
    assert batch.finished_at is not None
    assert trail(batch) == [("awards.batch.failed", None, {"before": "running", "after": "failed"})]


def test_certificate_task_leaves_a_done_batch_done(ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    batch = services.request_certificates(
        by=organizer, event=ningbo, group=enterprise_group(ningbo), site_url=SITE, run_now=True
    )
    records = AuditRecord.objects.count()

    result = generate_certificates_task.call(batch.pk)

    batch.refresh_from_db()
    assert (result, batch.status, batch.message) == (
        BatchStatus.DONE,
        BatchStatus.DONE,
        "已生成 1 份，跳过已有的 0 份。",
    )
    assert AuditRecord.objects.count() == records
