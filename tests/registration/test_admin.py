"""The registration admin: read-only entries in the user's scope; audited rules and windows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.core.audit import verify_chain
from contest.core.errors import FieldErrors, PermissionDenied
from contest.core.models import AuditRecord
from contest.registration import services
from contest.registration.models import EligibilityRule, RegistrationWindow

from .factories import SHANGHAI, organizer_for, submitted_entry, superuser, user

pytestmark = pytest.mark.integration


@pytest.fixture
def admin_client(client, db):
    client.force_login(superuser())
    return client


def test_admin_entries_are_listed_but_read_only(admin_client, ningbo):
    entry = submitted_entry(ningbo)
    listing = admin_client.get(reverse("admin:registration_entry_changelist"))
    assert listing.status_code == 200
    assert entry.title in listing.content.decode()
    page = admin_client.get(reverse("admin:registration_entry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = admin_client.post(reverse("admin:registration_entry_change", args=[entry.pk]), {"title": "x"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.title == "工业视觉缺陷检测平台"


def test_admin_eligibility_rule_is_saved_through_the_audited_service(admin_client, edition9):
    response = admin_client.post(
        reverse("admin:registration_eligibilityrule_add"),
        {"edition": edition9.pk, "group_code": "enterprise", "kind": "revenue_at_most", "value": "20000",
         "message": "", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    rule = EligibilityRule.objects.get()
    assert rule.value == "20000.00"
    record = AuditRecord.objects.get(action="registration.eligibility_rule.created")
    assert record.data == {"group": "enterprise", "kind": "revenue_at_most", "value": "20000.00", "active": True,
                           "changes": {}}  # fmt: skip
    assert verify_chain()[1] is None


def test_admin_eligibility_rule_with_a_bad_value_is_refused(admin_client, edition9):
    response = admin_client.post(
        reverse("admin:registration_eligibilityrule_add"),
        {"edition": edition9.pk, "group_code": "startup", "kind": "founded_on_or_after", "value": "去年",
         "message": "", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "group_code": ["本届没有组别代码“startup”；可选：enterprise、maker。"],
        "value": ["参数应为日期，格式 YYYY-MM-DD。"],
    }
    assert EligibilityRule.objects.count() == 0


def test_save_eligibility_rule_is_for_the_secretariat_only(ningbo, edition9):
    rule = EligibilityRule(edition=edition9, group_code="maker", kind="min_members", value="3")
    with pytest.raises(PermissionDenied):
        services.save_eligibility_rule(by=organizer_for(ningbo), rule=rule)
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    services.save_eligibility_rule(by=secretary, rule=rule)
    with pytest.raises(FieldErrors) as exc:
        services.save_eligibility_rule(
            by=secretary,
            rule=EligibilityRule(edition=edition9, group_code="maker", kind="min_members", value="-1"),
        )
    assert exc.value.fields == {"value": "参数（人数）不能为负数。"}
    services.delete_eligibility_rule(by=secretary, rule=rule)
    assert list(AuditRecord.objects.filter(action__startswith="registration.eligibility_rule").values_list(
        "action", flat=True)) == ["registration.eligibility_rule.created", "registration.eligibility_rule.deleted"]  # fmt: skip


def test_admin_window_change_goes_through_set_registration_window(admin_client, ningbo):
    window = RegistrationWindow.objects.get(event=ningbo)
    url = reverse("admin:registration_registrationwindow_change", args=[window.pk])
    response = admin_client.post(
        url,
        {"event": ningbo.pk, "opens_at_0": "2024-06-01", "opens_at_1": "09:00:00", "closes_on": "2024-07-25"},
    )
    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.opens_at, window.closes_on) == (
        datetime(2024, 6, 1, 9, tzinfo=SHANGHAI),
        date(2024, 7, 25),
    )
    record = AuditRecord.objects.filter(action="registration.window.set").last()
    assert record.data["after"] == {"opens_at": "2024-06-01T09:00:00+08:00", "closes_on": "2024-07-25"}


def test_admin_window_closing_before_opening_is_refused(admin_client, ningbo):
    window = RegistrationWindow.objects.get(event=ningbo)
    response = admin_client.post(
        reverse("admin:registration_registrationwindow_change", args=[window.pk]),
        {"event": ningbo.pk, "opens_at_0": "2024-08-01", "opens_at_1": "09:00:00", "closes_on": "2024-07-25"},
    )
    assert response.context["adminform"].form.errors == {"closes_on": ["报名截止日不能早于开始日期。"]}
