"""An entrant's personal data: a copy to download, erasure at once or after confirmation (issue 10)."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from contest.accounts.models import User
from contest.catalog.models import Event
from contest.core.errors import Conflict, NotFound, ValidationFailed
from contest.core.models import AuditRecord
from contest.core.privacy_models import ErasureRequest
from contest.registration import services
from contest.registration.models import Enterprise, Entry, MakerTeam, Submission, TeamMember
from contest.registration.services import personal_data

from .factories import (
    ENTRY,
    complete_entry,
    enterprise_owner,
    organizer_for,
    pdf_bytes,
    submitted_entry,
    user,
)

pytestmark = pytest.mark.django_db


def maker_team_entry(event, *, submit: bool):
    owner = user()
    services.save_team(by=owner, data={"name": "甬江创客队", "leader_name": "陈晨", "leader_phone": "13600000001",
                                       "division": "330200", "declares_not_enterprise": True},
                       members=[{"name": "李雷", "role": "算法", "phone": "13600000002", "affiliation": "宁波大学"}])  # fmt: skip
    entry = services.create_entry(by=owner, event=event, group_code="maker", data={"title": "海洋垃圾识别"})
    services.update_entry(by=owner, entry=entry, data={**ENTRY, "title": "海洋垃圾识别"},
                          business_plan=("计划书.pdf", pdf_bytes()))  # fmt: skip
    if submit:
        services.submit_entry(by=owner, entry=entry)
    return owner, entry


# -- the copy -----------------------------------------------------------------------------------------------


def test_download_holds_the_profile_entries_receipts_and_file_list(client, ningbo):
    entry = submitted_entry(ningbo)
    owner = entry.owner
    client.force_login(owner)
    response = client.get(reverse("registration:privacy_download"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    receipt = Submission.objects.get(entry=entry)
    assert data["account"]["username"] == owner.username
    assert (data["enterprise"]["contact_name"], data["enterprise"]["contact_phone"]) == (
        "张伟",
        "+8613812345678",
    )
    (item,) = data["entries"]
    assert (item["number"], item["title"], item["status"]) == (
        entry.number,
        "工业视觉缺陷检测平台",
        "submitted",
    )
    when = DjangoJSONEncoder().default(receipt.submitted_at)
    assert item["receipts"] == [{"number": receipt.number, "submitted_at": when, "sha256": receipt.sha256}]
    assert item["files"] == [{"kind": "business_plan", "name": "计划书.pdf", "size": entry.business_plan_size,
                              "pages": entry.business_plan_pages, "sha256": entry.business_plan_sha256}]  # fmt: skip
    assert AuditRecord.objects.filter(action="privacy.data.exported").get().data == {"entries": 1}


def test_download_needs_sign_in(client, db):
    response = client.get(reverse("registration:privacy_download"))
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)


# -- erasure at once ------------------------------------------------------------------------------------------


def test_an_account_with_nothing_submitted_is_erased_at_once(client, ningbo):
    draft = complete_entry(ningbo)
    owner = draft.owner
    client.force_login(owner)
    refused = client.post(reverse("registration:privacy"), {})
    assert refused.context["form"].errors["confirm"] == ["请勾选确认后再申请删除。"]
    response = client.post(reverse("registration:privacy"), {"confirm": "on"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["您的个人信息已删除，账号已停用。"]
    owner.refresh_from_db()
    assert (owner.username, owner.email, owner.phone, owner.display_name, owner.is_active,
            owner.has_usable_password()) == (f"erased-{owner.pk}", None, None, "", False, False)  # fmt: skip
    enterprise = Enterprise.objects.get(owner=owner)
    assert (enterprise.contact_name, enterprise.contact_phone, enterprise.name) == (
        "",
        "",
        "宁波创新科技有限公司",
    )
    draft.refresh_from_db()
    assert (draft.team_description, draft.title) == ("", "工业视觉缺陷检测平台")
    request = ErasureRequest.objects.get(user=owner)
    assert (request.status, request.decided_by, request.summary["entries_cleared"]) == (
        "done",
        owner,
        [draft.pk],
    )
    assert list(AuditRecord.objects.filter(action__startswith="privacy.erasure").values_list("action", flat=True)
                .order_by("seq")) == ["privacy.erasure.requested", "privacy.erasure.done"]  # fmt: skip
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("registration:privacy")).status_code == 302  # signed out


def test_a_maker_team_with_nothing_submitted_loses_its_members(ningbo):
    owner, _entry = maker_team_entry(ningbo, submit=False)
    request = personal_data.request_erasure(by=owner)
    team = MakerTeam.objects.get(owner=owner)
    assert (request.status, team.leader_name, team.leader_phone, team.members.count()) == ("done", "", "", 0)
    assert request.summary["team_members_deleted"] == 1


# -- erasure after confirmation ----------------------------------------------------------------------------


def test_an_account_with_submitted_entries_waits_for_the_organizer(client, ningbo, edition9):
    owner, entry = maker_team_entry(ningbo, submit=True)
    request = personal_data.request_erasure(by=owner)
    owner.refresh_from_db()
    assert (request.status, owner.is_active) == ("pending", True)
    with pytest.raises(Conflict, match="您已提交删除申请"):
        personal_data.request_erasure(by=owner)
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    stranger = organizer_for(shenzhen)
    with pytest.raises(NotFound):
        personal_data.confirm_erasure(by=stranger, request=request)
    client.force_login(stranger)
    assert (
        client.post(reverse("privacy_console:decide", args=[request.pk]), {"action": "confirm"}).status_code
        == 404
    )
    organizer = organizer_for(ningbo)
    client.force_login(organizer)
    page = client.get(reverse("privacy_console:requests"))
    assert [r.pk for r, _label in page.context["rows"]] == [request.pk]
    response = client.post(
        reverse("privacy_console:decide", args=[request.pk]), {"action": "confirm"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["已删除该用户的个人信息。"]
    request.refresh_from_db()
    owner.refresh_from_db()
    entry.refresh_from_db()
    team = MakerTeam.objects.get(owner=owner)
    member = TeamMember.objects.get(team=team)
    assert (request.status, request.decided_by, owner.is_active) == ("done", organizer, False)
    assert (team.leader_name, team.leader_phone, member.name, member.phone) == ("陈*", "", "李雷", "")
    assert (entry.status, entry.team_description, Submission.objects.filter(entry=entry).count()) == (
        "submitted",
        "博士团队",
        1,
    )
    assert request.summary["entries_kept"] == [entry.pk]


def test_refusing_an_erasure_needs_a_reason_and_keeps_the_account(ningbo):
    entry = submitted_entry(ningbo)
    request = personal_data.request_erasure(by=entry.owner)
    organizer = organizer_for(ningbo)
    with pytest.raises(ValidationFailed, match="请填写不予删除的理由。"):
        personal_data.reject_erasure(by=organizer, request=request, reason=" ")
    personal_data.reject_erasure(by=organizer, request=request, reason="资格审查尚未结束")
    request.refresh_from_db()
    owner = User.objects.get(pk=entry.owner_id)
    assert (request.status, request.reason, owner.is_active) == ("rejected", "资格审查尚未结束", True)
    record = AuditRecord.objects.filter(action="privacy.erasure.rejected").get()
    assert (record.data["before"], record.data["after"], record.data["reason"]) == (
        "pending",
        "rejected",
        "资格审查尚未结束",
    )


def test_the_console_list_is_404_for_entrants(client, ningbo):
    client.force_login(enterprise_owner())
    assert client.get(reverse("privacy_console:requests")).status_code == 404
    assert Entry.objects.count() == 0


# -- masking in the organizer's export ----------------------------------------------------------------------


def test_entry_export_keeps_the_leader_s_phone_and_masks_team_members(client, ningbo):
    import io

    from openpyxl import load_workbook

    _owner, entry = maker_team_entry(ningbo, submit=True)
    entry.refresh_from_db()
    client.force_login(organizer_for(ningbo))
    response = client.get(reverse("console:entry_export", args=[ningbo.pk]))
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["报名编号"], row["负责人手机"], row["团队成员"]) == (
        entry.number,
        "13600000001",
        "李雷（算法，136****0002）",
    )
