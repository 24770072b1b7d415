"""Builders for review tests: a season of qualified entries and an expert pool, via services."""

from __future__ import annotations

from itertools import count

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.registration import services as reg
from contest.review import services
from contest.review.models import Expert

from ..registration.factories import enterprise_owner, organizer_for, submitted_entry, superuser, user

_n = count(1)


def qualified_entries(event, n: int, *, organizer=None, industry: str = "I"):
    organizer = organizer or organizer_for(event)
    entries = []
    for i in range(n):
        owner = enterprise_owner(name=f"测试企业{next(_n)}有限公司")
        entry = submitted_entry(
            event, owner, title=f"项目{i + 1:02d} 智能制造方案 {next(_n)}", industry=industry
        )
        reg.qualify_entry(by=organizer, entry=entry)
        entry.refresh_from_db()
        entries.append(entry)
    return entries, organizer


def expert(
    by, *, name=None, org="某大学", kind="technical", expertise=("I",), regions=("330000",), with_user=True
):
    number = next(_n)
    data = {"name": name or f"专家{number}", "organization_name": org, "kind": kind, "expertise": list(expertise),
            "regions": list(regions), "phone": f"139{number:08d}", "email": f"expert{number}@example.cn"}  # fmt: skip
    e = services.add_expert(by=by, data=data)
    if with_user:
        person = user(f"judge{number}")
        Expert.objects.filter(pk=e.pk).update(user=person)
        Role.objects.create(user=person, kind=RoleKind.JUDGE)
        e.refresh_from_db()
    return e


__all__ = ["expert", "qualified_entries", "superuser"]
