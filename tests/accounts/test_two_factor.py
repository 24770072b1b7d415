"""Two-factor sign-in: enrolment, the second step, replay and drift, recovery codes, disabling,
who must use it (organizers, the secretariat, admin staff, judges of a live session), the admin.

These tests sign in through the pages (password, then code), never with ``force_login``, and run
with ``TWO_FACTOR_REQUIRED`` on, as production does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from contest.accounts import security
from contest.accounts.enums import RoleKind
from contest.accounts.models import RecoveryCode, Role, TwoFactorDevice
from contest.catalog.models import Organization
from contest.core.models import AuditRecord
from tests.registration.factories import superuser, user

from .html import field_errors, texts

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user's
NOW = datetime(2026, 3, 2, 9, 0, 15, tzinfo=UTC)  # 15 s into a 30-second step
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
ORIGIN = {"ip": "127.0.0.1", "user_agent": UA}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="宁波市中小企业服务中心")


@pytest.fixture
def organizer(organization):
    person = user()
    Role.objects.create(user=person, kind=RoleKind.ORGANIZER, organization=organization)
    return person


def phone() -> Client:
    return Client(HTTP_USER_AGENT=UA)


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def log_in(client: Client, who, next_url: str = "") -> object:
    data = {"username": who.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def enrol(person) -> tuple[str, list[str]]:
    """An enrolled device made through the service, one step before NOW (so NOW's code is fresh)."""
    secret = security.new_secret()
    codes = security.enable_two_factor(
        user=person, secret=secret, code=code_at(secret, NOW - timedelta(seconds=30)), origin=ORIGIN
    )
    TwoFactorDevice.objects.filter(user=person).update(last_used_step=int((NOW.timestamp() - 30) // 30))
    return secret, codes


def actions(person) -> list[str]:
    return list(
        AuditRecord.objects.filter(actor_label__startswith=f"user:{person.pk}:")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def setup_url(next_url: str) -> str:
    return f"{reverse('accounts:two_factor_setup')}?next={quote(next_url, safe='')}"


def verify_url(next_url: str) -> str:
    return f"{reverse('accounts:two_factor_verify')}?next={quote(next_url, safe='')}"


# -- enrolment -----------------------------------------------------------------------------------


def test_organizer_is_sent_to_enrolment_after_the_password_and_cannot_reach_the_console(organizer):
    client = phone()

    response = log_in(client, organizer, next_url="/console/")
    console = client.get("/console/")

    assert (response.status_code, response["Location"]) == (302, setup_url("/console/"))
    assert (console.status_code, console["Location"]) == (302, setup_url("/console/"))
    assert actions(organizer) == ["accounts.sign_in.succeeded"]
    record = AuditRecord.objects.get(action="accounts.sign_in.succeeded")
    assert record.data == {"second_factor": "enrolment", **ORIGIN}


def test_enrolment_page_shows_an_inline_svg_qr_code_and_the_secret_for_typing(organizer):
    client = phone()
    log_in(client, organizer)

    response = client.get(reverse("accounts:two_factor_setup"))

    secret = client.session["_two_factor_setup_secret"]
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert len(secret) == 32
    assert '<div class="totp-qr" id="totp-qr" role="img"' in html
    assert '<svg viewBox="0 0 ' in html
    assert "<img" not in html.split('id="totp-qr"')[1].split("</div>")[0]  # no external image service
    assert texts(response, "code") == [" ".join(secret[i : i + 4] for i in range(0, 32, 4))]


def test_enrolment_with_the_right_code_enables_it_and_shows_ten_recovery_codes_once(organizer):
    client = phone()
    log_in(client, organizer, next_url="/console/")
    client.get(reverse("accounts:two_factor_setup"))
    secret = client.session["_two_factor_setup_secret"]

    response = client.post(
        reverse("accounts:two_factor_setup"), {"code": code_at(secret, NOW), "next": "/console/"}
    )

    shown = texts(response, "code")
    device = TwoFactorDevice.objects.get(user=organizer)
    stored = set(RecoveryCode.objects.filter(user=organizer).values_list("code_hash", flat=True))
    assert response.status_code == 200
    assert len(set(shown)) == len(shown) == 10
    assert all(len(c) == 14 and c[4] == c[9] == "-" for c in shown)
    assert stored == {RecoveryCode.hash_code(organizer.pk, c) for c in shown}
    assert not stored & set(shown)  # only hashes are kept
    assert (device.secret, device.last_used_step) == (secret, int(NOW.timestamp()) // 30)
    assert client.get("/console/").status_code == 200
    again = client.get(reverse("accounts:two_factor_setup"))
    assert (again.status_code, again["Location"]) == (302, reverse("accounts:security"))
    record = AuditRecord.objects.get(action="accounts.two_factor.enabled")
    assert (record.actor_id, record.data) == (
        organizer.pk,
        {"user": organizer.pk, "recovery_codes": 10, **ORIGIN},
    )


def test_enrolment_with_a_wrong_code_says_so_and_enables_nothing(organizer):
    client = phone()
    log_in(client, organizer)
    client.get(reverse("accounts:two_factor_setup"))
    secret = client.session["_two_factor_setup_secret"]

    wrong = client.post(
        reverse("accounts:two_factor_setup"), {"code": code_at(secret, NOW + timedelta(minutes=5))}
    )
    letters = client.post(reverse("accounts:two_factor_setup"), {"code": "abcdef"})

    assert field_errors(wrong) == ["验证码不正确，请输入验证器应用上当前显示的 6 位数字。"]
    assert field_errors(letters) == ["验证码不正确，请输入验证器应用上当前显示的 6 位数字。"]
    assert TwoFactorDevice.objects.count() == 0
    assert client.session["_two_factor_setup_secret"] == secret  # the same QR code stays valid


# -- the second step ------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password_and_the_console_waits_for_it(organizer):
    secret, _codes = enrol(organizer)
    client = phone()

    response = log_in(client, organizer, next_url="/console/")
    blocked = client.get("/console/")
    verified = client.post(verify_url("/console/"), {"code": code_at(secret, NOW), "next": "/console/"})

    assert (response.status_code, response["Location"]) == (302, verify_url("/console/"))
    assert (blocked.status_code, blocked["Location"]) == (302, verify_url("/console/"))
    assert (verified.status_code, verified["Location"]) == (302, "/console/")
    assert client.get("/console/").status_code == 200
    assert actions(organizer)[-2:] == ["accounts.sign_in.succeeded", "accounts.sign_in.second_factor"]


def test_the_same_code_cannot_be_used_twice(organizer):
    secret, _codes = enrol(organizer)
    first, second = phone(), phone()
    log_in(first, organizer)
    log_in(second, organizer)
    code = code_at(secret, NOW)

    accepted = first.post(reverse("accounts:two_factor_verify"), {"code": code})
    replayed = second.post(reverse("accounts:two_factor_verify"), {"code": code})

    assert accepted.status_code == 302
    assert field_errors(replayed) == ["这个验证码已经用过，请等验证器显示下一个验证码后再输入。"]
    failure = AuditRecord.objects.get(action="accounts.sign_in.second_factor_failed")
    assert failure.data == {"reason": "replayed", **ORIGIN}


def test_a_code_one_step_off_is_accepted_and_two_steps_off_is_not(organizer, clock):
    secret, _codes = enrol(organizer)
    client = phone()
    log_in(client, organizer)

    two_ahead = client.post(
        reverse("accounts:two_factor_verify"), {"code": code_at(secret, NOW + timedelta(seconds=60))}
    )
    one_ahead = client.post(
        reverse("accounts:two_factor_verify"), {"code": code_at(secret, NOW + timedelta(seconds=30))}
    )

    assert field_errors(two_ahead) == ["验证码不正确，请输入验证器应用上当前显示的 6 位数字。"]
    assert one_ahead.status_code == 302
    assert TwoFactorDevice.objects.get().last_used_step == int(NOW.timestamp()) // 30 + 1


def test_five_wrong_codes_end_the_half_signed_in_session(organizer):
    enrol(organizer)
    client = phone()
    log_in(client, organizer)

    answers = [client.post(reverse("accounts:two_factor_verify"), {"code": "000000"}) for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 302]
    assert answers[-1]["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action="accounts.sign_in.second_factor_failed").count() == 5


def test_a_recovery_code_signs_in_once(organizer):
    _secret, codes = enrol(organizer)
    client, other = phone(), phone()
    log_in(client, organizer, next_url="/console/")
    log_in(other, organizer)

    used = client.post(
        reverse("accounts:two_factor_recovery"), {"code": codes[3].lower(), "next": "/console/"}
    )
    reused = other.post(reverse("accounts:two_factor_recovery"), {"code": codes[3]})

    assert (used.status_code, used["Location"]) == (302, "/console/")
    assert field_errors(reused) == ["恢复码不正确或已使用过。每个恢复码只能用一次。"]
    assert RecoveryCode.objects.filter(user=organizer, used_at__isnull=True).count() == 9
    record = AuditRecord.objects.get(action="accounts.two_factor.recovery_code_used")
    assert record.data == {"left": 9, **ORIGIN}


def test_the_verify_page_links_to_the_recovery_code_path(organizer):
    enrol(organizer)
    client = phone()
    log_in(client, organizer, next_url="/console/")

    response = client.get(verify_url("/console/"))

    assert "手机不在身边？使用恢复码" in texts(response, "a")
    assert f'href="{reverse("accounts:two_factor_recovery")}?next=/console/"' in response.content.decode()


# -- disabling and re-enrolling ---------------------------------------------------------------------


def test_disabling_needs_a_current_code_and_an_organizer_must_then_enrol_again(organizer, clock):
    secret, _codes = enrol(organizer)
    client = phone()
    log_in(client, organizer)
    client.post(reverse("accounts:two_factor_verify"), {"code": code_at(secret, NOW)})
    clock.shift(timedelta(seconds=30))

    refused = client.post(reverse("accounts:two_factor_disable"), {"code": "123456"})
    still = TwoFactorDevice.objects.filter(user=organizer).count()
    done = client.post(
        reverse("accounts:two_factor_disable"), {"code": code_at(secret, NOW + timedelta(seconds=30))}
    )

    assert (refused.status_code, refused["Location"], still) == (302, reverse("accounts:security"), 1)
    assert (done.status_code, done["Location"]) == (302, reverse("accounts:two_factor_setup"))
    assert (TwoFactorDevice.objects.count(), RecoveryCode.objects.count()) == (0, 0)
    assert client.get("/console/")["Location"] == setup_url("/console/")
    record = AuditRecord.objects.get(action="accounts.two_factor.disabled")
    assert record.data == {"user": organizer.pk, "confirmed_with": "totp", **ORIGIN}


def test_disabling_with_a_recovery_code_works_for_an_entrant_who_opted_in():
    entrant = user()
    _secret, codes = enrol(entrant)
    client = phone()
    client.force_login(entrant)  # both steps done (tests/conftest.py)

    done = client.post(reverse("accounts:two_factor_disable"), {"code": codes[0]})

    assert (done.status_code, done["Location"]) == (302, reverse("accounts:security"))
    assert TwoFactorDevice.objects.filter(user=entrant).exists() is False
    record = AuditRecord.objects.get(action="accounts.two_factor.disabled")
    assert record.data["confirmed_with"] == "recovery_code"


# -- who must use it --------------------------------------------------------------------------------


def test_an_entrant_signs_in_with_the_password_only():
    entrant = user()
    client = phone()

    response = log_in(client, entrant)

    assert (response.status_code, response["Location"]) == (302, reverse("registration:home"))
    assert client.get(reverse("registration:entry_list")).status_code == 200


def test_an_enrolled_entrant_is_asked_for_the_code_even_with_the_requirement_off(settings):
    settings.TWO_FACTOR_REQUIRED = False
    entrant = user()
    enrol(entrant)
    client = phone()

    response = log_in(client, entrant)

    assert response["Location"] == verify_url(reverse("registration:home"))


def test_with_the_requirement_off_an_organizer_signs_in_with_the_password_only(settings, organizer):
    settings.TWO_FACTOR_REQUIRED = False
    client = phone()

    response = log_in(client, organizer, next_url="/console/")

    assert (response.status_code, response["Location"]) == (302, "/console/")
    assert client.get("/console/").status_code == 200


def test_a_secretariat_member_must_enrol():
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT)
    client = phone()

    response = log_in(client, secretary, next_url="/console/")

    assert response["Location"] == setup_url("/console/")


def test_a_force_logged_in_session_counts_as_both_steps_done_and_one_without_the_flag_does_not(organizer):
    flagged, bare = phone(), phone()
    flagged.force_login(organizer)
    bare.force_login(organizer)
    session = bare.session
    session["_two_factor"] = "none"
    session.save()

    assert flagged.get("/console/").status_code == 200
    assert bare.get("/console/")["Location"] == setup_url("/console/")


def test_a_half_signed_in_session_is_anonymous_to_the_api(organizer):
    enrol(organizer)
    client = phone()
    log_in(client, organizer)

    response = client.get("/api/v1/tokens")

    assert response.status_code == 401


def test_a_judge_must_use_it_only_while_a_session_they_sit_on_is_live(ningbo):
    from tests.finals.factories import session_with

    live, _entries, panel, _organizer = session_with(ningbo, entries=1, judges=5, status="live")
    seated = panel[0].user
    other = user()
    Role.objects.create(user=other, kind=RoleKind.JUDGE)

    assert security.two_factor_required(seated) is True
    assert security.two_factor_required(other) is False
    client = phone()
    assert log_in(client, seated, next_url="/judge/")["Location"] == setup_url("/judge/")
    live.status = "finished"
    live.save(update_fields=["status"])
    assert security.two_factor_required(seated) is False


# -- the Django admin -----------------------------------------------------------------------------


def test_the_admin_sign_in_goes_through_the_second_step(client):
    admin = superuser()
    enrol(admin)

    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": admin.username, "password": PASSWORD, "next": "/admin/"},
    )
    admin_page = client.get("/admin/")

    assert (response.status_code, response["Location"]) == (302, verify_url("/admin/"))
    assert (admin_page.status_code, admin_page["Location"]) == (302, verify_url("/admin/"))
    assert actions(admin)[-1] == "accounts.sign_in.succeeded"


def test_a_staff_user_without_two_factor_cannot_use_the_admin(client):
    staff = user(is_staff=True)

    log_in(client, staff, next_url="/admin/")
    response = client.get("/admin/accounts/user/")

    assert (response.status_code, response["Location"]) == (302, setup_url("/admin/accounts/user/"))


def test_accepting_an_organizer_invitation_sends_the_new_organizer_to_enrolment_at_once(organization):
    from contest.accounts.models import Invitation

    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        email="staff@nb.gov.cn", organization=organization, token_hash=token_hash,
        invited_by=superuser(), expires_at=NOW + timedelta(days=14),
    )  # fmt: skip
    person = user(email="staff@nb.gov.cn")
    client = phone()
    assert log_in(client, person)["Location"] == reverse("registration:home")  # an entrant so far
    link = reverse("accounts:accept_invitation", args=[token])

    accepted = client.post(link)
    console = client.get(accepted["Location"])

    assert accepted["Location"] == reverse("console:home")
    assert (console.status_code, console["Location"]) == (302, setup_url(reverse("console:home")))
    granted = AuditRecord.objects.get(action="accounts.role.granted")
    assert (granted.actor_id, granted.data) == (
        person.pk,
        {"kind": "organizer", "organization": organization.pk, "invitation": invitation.pk, **ORIGIN},
    )
