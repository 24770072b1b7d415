"""Builders for registration tests. Everything goes through the services."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pypdf import PdfWriter
from stdnum.cn import uscc

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role, User
from contest.catalog.models import Event
from contest.registration import services
from contest.registration.models import Entry

SHANGHAI = ZoneInfo("Asia/Shanghai")
_counter = iter(range(1, 10**6))


def credit_code(division: str = "330203", first: str = "91", body: str | None = None) -> str:
    """A valid 统一社会信用代码 for a division (characters 3–8)."""
    body = body or f"MA{next(_counter):07d}"
    head = f"{first}{division}{body}"
    return head + uscc.calc_check_digit(head)


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def user(username: str | None = None, **extra) -> User:
    username = username or f"user{next(_counter)}"
    extra.setdefault("email", f"{username}@example.cn")
    return User.objects.create_user(username=username, password="pw-Strong-2024", **extra)


def superuser() -> User:
    name = f"admin{next(_counter)}"
    return User.objects.create_superuser(name, f"{name}@example.cn", "pw-Strong-2024")


def organizer_for(event: Event, username: str | None = None) -> User:
    person = user(username)
    org = event.roles.first().organization
    Role.objects.create(user=person, kind=RoleKind.ORGANIZER, organization=org)
    return person


def open_registration(event: Event, *, closes_on: date | None = None, by: User | None = None) -> None:
    closes_on = closes_on or date(2030, 7, 31)
    services.set_registration_window(
        by=by or superuser(), event=event, opens_at=datetime(2024, 1, 1, tzinfo=SHANGHAI), closes_on=closes_on
    )


ENTERPRISE = {
    "name": "宁波创新科技有限公司", "founded_on": "2020-05-01", "registered_capital": "500",
    "employees": "45", "revenue_last_year": "3200.50", "is_listed": False, "industry": "C",
    "sme_status": "srdi", "contact_name": "张伟", "contact_phone": "13812345678", "division_confirmed": True,
}  # fmt: skip

ENTRY = {
    "title": "工业视觉缺陷检测平台", "industry": "I", "summary": "基于深度学习的表面缺陷检测，面向中小制造企业。",
    "innovation": "小样本学习", "market": "长三角电子制造", "business_model": "软件订阅", "team_description": "博士团队",
    "finances": [{"year": 2021, "revenue": "100", "profit": "-20"}, {"year": 2022, "revenue": "800", "profit": "50"},
                 {"year": 2023, "revenue": "3200.5", "profit": "400"}],
    "funding_sought": "2000", "ip_list": [{"kind": "发明专利", "name": "一种缺陷检测方法", "number": "ZL2022xxxx"}],
}  # fmt: skip


def enterprise_owner(division: str = "330203", **overrides):
    person = user()
    data = {**ENTERPRISE, "credit_code": credit_code(division), **overrides}
    services.save_enterprise(by=person, data=data)
    return person


def complete_entry(event: Event, owner: User | None = None, **overrides) -> Entry:
    owner = owner or enterprise_owner()
    entry = services.create_entry(
        by=owner, event=event, group_code="enterprise", data={"title": ENTRY["title"]}
    )
    return services.update_entry(by=owner, entry=entry, data={**ENTRY, **overrides},
                                 business_plan=("计划书.pdf", pdf_bytes()))  # fmt: skip


def submitted_entry(event: Event, owner: User | None = None, **overrides) -> Entry:
    entry = complete_entry(event, owner, **overrides)
    services.submit_entry(by=entry.owner, entry=entry)
    entry.refresh_from_db()
    return entry
