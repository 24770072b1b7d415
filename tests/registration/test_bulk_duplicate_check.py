"""After an import, the duplicate check of all its entries is one bulk task (not one task per row),
and an organizer's job queued later is still taken first by the worker."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from contest.core.models import AuditRecord
from contest.core.workers import PRIORITY_BULK, PRIORITY_INTERACTIVE
from contest.registration.models import DuplicateFlag, Entry
from contest.registration.services import duplicates
from contest.review import services as review

from ..review.factories import expert
from .factories import credit_code, organizer_for
from .test_import_entries import row, run_import, xlsx

pytestmark = pytest.mark.integration
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def numbered(i: int) -> dict:
    """Row ``i`` of an import: its own enterprise, credit code, phone, title and summary."""
    return row(**{"企业名称": f"宁波测试{i:04d}科技有限公司", "统一社会信用代码": credit_code("330203", body=f"MA2C{i:05d}"),
                  "联系人手机": f"139057{i:05d}", "项目名称": f"项目{i:04d} 第{i}号独立方案 {i * 7919}",
                  "项目简介": f"第 {i} 号项目的简介，{i * 104729} 号编码。"})  # fmt: skip


def rows(n: int) -> list[dict]:
    return [numbered(i) for i in range(n)]


def test_import_queues_one_bulk_duplicate_check_for_all_its_entries(
    ningbo, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        run_import(ningbo, xlsx(*rows(40)), by=organizer_for(ningbo))

    task = DBTaskResult.objects.get()
    assert (task.task_path, task.priority, task.status) == (
        "contest.registration.services.duplicates.flag_duplicates_batch", PRIORITY_BULK, "READY")  # fmt: skip
    assert task.args_kwargs == {"args": [sorted(Entry.objects.values_list("pk", flat=True))], "kwargs": {}}
    assert len(task.args_kwargs["args"][0]) == 40


def test_bulk_check_flags_what_the_one_by_one_check_flags(
    ningbo, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE  # queued, not run: the test runs both checks itself
    batch = rows(6)
    batch[4]["项目名称"] = batch[1]["项目名称"]  # a twin title in another enterprise
    batch[5]["项目简介"] = batch[2]["项目简介"]  # a twin summary
    with django_capture_on_commit_callbacks(execute=True):
        run_import(ningbo, xlsx(*batch), by=organizer_for(ningbo))
    ids = sorted(Entry.objects.values_list("pk", flat=True))
    twin_a, twin_b, same_a, same_b = ids[1], ids[4], ids[2], ids[5]

    found = duplicates.flag_duplicates_batch.call(ids)

    flags = sorted(DuplicateFlag.objects.values_list("entry_id", "other_id", "field"))
    assert found == 4
    assert flags == sorted([(twin_a, twin_b, "title"), (twin_b, twin_a, "title"),
                            (same_a, same_b, "summary"), (same_b, same_a, "summary")])  # fmt: skip
    assert sorted(AuditRecord.objects.filter(action="registration.entry.duplicates_flagged")
                  .values_list("object_id", flat=True)) == sorted(str(pk) for pk in (twin_a, twin_b, same_a, same_b))  # fmt: skip
    assert duplicates.find_duplicates(Entry.objects.get(pk=twin_a)) == [(twin_b, "title", Decimal("1.000"))]


def test_bulk_check_hands_its_rest_to_a_new_task_after_its_time_slice(
    ningbo, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        run_import(ningbo, xlsx(*rows(5)), by=organizer_for(ningbo))
    ids = sorted(Entry.objects.values_list("pk", flat=True))
    DBTaskResult.objects.all().delete()

    duplicates.flag_duplicates_batch.call(ids, chunk=2, yield_after=0.0)

    rest = DBTaskResult.objects.get()
    assert (rest.args_kwargs, rest.priority) == ({"args": [ids[2:]], "kwargs": {"chunk": 2, "yield_after": 0.0}},
                                                 PRIORITY_BULK)  # fmt: skip


def test_worker_takes_an_assignment_run_before_a_bulk_check_queued_earlier(
    ningbo, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    organizer = organizer_for(ningbo)
    with django_capture_on_commit_callbacks(execute=True):
        run_import(ningbo, xlsx(*rows(3)), by=organizer)
    round_ = review.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                 data={"name": "网络初评", "stage": "preliminary", "judges_per_entry": 1})  # fmt: skip
    review.add_judges(by=organizer, round=round_, experts=[expert(organizer)])
    with django_capture_on_commit_callbacks(execute=True):
        run = review.request_assignment(by=organizer, round=round_)

    # what django-tasks-db's worker does to pick its next task
    picked = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()

    assert [t.task_path.rsplit(".", 1)[1] for t in DBTaskResult.objects.order_by("enqueued_at")] == [
        "flag_duplicates_batch", "run_assignment_task"]  # fmt: skip
    assert (picked.task_path, picked.priority, picked.args_kwargs["args"]) == (
        "contest.review.tasks.run_assignment_task", PRIORITY_INTERACTIVE, [run.pk])  # fmt: skip
