"""The secretariat edits the catalog in the admin; every change lands in the audit chain."""

import pytest
from django.urls import reverse

from contest.accounts.models import User
from contest.catalog.models import Edition, Event
from contest.core.audit import verify_chain
from contest.core.models import AuditRecord

pytestmark = pytest.mark.integration


@pytest.fixture
def secretariat(db):
    return User.objects.create_superuser("sec", "sec@example.cn", "pw-123456789")


def test_admin_event_change_is_audited_with_before_and_after(edition9, secretariat, client):
    client.force_login(secretariat)
    event = Event.objects.get(edition=edition9, tier="regional", seq=33)
    url = reverse("admin:catalog_event_change", args=[event.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({
        "edition": event.edition_id, "province": event.province_id, "city": event.city_id,
        "served_divisions": [d.pk for d in event.served_divisions.all()],
        "registration_urls": '["www.cnmaker.org.cn"]', "location": "广东省深圳市",
        "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0",
    })  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.location == "广东省深圳市"
    record = AuditRecord.objects.filter(action="catalog.event.updated", object_id=str(event.pk)).last()
    assert record.actor_label == f"user:{secretariat.pk}:sec"
    assert record.data == {"changes": {"location": {"before": "深圳市", "after": "广东省深圳市"}}}
    assert verify_chain()[1] is None


def test_admin_group_rename_is_audited(edition9, secretariat, client):
    client.force_login(secretariat)
    url = reverse("admin:catalog_edition_change", args=[edition9.pk])
    groups = list(edition9.groups.all())
    data = {
        "number": 9, "year": 2024, "title": edition9.title, "official_site": edition9.official_site,
        "is_current": "on", "groups-TOTAL_FORMS": "2", "groups-INITIAL_FORMS": "2",
        "groups-0-id": groups[0].pk, "groups-0-edition": edition9.pk, "groups-0-code": "enterprise",
        "groups-0-name": "企业组", "groups-0-order": 0,
        "groups-1-id": groups[1].pk, "groups-1-edition": edition9.pk, "groups-1-code": "maker",
        "groups-1-name": "创业组", "groups-1-order": 1,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(Edition.objects.get(number=9).groups.values_list("name", flat=True)) == ["企业组", "创业组"]
    record = AuditRecord.objects.filter(action="catalog.editiongroup.updated").get()
    assert record.data == {"changes": {"name": {"before": "创客组", "after": "创业组"}}}


def test_admin_audit_records_are_read_only(edition9, secretariat, client):
    client.force_login(secretariat)
    record = AuditRecord.objects.first()
    assert client.get(reverse("admin:core_auditrecord_changelist")).status_code == 200
    assert (
        client.post(reverse("admin:core_auditrecord_delete", args=[record.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_admin_is_closed_to_anonymous_visitors(edition9, client):
    response = client.get(reverse("admin:catalog_event_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_seed_demo_creates_the_secretariat_login_and_is_idempotent(db, capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "秘书处管理员 secretariat" in out
    assert "cnmaker-demo-2024" in out
    user = User.objects.get(username="secretariat")
    assert user.is_superuser
    assert user.check_password("cnmaker-demo-2024")
    assert Event.objects.filter(edition__number=9).count() == 50


def test_admin_change_forms_obey_the_same_input_rules_as_the_site(edition9, secretariat, client):
    assert "\x1b" not in edition9.title
    client.force_login(secretariat)
    url = reverse("admin:catalog_edition_change", args=[edition9.pk])
    groups = list(edition9.groups.all())
    data = {
        "number": 9, "year": 2024, "title": "第九届\x1b[31m", "official_site": edition9.official_site,
        "is_current": "on", "groups-TOTAL_FORMS": "2", "groups-INITIAL_FORMS": "2",
        "groups-0-id": groups[0].pk, "groups-0-edition": edition9.pk, "groups-0-code": "enterprise",
        "groups-0-name": "企业组\x00", "groups-0-order": 0,
        "groups-1-id": groups[1].pk, "groups-1-edition": edition9.pk, "groups-1-code": "maker",
        "groups-1-name": "创客组", "groups-1-order": "１",
    }  # fmt: skip

    response = client.post(url, data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    inline = response.context["inline_admin_formsets"][0].formset
    assert form.errors == {"title": ["含有不可见的控制字符，请删除后重试。"]}
    assert [f.errors for f in inline.forms] == [
        {"name": ["含有不可见的控制字符，请删除后重试。"]},
        {"order": ["请填写数字（如 88.5）。"]},
    ]
    assert Edition.objects.filter(pk=edition9.pk, title=edition9.title).exists()  # nothing saved
    assert list(edition9.groups.values_list("name", flat=True)) == ["企业组", "创客组"]
    assert not AuditRecord.objects.filter(
        action__in=["catalog.edition.updated", "catalog.editiongroup.updated"]
    ).exists()


def test_admin_user_forms_obey_the_same_input_rules(secretariat, client):
    client.force_login(secretariat)
    other = User.objects.create_user("founder", "founder@example.cn", "pw-123456789", display_name="张伟")
    url = reverse("admin:accounts_user_change", args=[other.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v not in (None, "") and k not in ("password", "groups",
                                                                                     "user_permissions")}  # fmt: skip
    data.update({"display_name": "张伟\x1b[2J", "date_joined_0": "2024-06-01", "date_joined_1": "10:00:00"})

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "display_name": ["含有不可见的控制字符，请删除后重试。"]
    }
    other.refresh_from_db()
    assert other.display_name == "张伟"

    added = client.post(
        reverse("admin:accounts_user_add"), {"username": "bad\x00name", "usable_password": "false"}
    )
    assert added.status_code == 200
    assert added.context["adminform"].form.errors["username"][0] == "含有不可见的控制字符，请删除后重试。"
    assert not User.objects.filter(username__startswith="bad").exists()
