import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from contest.core import audit, db_guards
from contest.core.models import AuditRecord

pytestmark = pytest.mark.integration


def _write(n: int) -> list[AuditRecord]:
    records = []
    for i in range(n):
        with transaction.atomic():
            records.append(
                audit.record(
                    action="core.test.done",
                    object_type="test",
                    object_id=str(i),
                    data={"i": i, "名称": "创客"},
                )
            )
    return records


def test_record_chains_each_entry_to_the_previous(db):
    first, second, third = _write(3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit.verify_chain() == (3, None)


def test_record_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        audit.record(action="core.test.done", object_type="test")


def test_audit_rows_cannot_be_updated_or_deleted_through_the_orm(db):
    (rec,) = _write(1)
    with pytest.raises(TypeError, match="append-only"):
        rec.save()
    with pytest.raises(TypeError, match="append-only"):
        rec.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditRecord.objects.filter(pk=rec.pk).update(action="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditRecord.objects.all().delete()


def _execute(sql: str, params: list) -> None:
    table = AuditRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def _raw(sql: str, params: list) -> None:
    """Tamper as someone who can lift the database triggers (a DBA) would."""
    with db_guards.maintenance(connection):
        _execute(sql, params)


@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET action = 'x' WHERE seq = 1", "DELETE FROM {table} WHERE seq = 1"]
)
def test_audit_rows_cannot_be_rewritten_with_raw_sql(db, statement):
    _write(2)
    with pytest.raises(DatabaseError, match="audit records are append-only"), transaction.atomic():
        _execute(statement, [])
    assert list(AuditRecord.objects.values_list("seq", "action")) == [
        (1, "core.test.done"),
        (2, "core.test.done"),
    ]
    assert audit.verify_chain() == (2, None)


def test_audit_triggers_are_back_after_maintenance(db):
    _write(1)
    _raw("UPDATE {table} SET object_id = 'changed' WHERE seq = 1", [])
    with pytest.raises(DatabaseError, match="audit records are append-only"), transaction.atomic():
        _execute("DELETE FROM {table} WHERE seq = 1", [])
    assert AuditRecord.objects.get().object_id == "changed"


def test_flush_empties_the_audit_table_and_keeps_the_triggers(transactional_db):
    _write(2)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditRecord.objects.count() == 0
    _write(1)
    with pytest.raises(DatabaseError, match="audit records are append-only"), transaction.atomic():
        _execute("UPDATE {table} SET action = 'x'", [])


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE {table} SET data = %s WHERE seq = 2", "审计链断裂于 #2：记录 #2 的内容被改动（哈希不符）"),
        ("DELETE FROM {table} WHERE seq = 2", "审计链断裂于 #2：记录 #2 缺失（下一条为 #3）"),
        (
            "DELETE FROM {table} WHERE seq = 4",
            "审计链断裂于 #4：链尾与链头不符：链头记录为 #4，实际只有 3 条（末尾记录被删除）",
        ),
    ],
)
def test_verify_audit_names_the_first_broken_link(db, tamper, expected):
    _write(4)
    params = ['{"i": 99}'] if "UPDATE" in tamper else []
    _raw(tamper, params)
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert str(exc.value).startswith(expected)


def test_verify_audit_detects_reordered_records(db):
    _write(3)
    _raw("UPDATE {table} SET seq = 99 WHERE seq = 2", [])
    _raw("UPDATE {table} SET seq = 2 WHERE seq = 3", [])
    _raw("UPDATE {table} SET seq = 3 WHERE seq = 99", [])
    with pytest.raises(CommandError, match="审计链断裂于 #2：记录 #2 的前一条哈希与链不符"):
        call_command("verify_audit")


def test_verify_audit_reports_an_intact_chain(db, capsys):
    _write(2)
    call_command("verify_audit")
    assert capsys.readouterr().out == "审计链完好：共 2 条记录。\n"
