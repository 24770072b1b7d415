"""Regressions of issue 10: absurd dates and control characters typed into the registration pages
are refused with the field's message; a bad date already stored does not break any page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from contest.core.errors import FieldErrors
from contest.registration import services
from contest.registration.models import Enterprise, Entry, RegistrationWindow

from .factories import (
    ENTERPRISE,
    SHANGHAI,
    complete_entry,
    credit_code,
    enterprise_owner,
    organizer_for,
    submitted_entry,
    user,
)

pytestmark = pytest.mark.integration

OUT_OF_RANGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
CONTROL = "含有不可见的控制字符，请删除后重试。"


@pytest.fixture
def organizer_client(client, ningbo):
    client.force_login(organizer_for(ningbo))
    return client


@pytest.mark.parametrize(
    ("opens_at", "closes_on", "field"),
    [("2026-03-01T09:00", "9999-12-31", "closes_on"), ("0001-01-01T00:00", "2026-07-31", "opens_at")],
)
def test_window_form_refuses_a_date_outside_the_calendar(
    organizer_client, ningbo, opens_at, closes_on, field
):
    before = RegistrationWindow.objects.get(event=ningbo)
    response = organizer_client.post(
        reverse("console:window", args=[ningbo.pk]), {"opens_at": opens_at, "closes_on": closes_on}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [OUT_OF_RANGE]
    after = RegistrationWindow.objects.get(event=ningbo)
    assert (after.opens_at, after.closes_on) == (before.opens_at, before.closes_on)


@pytest.fixture
def stored_bad_window(ningbo):
    """A window saved before the fix (or through the admin): closing 9999-12-31."""
    RegistrationWindow.objects.filter(event=ningbo).update(
        opens_at=datetime(1, 1, 1, 12, tzinfo=SHANGHAI), closes_on=date(9999, 12, 31)
    )
    return ningbo


def test_a_stored_window_in_year_9999_does_not_break_the_window_page(organizer_client, stored_bad_window):
    response = organizer_client.get(reverse("console:window", args=[stored_bad_window.pk]))
    assert response.status_code == 200
    assert "9999-12-31" in response.content.decode()


def test_a_stored_window_opening_in_year_9999_does_not_break_the_window_page(organizer_client, ningbo):
    RegistrationWindow.objects.filter(event=ningbo).update(
        opens_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    )
    response = organizer_client.get(reverse("console:window", args=[ningbo.pk]))
    assert response.status_code == 200
    assert "9999-12-31" in response.content.decode()


def test_the_organizer_can_repair_a_stored_window_in_year_9999(organizer_client, stored_bad_window):
    response = organizer_client.post(
        reverse("console:window", args=[stored_bad_window.pk]),
        {"opens_at": "2026-03-01T09:00", "closes_on": "2026-07-31"},
    )
    assert response.status_code == 302
    assert RegistrationWindow.objects.get(event=stored_bad_window).closes_on == date(2026, 7, 31)


def test_a_stored_window_in_year_9999_does_not_break_the_entrant_pages(client, ningbo):
    entry = complete_entry(ningbo)
    RegistrationWindow.objects.filter(event=ningbo).update(closes_on=date(9999, 12, 31))
    client.force_login(entry.owner)
    for url in (
        "/me/",
        reverse("registration:entry_list"),
        reverse("registration:entry_edit", args=[entry.pk]),
        reverse("registration:entry_new"),
        reverse("catalog:event_detail", args=[ningbo.edition.number, ningbo.pk]),
    ):
        assert client.get(url, follow=True).status_code == 200, url


@pytest.mark.parametrize(
    "opens_at", [datetime(1, 1, 1, 12, tzinfo=SHANGHAI), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)]
)
def test_a_stored_window_opening_in_year_1_or_9999_does_not_break_the_entrant_pages(client, ningbo, opens_at):
    entry = complete_entry(ningbo)
    RegistrationWindow.objects.filter(event=ningbo).update(opens_at=opens_at)
    client.force_login(entry.owner)
    for url in ("/me/", reverse("registration:entry_edit", args=[entry.pk])):
        assert client.get(url, follow=True).status_code == 200, url


def test_enterprise_name_and_contact_with_nul_answer_the_field_error(client, ningbo):
    owner = enterprise_owner()
    client.force_login(owner)
    page = client.get(reverse("registration:enterprise"))
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update({"name": "宁波\x00科技", "contact_name": "张\x1b伟", "contact_phone": "13812345678",
                 "registered_capital": "500"})  # fmt: skip
    response = client.post(reverse("registration:enterprise"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == [CONTROL]
    assert form.errors["contact_name"] == [CONTROL]
    assert form["registered_capital"].value() == "500"  # the rest of the input is kept
    assert Enterprise.objects.get(owner=owner).name == "宁波创新科技有限公司"


def test_entry_title_with_nul_answers_the_field_error(client, ningbo):
    entry = complete_entry(ningbo)
    client.force_login(entry.owner)
    response = client.post(
        reverse("registration:entry_edit", args=[entry.pk]),
        {"version": entry.version, "title": "平台\x00", "summary": "新的简介"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["title"] == [CONTROL]
    assert form["summary"].value() == "新的简介"
    assert Entry.objects.get(pk=entry.pk).title == "工业视觉缺陷检测平台"


@pytest.mark.parametrize("action", ["return", "disqualify"])
def test_review_reason_with_nul_is_refused_with_the_message(organizer_client, ningbo, action):
    entry = submitted_entry(ningbo)
    response = organizer_client.post(
        reverse("console:entry_review", args=[entry.pk]),
        {"action": action, "reason": "材料\x00不全"},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [CONTROL]
    assert Entry.objects.get(pk=entry.pk).status == "submitted"


def test_bulk_review_reason_with_esc_is_refused_once(organizer_client, ningbo):
    entries = [submitted_entry(ningbo), submitted_entry(ningbo)]
    response = organizer_client.post(
        reverse("console:entry_list", args=[ningbo.pk]),
        {"action": "return", "reason": "\x1b[31m", "entry": [e.pk for e in entries]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [CONTROL]
    assert sorted(Entry.objects.filter(pk__in=[e.pk for e in entries]).values_list("status", flat=True)) == [
        "submitted",
        "submitted",
    ]


@pytest.mark.parametrize(
    ("founded_on", "message"),
    [("0001-01-01", "成立日期不能早于 1900-01-01。"), ("9999-12-31", "成立日期不能晚于今天。")],
)
def test_an_absurd_founding_date_is_refused_with_the_field_message(db, founded_on, message):
    with pytest.raises(FieldErrors) as caught:
        services.save_enterprise(
            by=user(), data={**ENTERPRISE, "credit_code": credit_code(), "founded_on": founded_on}
        )
    assert caught.value.fields == {"founded_on": message}


def test_an_enterprise_founded_before_the_competition_s_calendar_is_accepted(db):
    enterprise = services.save_enterprise(
        by=user(), data={**ENTERPRISE, "credit_code": credit_code(), "founded_on": "1958-03-01"}
    )
    assert enterprise.founded_on == date(1958, 3, 1)


@pytest.mark.parametrize("employees", ["４５", "4_5", "٤٥"])
def test_employees_not_written_in_ascii_digits_are_refused(db, employees):
    with pytest.raises(FieldErrors) as caught:
        services.save_enterprise(
            by=user(), data={**ENTERPRISE, "credit_code": credit_code(), "employees": employees}
        )
    assert caught.value.fields == {"employees": "从业人数应为整数。"}
