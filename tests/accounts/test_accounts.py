"""Accounts: sign-up by e-mail or phone, sign-in with either, lockout, verification, reset, invitations."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from contest.accounts import services
from contest.accounts.enums import InvitationStatus, RoleKind
from contest.accounts.models import Invitation, Role, User
from contest.catalog.models import Organization
from contest.core.errors import Closed, Conflict, FieldErrors, PermissionDenied, ValidationFailed
from contest.core.models import AuditRecord
from tests.registration.factories import SHANGHAI, superuser, user

from .html import elements, field_errors, texts, value_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "Chuangke-2024!"
SITE = "http://testserver"


def sign_up(client: Client, identifier: str, password: str = PASSWORD, confirm: str | None = None, **extra):
    data = {"identifier": identifier, "password": password, "password_confirm": confirm or password,
            "accept_privacy": "on", **extra}  # fmt: skip
    return client.post(reverse("accounts:signup"), data)


def log_in(client: Client, identifier: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": password})


def signed_in_user(client: Client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0).removeprefix("http://testserver")


# -- sign-up -------------------------------------------------------------------------------------


def test_sign_up_by_email_lowercases_it_signs_in_and_sends_a_verification_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "  Founder@Example.CN ", display_name="王芳")

    assert response.status_code == 302
    assert response["Location"] == reverse("registration:home")
    created = User.objects.get()
    assert (created.username, created.email, created.phone, created.display_name, created.email_verified_at) == (
        "founder@example.cn", "founder@example.cn", None, "王芳", None,
    )  # fmt: skip
    assert signed_in_user(client) == created
    assert [m.subject for m in mail.outbox] == ["【创客中国】请验证您的电子邮箱"]
    assert mail.outbox[0].to == ["founder@example.cn"]
    assert link_in(mail.outbox[0]).startswith("/accounts/verify/")
    record = AuditRecord.objects.get(action="accounts.user.signed_up")
    assert (record.object_id, record.data) == (str(created.pk), {"identifier": "email"})


def test_sign_up_by_phone_stores_e164_as_username_and_sends_no_mail(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "138 1234 5678")

    assert response.status_code == 302
    created = User.objects.get()
    assert (created.username, created.phone, created.email) == ("+8613812345678", "+8613812345678", None)
    assert signed_in_user(client) == created
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("existing", "typed", "message"),
    [
        (
            "founder@example.cn",
            "FOUNDER@example.cn",
            "该电子邮箱已注册，请直接登录；忘记密码可通过邮箱重设。",
        ),
        ("+8613812345678", "+86 138-1234-5678", "该手机号已注册，请直接登录。"),
    ],
)
def test_sign_up_with_a_registered_identifier_is_refused_on_the_field(client, existing, typed, message):
    services.sign_up(identifier=existing, password=PASSWORD, site_url=SITE)

    response = sign_up(client, typed, display_name="李雷")

    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert value_of(response, "identifier") == typed
    assert value_of(response, "display_name") == "李雷"
    assert User.objects.count() == 1
    assert signed_in_user(client) is None


@pytest.mark.parametrize(
    ("identifier", "password", "confirm", "errors"),
    [
        ("not-an-email@", PASSWORD, None, ["电子邮箱格式不正确。"]),
        ("12345", PASSWORD, None, ["请输入有效的中国大陆手机号。"]),
        ("a@example.cn", "12345678", None, ["这个密码太常见了。 密码只包含数字。"]),
        ("a@example.cn", PASSWORD, "Different-2024!", ["两次输入的密码不一致。"]),
    ],
)
def test_sign_up_refuses_bad_identifiers_and_weak_passwords(client, identifier, password, confirm, errors):
    response = sign_up(client, identifier, password, confirm)

    assert response.status_code == 200
    assert field_errors(response) == errors
    assert User.objects.count() == 0


# -- sign-in --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        ("founder@example.cn", "Founder@EXAMPLE.cn"),
        ("13812345678", "+86 138 1234 5678"),
        ("13812345678", "13812345678"),
    ],
)
def test_login_accepts_the_email_in_any_case_or_the_phone_in_any_spelling(client, registered, typed):
    account = services.sign_up(identifier=registered, password=PASSWORD, site_url=SITE)

    response = log_in(client, typed)

    assert response.status_code == 302
    assert response["Location"] == reverse("registration:home")
    assert signed_in_user(client) == account


def test_login_with_a_wrong_password_says_so_and_keeps_the_identifier(client):
    services.sign_up(identifier="founder@example.cn", password=PASSWORD, site_url=SITE)

    response = log_in(client, "founder@example.cn", "wrong-password")

    assert response.status_code == 200
    assert texts(response, "li")[-1:] == [
        "账号或密码不正确。请检查邮箱/手机号和密码；连续输错 5 次将暂时锁定 15 分钟。"
    ]
    assert value_of(response, "username") == "founder@example.cn"
    assert signed_in_user(client) is None


def test_login_is_locked_after_five_failures_even_with_the_right_password(client):
    services.sign_up(identifier="13812345678", password=PASSWORD, site_url=SITE)
    # Different spellings of one number share one counter.
    for typed in ["13812345678", "+8613812345678", "138 1234 5678", "+86 13812345678"]:
        assert log_in(client, typed, "wrong-password").status_code == 200

    fifth = log_in(client, "13812345678", "wrong-password")
    sixth = log_in(client, "+8613812345678", PASSWORD)

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert texts(sixth, "h1") == ["登录已暂时锁定"]
    assert texts(sixth, "p", class_="lockout-message") == [
        "此账号连续 5 次登录失败，为保护账号安全，登录已暂时锁定，请 15 分钟后再试。"
    ]
    assert signed_in_user(client) is None


def test_login_page_links_to_sign_up_and_password_reset(client):
    response = client.get(reverse("accounts:login"))

    assert [a["attrs"]["href"] for a in elements(response, "a") if a["text"] in ("忘记密码？", "注册")][-2:] == [
        "/accounts/password-reset/", "/accounts/signup/",
    ]  # fmt: skip


def test_logout_asks_for_confirmation_then_signs_out_on_post(client):
    client.force_login(user())

    page = client.get(reverse("accounts:logout"))
    response = client.post(reverse("accounts:logout"))

    assert texts(page, "button") == ["English", "退出"]
    assert response.status_code == 302
    assert signed_in_user(client) is None


# -- e-mail verification --------------------------------------------------------------------------


def _signed_up_with_link(client, django_capture_on_commit_callbacks) -> tuple[User, str]:
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, "founder@example.cn")
    return User.objects.get(), link_in(mail.outbox[-1])


def test_verification_link_marks_the_email_verified_once(client, django_capture_on_commit_callbacks):
    account, link = _signed_up_with_link(client, django_capture_on_commit_callbacks)

    response = client.get(link)
    again = client.get(link)

    account.refresh_from_db()
    assert response.status_code == again.status_code == 200
    assert texts(response, "p", class_="notice") == ["电子邮箱 founder@example.cn 已验证。"]
    assert account.email_verified_at is not None
    assert AuditRecord.objects.filter(action="accounts.user.email_verified").count() == 1


def test_verification_link_tampered_is_refused(client, django_capture_on_commit_callbacks):
    account, link = _signed_up_with_link(client, django_capture_on_commit_callbacks)
    token = link.removeprefix("/accounts/verify/").rstrip("/")
    forged = token.replace(token.split(":")[0], token.split(":")[0][::-1])

    response = client.get(reverse("accounts:verify_email", args=[forged]))

    account.refresh_from_db()
    assert response.status_code == 400
    assert texts(response, "p", class_="verify-error") == ["验证链接无效，请检查链接是否完整。"]
    assert account.email_verified_at is None


def test_verification_link_expires_after_three_days(client, django_capture_on_commit_callbacks):
    start = datetime(2024, 7, 1, 9, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        account, link = _signed_up_with_link(client, django_capture_on_commit_callbacks)
    with time_machine.travel(start + timedelta(days=3, seconds=1), tick=False):
        response = client.get(link)

    account.refresh_from_db()
    assert response.status_code == 400
    assert texts(response, "p", class_="verify-error") == ["验证链接已过期，请登录后重新发送验证邮件。"]
    assert account.email_verified_at is None
    assert texts(response, "button") == ["English", "重新发送验证邮件"]


def test_verification_link_is_void_once_the_address_changes(db):
    account = services.sign_up(identifier="founder@example.cn", password=PASSWORD, site_url=SITE)
    token = services.verification_token(account)
    account.email = "other@example.cn"
    account.save()

    with pytest.raises(ValidationFailed, match="验证链接已失效：账号的电子邮箱已更改。"):
        services.verify_email(token=token)


def test_resend_verification_sends_a_fresh_link(client, django_capture_on_commit_callbacks):
    account = services.sign_up(identifier="founder@example.cn", password=PASSWORD, site_url=SITE)
    client.force_login(account)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"))

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["founder@example.cn"]]
    assert client.get(link_in(mail.outbox[0])).status_code == 200
    account.refresh_from_db()
    assert account.email_verified_at is not None


# -- password reset ---------------------------------------------------------------------------------


def test_password_reset_by_email_sets_a_new_password(client):
    services.sign_up(identifier="founder@example.cn", password=PASSWORD, site_url=SITE)

    response = client.post(reverse("accounts:password_reset"), {"email": "FOUNDER@example.cn"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert [m.subject for m in mail.outbox] == ["【创客中国】重设密码"]
    link = link_in(mail.outbox[0])
    form_page = client.get(link, follow=True)
    assert texts(form_page, "h1") == ["设置新密码"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Xin-Mima-2025", "new_password2": "Xin-Mima-2025"}
    )

    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert log_in(Client(), "founder@example.cn", "Xin-Mima-2025").status_code == 302


def test_password_reset_speaks_of_the_address_the_person_typed_not_a_user_name(client):
    services.sign_up(identifier="zhangwei2025@example.cn", password=PASSWORD, site_url=SITE)
    client.post(reverse("accounts:password_reset"), {"email": "zhangwei2025@example.cn"})
    form_page = client.get(link_in(mail.outbox[0]), follow=True)

    refused = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "zhangwei2025", "new_password2": "zhangwei2025"}
    )

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"new_password2": ["密码与您填写的电子邮箱太相似，请换一个。"]}
    assert "用户名" not in refused.content.decode()
    summary = refused.content.decode().split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert texts(summary, "li") == ["再次输入新密码：密码与您填写的电子邮箱太相似，请换一个。"]


# -- organizer invitations --------------------------------------------------------------------------


@pytest.fixture
def organization(db) -> Organization:
    return Organization.objects.create(name="宁波市经济和信息化局")


def _invite(client, organization, django_capture_on_commit_callbacks, email="Staff@NB.gov.cn") -> str:
    client.force_login(superuser())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invitation_list"), {"email": email, "organization": organization.pk}
        )
    assert response.status_code == 302
    client.logout()
    return link_in(mail.outbox[-1])


def test_invitation_stores_only_the_token_hash_and_mails_the_link(
    client, organization, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2024, 7, 1, 9, tzinfo=SHANGHAI), tick=False):
        link = _invite(client, organization, django_capture_on_commit_callbacks)

    invitation = Invitation.objects.get()
    token = link.removeprefix("/accounts/invite/").rstrip("/")
    assert (invitation.email, invitation.organization, invitation.status) == (
        "staff@nb.gov.cn", organization, InvitationStatus.PENDING,
    )  # fmt: skip
    assert invitation.token_hash == Invitation.hash_token(token)
    assert token not in str(AuditRecord.objects.get(action="accounts.invitation.created").data)
    assert invitation.expires_at == datetime(2024, 7, 15, 9, tzinfo=SHANGHAI)
    assert mail.outbox[-1].to == ["staff@nb.gov.cn"]


def test_invitee_signs_up_and_accepts_to_become_organizer(
    client, organization, django_capture_on_commit_callbacks
):
    link = _invite(client, organization, django_capture_on_commit_callbacks)

    page = client.get(link)
    assert texts(page, "a", class_="button") == ["注册新账号", "登录已有账号"]
    signup = sign_up(client, "staff@nb.gov.cn", next=link)
    assert signup["Location"] == link
    accept = client.post(link)

    invitee = User.objects.get(username="staff@nb.gov.cn")
    assert accept.status_code == 302
    assert list(Role.objects.filter(user=invitee).values_list("kind", "organization")) == [
        (RoleKind.ORGANIZER, organization.pk)
    ]
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, invitee)
    invitee.refresh_from_db()
    assert invitee.email_verified_at is not None  # the link reached that mailbox
    assert client.get(link).status_code == 410


def test_invitation_accepted_twice_or_after_14_days_is_refused(
    organization, django_capture_on_commit_callbacks
):
    secretariat = superuser()
    start = datetime(2024, 7, 1, 9, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.invite_organizer(
            by=secretariat, email="a@nb.gov.cn", organization=organization, site_url=SITE
        )
        services.invite_organizer(
            by=secretariat, email="b@nb.gov.cn", organization=organization, site_url=SITE
        )
    first, second = (link_in(m).removeprefix("/accounts/invite/").rstrip("/") for m in mail.outbox)

    with time_machine.travel(start + timedelta(days=13), tick=False):
        services.accept_invitation(token=first, by=user())
        with pytest.raises(Conflict, match="此邀请已被接受，不能再次使用。"):
            services.accept_invitation(token=first, by=user())
    with time_machine.travel(start + timedelta(days=14), tick=False), pytest.raises(Closed) as exc:
        services.accept_invitation(token=second, by=user())

    assert exc.value.message == "此邀请已过期，请联系大赛秘书处重新邀请。"
    assert Role.objects.filter(kind=RoleKind.ORGANIZER).count() == 1


def test_revoked_invitation_cannot_be_accepted(client, organization, django_capture_on_commit_callbacks):
    link = _invite(client, organization, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client.force_login(superuser())
    client.post(reverse("accounts:revoke_invitation", args=[invitation.pk]))
    client.force_login(user())

    response = client.post(link)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert response.status_code == 410
    assert texts(response, "p", class_="invitation-problem") == ["此邀请已被秘书处撤销。"]
    assert Role.objects.count() == 0


def test_accepting_an_invitation_records_one_audit_record_with_the_status_change(
    organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_organizer(
            by=superuser(), email="staff@nb.gov.cn", organization=organization, site_url=SITE
        )
    token = link_in(mail.outbox[-1]).removeprefix("/accounts/invite/").rstrip("/")
    invitee = user(email="staff@nb.gov.cn")

    role = services.accept_invitation(token=token, by=invitee)

    record = AuditRecord.objects.get(action="accounts.invitation.accepted")
    assert record.data == {
        "before": "pending", "after": "accepted", "role": role.pk, "kind": "organizer",
        "organization": organization.pk, "email_verified": True,
    }  # fmt: skip
    assert record.actor == invitee


def test_revoking_an_invitation_records_the_status_change_and_refuses_a_second_time(organization):
    secretariat = superuser()
    invitation = services.invite_organizer(
        by=secretariat, email="staff@nb.gov.cn", organization=organization, site_url=SITE
    )

    services.revoke_invitation(by=secretariat, invitation=invitation)
    with pytest.raises(Conflict) as exc:
        services.revoke_invitation(by=secretariat, invitation=invitation)

    assert exc.value.message == "此邀请状态为“已撤销”，不能撤销。"
    assert [r.data for r in AuditRecord.objects.filter(action="accounts.invitation.revoked")] == [
        {"before": "pending", "after": "revoked"}
    ]


def test_invitation_list_answers_404_before_405_to_anyone_but_the_secretariat(client, organization):
    client.force_login(user())

    responses = [
        client.put(reverse("accounts:invitation_list")),
        client.get(reverse("accounts:revoke_invitation", args=[1])),
    ]

    assert [r.status_code for r in responses] == [404, 404]


def test_unknown_invitation_token_is_404(client):
    assert client.get(reverse("accounts:accept_invitation", args=["no-such-token"])).status_code == 404


@pytest.mark.parametrize("who", ["entrant", "organizer"])
def test_invitation_pages_are_404_for_anyone_but_the_secretariat(client, organization, who):
    person = user()
    if who == "organizer":
        Role.objects.create(user=person, kind=RoleKind.ORGANIZER, organization=organization)
    client.force_login(person)
    invitation = Invitation.objects.create(
        email="x@nb.gov.cn", organization=organization, token_hash="0" * 64, invited_by=superuser(),
        expires_at=datetime(2030, 1, 1, tzinfo=SHANGHAI),
    )  # fmt: skip

    responses = [
        client.get(reverse("accounts:invitation_list")),
        client.post(
            reverse("accounts:invitation_list"), {"email": "y@nb.gov.cn", "organization": organization.pk}
        ),
        client.post(reverse("accounts:revoke_invitation", args=[invitation.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert Invitation.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.invite_organizer(by=person, email="y@nb.gov.cn", organization=organization, site_url=SITE)


def test_invitation_list_shows_status_and_refuses_existing_organizers(client, organization):
    secretariat = superuser()
    staff = user(email="staff@nb.gov.cn")
    Role.objects.create(user=staff, kind=RoleKind.ORGANIZER, organization=organization)
    services.invite_organizer(by=secretariat, email="new@nb.gov.cn", organization=organization, site_url=SITE)
    client.force_login(secretariat)

    page = client.get(reverse("accounts:invitation_list"))
    response = client.post(
        reverse("accounts:invitation_list"), {"email": "STAFF@nb.gov.cn", "organization": organization.pk}
    )

    expires = Invitation.objects.get().expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert texts(page, "td") == ["new@nb.gov.cn", "宁波市经济和信息化局", "待接受", expires, "撤销"]
    assert field_errors(response) == ["staff@nb.gov.cn 已是“宁波市经济和信息化局”的组织方。"]
    assert Invitation.objects.count() == 1


def test_invite_organizer_refuses_a_malformed_address(organization):
    with pytest.raises(FieldErrors) as exc:
        services.invite_organizer(by=superuser(), email="nope", organization=organization, site_url=SITE)
    assert exc.value.fields == {"email": "电子邮箱格式不正确。"}


# -- navigation -----------------------------------------------------------------------------------


def test_header_links_depend_on_who_is_signed_in(client, organization):
    anonymous = texts(client.get(reverse("accounts:login")), "a")
    entrant = user()
    client.force_login(entrant)
    as_entrant = texts(client.get(reverse("registration:entry_list")), "a")
    Role.objects.create(user=entrant, kind=RoleKind.ORGANIZER, organization=organization)
    as_organizer = texts(client.get(reverse("registration:entry_list")), "a")

    assert [t for t in anonymous if t in ("登录", "注册", "我的报名", "退出")] == ["登录", "注册", "注册"]
    assert [t for t in as_entrant if t in ("我的报名", "组织方后台", "退出", "登录")] == ["我的报名", "退出"]
    # an organizer's header leads to the console, not to an entrant's "my entries"
    assert [t for t in as_organizer if t in ("我的报名", "组织方后台", "退出")] == ["组织方后台", "退出"]
