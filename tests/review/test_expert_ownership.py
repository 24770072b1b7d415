"""The national expert pool: everyone reads it, only its owners change an expert, and invitations
go only to an address the expert confirmed (issue 10, item 10)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Event
from contest.core import audit
from contest.core.errors import NotFound, PermissionDenied, ValidationFailed
from contest.core.models import AuditRecord
from contest.core.privacy import mask_phone as privacy_mask
from contest.review import services
from contest.review.models import Expert

from ..registration.factories import organizer_for, user
from .factories import expert

ATTACKER_MAIL = "attacker@evil.example"


@pytest.fixture
def pool(ningbo, edition9):
    """An expert added (and confirmed) by 宁波's organizer; 深圳's organizer also uses the pool."""
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    owner = organizer_for(ningbo)
    e = expert(owner, name="林晓峰", with_user=False)
    services.verify_expert_email(token=services.expert_verification_token(e))
    e.refresh_from_db()
    return {"owner": owner, "other": organizer_for(shenzhen), "expert": e}


def form_data(e: Expert, **changes) -> dict:
    data = {"name": e.name, "organization_name": e.organization_name, "title": e.title, "kind": e.kind,
            "expertise": e.expertise, "regions": e.regions, "phone": e.phone[3:], "email": e.email}  # fmt: skip
    return {**data, **changes}


def test_expert_belongs_to_the_organization_of_the_organizer_who_added_it(pool, ningbo):
    added = AuditRecord.objects.get(action="review.expert.added", object_id=str(pool["expert"].pk))
    owner_org = ningbo.roles.first().organization_id
    assert (pool["expert"].owner_organization_id, added.data["owner_organization"]) == (owner_org, owner_org)


def test_another_event_s_organizer_cannot_take_over_an_expert_by_changing_the_e_mail(client, pool):
    e, other = pool["expert"], pool["other"]
    client.force_login(other)
    before = AuditRecord.objects.count()
    edit = client.post(reverse("review:expert_edit", args=[e.pk]), form_data(e, email=ATTACKER_MAIL))
    assert edit.status_code == 403
    assert "只有添加该专家的单位、大赛秘书处或专家本人可以修改专家信息。" in edit.content.decode()
    assert client.get(reverse("review:expert_edit", args=[e.pk])).status_code == 403
    e.refresh_from_db()
    assert (e.email, e.email_verified_at is not None, AuditRecord.objects.count()) == (
        pool["expert"].email,
        True,
        before,
    )
    # the pool is still theirs to use: inviting sends the link to the expert's own, verified address
    with pytest.raises(PermissionDenied, match="只有添加该专家的单位"):
        services.update_expert(by=other, expert=e, data=form_data(e, email=ATTACKER_MAIL))
    person = services.invite_expert(by=other, expert=e)
    assert person.email == e.email
    assert get_user_model().objects.filter(email__iexact=ATTACKER_MAIL).exists() is False


def test_the_takeover_mail_goes_only_to_the_expert_s_confirmed_address(
    client, pool, django_capture_on_commit_callbacks
):
    e, other = pool["expert"], pool["other"]
    client.force_login(other)
    client.post(reverse("review:expert_edit", args=[e.pk]), form_data(e, email=ATTACKER_MAIL))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:expert_invite", args=[e.pk]), follow=True)
    assert [m.to for m in mail.outbox] == [[e.email]]
    masked = f"{e.email[0]}***@example.cn"  # the inviting organization does not own the expert
    assert [str(m) for m in response.context["messages"]] == [
        f"已为“林晓峰”开通评审账号（judge-{e.pk}），设置密码的链接已发送到 {masked}。"
    ]


def test_a_stranger_gets_404_from_the_services(pool):
    e = pool["expert"]
    with pytest.raises(NotFound):
        services.update_expert(by=user(), expert=e, data=form_data(e))
    with pytest.raises(NotFound):
        services.send_expert_verification(by=user(), expert=e)


def test_owner_changes_the_e_mail_which_must_be_confirmed_before_an_invitation(
    client, pool, django_capture_on_commit_callbacks
):
    e, owner = pool["expert"], pool["owner"]
    verified_at, original_email = e.email_verified_at, e.email
    old_token = services.expert_verification_token(e)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review:expert_edit", args=[e.pk]), form_data(e, email="lin@nimte.ac.cn")
        )
    assert response.status_code == 302
    e.refresh_from_db()
    assert (e.email, e.email_verified_at) == ("lin@nimte.ac.cn", None)
    record = AuditRecord.objects.filter(action="review.expert.updated").get()
    assert record.data == {
        "changes": {
            "email": {"before": original_email, "after": "lin@nimte.ac.cn"},
            "email_verified_at": {"before": audit.jsonable(verified_at), "after": None},
        }
    }
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["lin@nimte.ac.cn"], "【创客中国】请确认您的专家联系邮箱")
    with pytest.raises(ValidationFailed, match="专家的邮箱尚未验证"):
        services.invite_expert(by=owner, expert=e)
    with pytest.raises(ValidationFailed, match="该邮箱已不是专家的联系邮箱"):
        services.verify_expert_email(token=old_token)
    # the expert opens the link: GET asks (masked address), POST confirms
    link = re.search(r"http://testserver(/experts/email/\S+/)", message.body).group(1)
    client.logout()
    page = client.get(link)
    assert (page.status_code, "l***@nimte.ac.cn" in page.content.decode()) == (200, True)
    e.refresh_from_db()
    assert e.email_verified_at is None
    done = client.post(link)
    assert (done.status_code, "已确认为您的专家联系邮箱" in done.content.decode()) == (200, True)
    e.refresh_from_db()
    assert e.email_verified_at is not None
    assert AuditRecord.objects.filter(action="review.expert.email_verified").last().data["email"] == (
        "lin@nimte.ac.cn"
    )
    with django_capture_on_commit_callbacks(execute=True):
        person = services.invite_expert(by=owner, expert=e)
    assert (person.email, mail.outbox[-1].to) == ("lin@nimte.ac.cn", ["lin@nimte.ac.cn"])


def test_a_forged_link_confirms_nothing(client, pool):
    response = client.post(reverse("experts:verify_email", args=["not-a-token"]))
    assert (response.status_code, "验证链接无效。" in response.content.decode()) == (400, True)


def test_changing_the_phone_clears_its_verification_and_is_audited(pool):
    e, owner = pool["expert"], pool["owner"]
    Expert.objects.filter(pk=e.pk).update(phone_verified_at="2026-01-01T00:00:00Z")
    e.refresh_from_db()
    original_phone = e.phone
    services.update_expert(by=owner, expert=e, data=form_data(e, phone="13700001111"))
    e.refresh_from_db()
    changes = AuditRecord.objects.filter(action="review.expert.updated").get().data["changes"]
    assert (e.phone, e.phone_verified_at, e.email_verified_at is not None) == ("+8613700001111", None, True)
    assert changes["phone"] == {"before": original_phone, "after": "+8613700001111"}
    assert changes["phone_verified_at"]["after"] is None
    assert sorted(changes) == ["phone", "phone_verified_at"]


def test_secretariat_and_the_expert_themself_may_change_the_expert(pool, edition9):
    e = pool["expert"]
    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)
    services.update_expert(by=secretariat, expert=e, data=form_data(e, title="研究员"))
    person = user()
    Expert.objects.filter(pk=e.pk).update(user=person)
    e.refresh_from_db()
    services.update_expert(by=person, expert=e, data=form_data(e, title="研究员、博导"))
    e.refresh_from_db()
    assert e.title == "研究员、博导"
    assert [
        r.actor_id for r in AuditRecord.objects.filter(action="review.expert.updated").order_by("seq")
    ] == [secretariat.pk, person.pk]


def test_an_expert_added_by_the_secretariat_is_changed_only_by_the_secretariat(ningbo, edition9):
    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)
    e = expert(secretariat, with_user=False)
    assert e.owner_organization_id is None
    with pytest.raises(PermissionDenied):
        services.update_expert(by=organizer_for(ningbo), expert=e, data=form_data(e, title="x"))


def test_import_cannot_change_another_organization_s_expert(pool):
    e, other = pool["expert"], pool["other"]
    row = {"row": 2, "name": e.name, "organization_name": e.organization_name, "title": "", "expertise": "I",
           "regions": "330000", "kind": "技术", "phone": e.phone[3:], "email": ATTACKER_MAIL}  # fmt: skip
    with pytest.raises(services.ExpertImportRefused) as exc:
        services.import_experts(by=other, rows=[row])
    assert exc.value.errors == ["第 2 行“手机”：该手机号的专家由其他单位维护，不能通过导入修改其信息。"]
    same = {**row, "email": e.email}
    report = services.import_experts(by=other, rows=[same])
    assert [r.action for r in report.rows] == ["unchanged"]
    e.refresh_from_db()
    assert e.email != ATTACKER_MAIL


def test_import_by_the_owner_clears_the_verification_of_a_changed_e_mail(pool):
    e, owner = pool["expert"], pool["owner"]
    row = {"row": 2, "name": e.name, "organization_name": e.organization_name, "title": "", "expertise": "I",
           "regions": "330000", "kind": "技术", "phone": e.phone[3:], "email": "new@example.cn"}  # fmt: skip
    report = services.import_experts(by=owner, rows=[row], source_name="专家.xlsx")
    e.refresh_from_db()
    assert ([r.action for r in report.rows], e.email, e.email_verified_at) == (
        ["updated"],
        "new@example.cn",
        None,
    )
    record = AuditRecord.objects.filter(action="review.expert.updated").get()
    assert (record.data["source"], record.data["changes"]["email"]["after"]) == (
        "专家.xlsx",
        "new@example.cn",
    )


def test_invitation_never_links_an_account_by_the_unverified_mobile(pool):
    e, other = pool["expert"], pool["other"]
    squatter = user("squatter", phone=e.phone)
    person = services.invite_expert(by=other, expert=e)
    assert (person == squatter, person.email, person.phone) == (False, e.email, None)


def test_expert_list_masks_contacts_for_organizations_that_do_not_own_the_expert(client, pool):
    e = pool["expert"]
    client.force_login(pool["other"])
    html = client.get(reverse("review:expert_list")).content.decode()
    local = e.email.split("@")[0]
    assert (f"139****{e.phone[-4:]}" in html, e.phone in html, f"{local[0]}***@example.cn" in html) == (
        True,
        False,
        True,
    )
    assert reverse("review:expert_edit", args=[e.pk]) not in html
    client.force_login(pool["owner"])
    html = client.get(reverse("review:expert_list")).content.decode()
    assert (e.phone in html, e.email in html, reverse("review:expert_edit", args=[e.pk]) in html) == (
        True,
        True,
        True,
    )


def test_an_unverified_expert_offers_the_verification_mail_not_the_invitation(
    client, ningbo, django_capture_on_commit_callbacks
):
    owner = organizer_for(ningbo)
    e = expert(owner, name="高远", with_user=False)
    client.force_login(owner)
    html = client.get(reverse("review:expert_list")).content.decode()
    assert reverse("review:expert_send_verification", args=[e.pk]) in html
    assert reverse("review:expert_invite", args=[e.pk]) not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:expert_send_verification", args=[e.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "验证邮件已发送给“高远”；专家打开其中的链接后即可邀请开通评审账号。"
    ]
    assert [m.to for m in mail.outbox] == [[e.email]]
    assert AuditRecord.objects.filter(action="review.expert.verification_sent").get().data == {
        "email": e.email
    }


# -- a judge's view of an entry -----------------------------------------------------------------------------


def test_a_judge_never_sees_the_entrant_s_contact_details_and_only_their_own_assignments(client, ningbo):
    from .factories import qualified_entries
    from .judging import assignment_of, judging_round

    entries, organizer = qualified_entries(ningbo, 2)
    judges = [expert(organizer, name="王芳"), expert(organizer, name="李强")]
    round_ = judging_round(ningbo, organizer, entries=entries, judges=judges, pairs=[(0, 0), (1, 1)])
    mine, theirs = assignment_of(round_, entries[0], judges[0]), assignment_of(round_, entries[1], judges[1])
    client.force_login(judges[0].user)
    html = client.get(reverse("judge:entry", args=[round_.pk, mine.round_entry.code])).content.decode()
    contact = entries[0].enterprise.contact_phone
    assert (
        contact[3:] in html,
        privacy_mask(contact) in html,
        entries[0].enterprise.contact_name in html,
    ) == (False, False, False)
    assert client.get(reverse("judge:entry", args=[round_.pk, theirs.round_entry.code])).status_code == 404


def test_the_migration_gives_existing_experts_the_organization_of_whoever_added_them(ningbo):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("contest.review.migrations.0003_expert_ownership_and_verification")
    owner = organizer_for(ningbo)
    e = expert(owner, with_user=True)
    Expert.objects.filter(pk=e.pk).update(owner_organization=None, email_verified_at=None)
    e.user.email, e.user.email_verified_at = e.email.upper(), "2026-01-02T03:04:05Z"
    e.user.save()
    migration.backfill(apps, None)
    e.refresh_from_db()
    assert (e.owner_organization_id, e.email_verified_at.isoformat()) == (
        ningbo.roles.first().organization_id,
        "2026-01-02T03:04:05+00:00",
    )
