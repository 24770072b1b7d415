"""The registration demo: built by the services, every state present, idempotent, quick."""

import pytest
from django.core.management import call_command

from contest.accounts.models import Role, User
from contest.core.audit import verify_chain
from contest.core.models import AuditRecord
from contest.registration.models import DuplicateFlag, Enterprise, Entry, MakerTeam, RegistrationWindow

pytestmark = pytest.mark.integration


def test_seed_demo_builds_every_state_and_runs_twice_without_duplicating(db, capsys):
    call_command("seed_demo", "--stage", "registration")
    out = capsys.readouterr().out
    counts = (Entry.objects.count(), Enterprise.objects.count(), MakerTeam.objects.count(),
              RegistrationWindow.objects.count(), Role.objects.count(), AuditRecord.objects.count())  # fmt: skip

    assert counts[:5] == (52, 41, 11, 7, 3)
    assert set(Entry.objects.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "returned",
        "resubmitted",
        "qualified",
        "disqualified",
        "withdrawn",
    }
    assert Entry.objects.filter(source="import").count() == 8
    assert Entry.objects.filter(group__code="maker").count() == 11
    mine = Entry.objects.get(owner__username="demo-enterprise")
    assert (mine.status, mine.organizer_comment) == (
        "returned",
        "请补充近三年财务报表说明，并上传加盖公章的营业执照扫描件。",
    )
    assert DuplicateFlag.objects.filter(entry__title__startswith="工业视觉缺陷检测").count() == 2
    for login in ("ningbo-organizer", "shenzhen-organizer", "secretariat-9", "demo-enterprise",
                  "overseas-enterprise", "overseas-team"):  # fmt: skip
        assert User.objects.get(username=login).check_password("cnmaker-demo-2024")
        assert f"{login}" in out
    assert verify_chain()[1] is None

    call_command("seed_demo", "--stage", "registration")
    again = (Entry.objects.count(), Enterprise.objects.count(), MakerTeam.objects.count(),
             RegistrationWindow.objects.count(), Role.objects.count(), AuditRecord.objects.count())  # fmt: skip
    assert again == counts


def test_seed_demo_catalog_stage_builds_no_entries(db):
    call_command("seed_demo", "--stage", "catalog")
    assert Entry.objects.count() == 0


def test_demo_organizer_sees_only_their_event_in_the_console(db, client):
    call_command("seed_demo", "--stage", "registration")
    client.force_login(User.objects.get(username="ningbo-organizer"))
    events = client.get("/console/").context["events"]
    assert [e.name for e in events] == ["第九届“创客中国”宁波市中小企业创新创业大赛"]
    assert events[0].entry_total == 11
