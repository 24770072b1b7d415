"""Bulk intake of entries from outside (event packages, the portal API): both groups, files checked
as online uploads, idempotent, all or nothing."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from pypdf import PdfWriter

from contest.catalog.models import Event
from contest.core.audit import verify_chain
from contest.core.errors import Closed, PermissionDenied, ValidationFailed
from contest.core.models import AuditRecord
from contest.registration import services
from contest.registration.enums import RuleKind
from contest.registration.models import (
    EligibilityRule,
    Enterprise,
    Entry,
    EntryImage,
    MakerTeam,
    Submission,
    TeamMember,
)
from contest.registration.services.intake import (
    IntakeFile,
    IntakeItem,
    IntakeRefused,
    check_items,
    entry_content_sha256,
    write_items,
)

from .factories import (
    credit_code,
    enterprise_owner,
    open_registration,
    organizer_for,
    pdf_bytes,
    submitted_entry,
)

pytestmark = pytest.mark.integration

CODE_A = credit_code("330203", body="MA2CKNT01")
CODE_B = credit_code("330212", body="MA2CKNT02")
CONTROL = "含有不可见的控制字符，请删除后重试。"


def enterprise_fields(**overrides) -> dict:
    fields = {
        "name": "宁波海曙智造科技有限公司", "credit_code": CODE_A, "founded_on": "2019-03-15",
        "registered_capital": "800", "employees": 56, "revenue_last_year": "4200.5", "is_listed": "否",
        "industry": "制造业", "sme_status": "专精特新中小企业", "contact_name": "王芳",
        "contact_phone": "13905741234", "title": "注塑机能耗优化系统", "summary": "以边缘计算降低注塑机能耗。",
        "innovation": "自适应温控算法", "market": "", "business_model": "", "team_description": "",
        "funding_sought": "", "pitch_video_url": "",
    }  # fmt: skip
    fields.update(overrides)
    return fields


def maker_fields(**overrides) -> dict:
    fields = {
        "team_name": "甬江青年创客", "leader_name": "李雷", "leader_phone": "13812340001",
        "declares_not_enterprise": "是", "title": "海水淡化膜清洗机器人", "industry": "C",
        "summary": "自动清洗反渗透膜组件。", "innovation": "", "market": "", "business_model": "",
        "team_description": "", "funding_sought": "50", "pitch_video_url": "",
    }  # fmt: skip
    fields.update(overrides)
    return fields


MEMBERS = [
    {"name": "韩梅梅", "role": "算法", "phone": "13812340002", "affiliation": "宁波大学"},
    {"name": "王强", "role": "", "phone": "13812340003", "affiliation": ""},
]


def pdf_file(name="计划书.pdf", data: bytes | None = None) -> IntakeFile:
    data = pdf_bytes() if data is None else data
    return IntakeFile(name=name, size=len(data), read=lambda: data)


def png_file(name="产品.png", color=(200, 10, 10)) -> IntakeFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    data = buffer.getvalue()
    return IntakeFile(name=name, size=len(data), read=lambda: data)


def enterprise_item(key="企业组 第 2 行", plan=None, images=(), **overrides) -> IntakeItem:
    return IntakeItem(key=key, group="enterprise", fields=enterprise_fields(**overrides),
                      business_plan=plan, images=list(images))  # fmt: skip


def maker_item(key="创客组 第 2 行", members=MEMBERS, plan=None, images=(), **overrides) -> IntakeItem:
    return IntakeItem(key=key, group="maker", fields=maker_fields(**overrides), members=list(members),
                      business_plan=plan, images=list(images))  # fmt: skip


def problems(outcomes) -> list[tuple[str, str, str]]:
    return [(p.key, p.column, p.message) for o in outcomes for p in o.problems]


# -- enterprise group -----------------------------------------------------------------------------


def test_write_items_creates_a_submitted_enterprise_entry_with_its_files(ningbo):
    organizer = organizer_for(ningbo)
    plan = pdf_file()
    outcomes = write_items(by=organizer, event=ningbo, items=[enterprise_item(plan=plan, images=[png_file()])],
                           source="package")  # fmt: skip

    assert [(o.key, o.action, o.problems) for o in outcomes] == [("企业组 第 2 行", "created", [])]
    entry = Entry.objects.get()
    assert outcomes[0].entry == entry
    assert (entry.status, entry.source, entry.title, entry.industry, entry.event_id) == (
        "submitted", "package", "注塑机能耗优化系统", "C", ningbo.pk,
    )  # fmt: skip
    assert entry.number == f"CK9-R30-{entry.pk:06d}"
    with entry.business_plan.open("rb") as stored:
        assert (entry.business_plan_name, entry.business_plan_pages, stored.read()) == (
            "计划书.pdf", 2, plan.read(),
        )  # fmt: skip
    assert list(entry.images.values_list("name", "extension")) == [("产品.png", ".png")]
    enterprise = entry.enterprise
    assert (enterprise.name, enterprise.credit_code, enterprise.division.name, enterprise.employees) == (
        "宁波海曙智造科技有限公司", CODE_A, "宁波市", 56,
    )  # fmt: skip
    assert (str(enterprise.revenue_last_year), enterprise.sme_status, enterprise.division_confirmed) == (
        "4200.50", "srdi", True,
    )  # fmt: skip
    owner = entry.owner
    assert (owner.username, owner.is_active, owner.has_usable_password()) == (
        f"import-{CODE_A}",
        False,
        False,
    )
    receipt = Submission.objects.get(entry=entry)
    assert (receipt.number, receipt.manifest["source"], receipt.sha256) == (
        f"{entry.number}-1", "package", entry.content_sha256,
    )  # fmt: skip
    assert [f["sha256"] for f in receipt.manifest["files"]] == [
        entry.business_plan_sha256, entry.images.get().sha256,
    ]  # fmt: skip
    assert list(entry.transitions.values_list("from_status", "to_status", "actor_id", "reason")) == [
        ("draft", "submitted", organizer.pk, "赛事报名包导入")
    ]
    assert outcomes[0].content_sha256 == entry_content_sha256(entry)


def test_check_items_writes_nothing(ningbo):
    records = AuditRecord.objects.count()
    outcomes = check_items(event=ningbo, items=[enterprise_item(plan=pdf_file()), maker_item()])
    assert [(o.action, o.problems, o.entry) for o in outcomes] == [
        ("created", [], None),
        ("created", [], None),
    ]
    assert all(len(o.content_sha256) == 64 for o in outcomes)
    assert (Entry.objects.count(), Enterprise.objects.count(), MakerTeam.objects.count()) == (0, 0, 0)
    assert AuditRecord.objects.count() == records
    assert not get_user_model().objects.filter(username__startswith="import-").exists()


def test_write_items_for_an_enterprise_with_an_account_keeps_its_owner_and_profile(ningbo):
    owner = enterprise_owner("330203", credit_code=CODE_A, name="宁波海曙智造科技有限公司")
    outcomes = write_items(by=None, event=ningbo, items=[enterprise_item(employees=999)], source="portal")
    entry = Entry.objects.get()
    assert (outcomes[0].action, entry.owner, entry.enterprise.employees, entry.source) == (
        "created", owner, 45, "portal",
    )  # fmt: skip
    assert not get_user_model().objects.filter(username__startswith="import-").exists()
    assert outcomes[0].content_sha256 == entry_content_sha256(entry)
    again = write_items(by=None, event=ningbo, items=[enterprise_item(employees=999)], source="portal")
    assert again[0].action == "unchanged"  # the account's own profile is not the portal's to change


# -- maker group -----------------------------------------------------------------------------------


def test_write_items_creates_a_maker_team_with_members_and_a_placeholder_owner(ningbo):
    outcomes = write_items(by=None, event=ningbo, items=[maker_item(plan=pdf_file())], source="portal")

    assert [(o.action, o.problems) for o in outcomes] == [("created", [])]
    entry = Entry.objects.get()
    team = entry.team
    assert (team.name, team.leader_name, team.leader_phone, team.declares_not_enterprise, team.division.name) == (
        "甬江青年创客", "李雷", "+8613812340001", True, "宁波市",
    )  # fmt: skip
    assert list(TeamMember.objects.filter(team=team).values_list("name", "role", "phone", "affiliation", "order")) == [
        ("韩梅梅", "算法", "+8613812340002", "宁波大学", 0),
        ("王强", "", "+8613812340003", "", 1),
    ]  # fmt: skip
    assert (entry.status, entry.group.code, entry.credit_code, entry.industry, str(entry.funding_sought)) == (
        "submitted", "maker", None, "C", "50.00",
    )  # fmt: skip
    assert (entry.owner.username, entry.owner.is_active, entry.owner.has_usable_password()) == (
        "import-team-8613812340001", False, False,
    )  # fmt: skip
    assert services.PLACEHOLDER_PREFIX == "import-"  # the same prefix: a placeholder of either group
    receipt = entry.submissions.get()
    assert (receipt.manifest["entrant"], receipt.manifest["group"], receipt.sha256) == (
        f"team:{team.pk}", "maker", entry.content_sha256,
    )  # fmt: skip
    assert outcomes[0].content_sha256 == entry_content_sha256(entry)


def test_write_items_maker_team_is_found_again_by_leader_phone_and_title(ningbo):
    write_items(by=None, event=ningbo, items=[maker_item()], source="portal")
    same = write_items(
        by=None, event=ningbo, items=[maker_item(leader_phone="138 1234 0001")], source="package"
    )
    assert same[0].action == "unchanged"

    changed = [{**MEMBERS[0], "role": "算法与硬件"}]
    outcomes = write_items(by=None, event=ningbo, items=[maker_item(members=changed, summary="新版简介。")],
                           source="portal")  # fmt: skip
    entry = Entry.objects.get()
    assert (outcomes[0].action, entry.summary, entry.version, entry.status) == (
        "updated",
        "新版简介。",
        2,
        "submitted",
    )
    assert list(entry.team.members.values_list("name", "role")) == [("韩梅梅", "算法与硬件")]
    assert list(entry.submissions.values_list("number", flat=True)) == [
        f"{entry.number}-1",
        f"{entry.number}-2",
    ]
    assert (MakerTeam.objects.count(), Entry.objects.count()) == (1, 1)
    assert outcomes[0].content_sha256 == entry_content_sha256(entry)


def test_write_items_team_with_another_title_is_refused(ningbo):
    write_items(by=None, event=ningbo, items=[maker_item()], source="portal")
    with pytest.raises(IntakeRefused) as exc:
        write_items(by=None, event=ningbo, items=[maker_item(title="另一个项目")], source="portal")
    assert problems(exc.value.outcomes) == [
        ("创客组 第 2 行", "title", "该团队本届已在“第九届“创客中国”宁波市中小企业创新创业大赛”报名项目"
                                 "“海水淡化膜清洗机器人”，每个团队只能报名一个项目。"),
    ]  # fmt: skip


# -- idempotency -----------------------------------------------------------------------------------


def test_write_items_created_then_unchanged_then_updated(ningbo):
    organizer = organizer_for(ningbo)
    first = write_items(by=organizer, event=ningbo, items=[enterprise_item(plan=pdf_file(), images=[png_file()])],
                        source="package")  # fmt: skip
    entry = Entry.objects.get()
    old_plan = entry.business_plan.name
    records = AuditRecord.objects.filter(action__startswith="registration.entry").count()

    again = write_items(by=organizer, event=ningbo, items=[enterprise_item(plan=pdf_file(), images=[png_file()])],
                        source="package")  # fmt: skip
    assert [(o.action, o.entry, o.content_sha256) for o in again] == [
        ("unchanged", entry, first[0].content_sha256)
    ]
    assert (
        Entry.objects.count(),
        Enterprise.objects.count(),
        Submission.objects.count(),
        EntryImage.objects.count(),
    ) == (1, 1, 1, 1)
    assert AuditRecord.objects.filter(action__startswith="registration.entry").count() == records

    new_plan = pdf_file(data=pdf_bytes(pages=3))
    updated = write_items(by=organizer, event=ningbo, items=[
        enterprise_item(plan=new_plan, images=[png_file(color=(0, 0, 255))], employees=60, summary="改进后的简介。")
    ], source="package")  # fmt: skip
    entry.refresh_from_db()
    assert [o.action for o in updated] == ["updated"]
    assert (entry.summary, entry.enterprise.employees, entry.business_plan_pages, entry.version) == (
        "改进后的简介。", 60, 3, 2,
    )  # fmt: skip
    assert entry.business_plan.name != old_plan
    assert EntryImage.objects.get().sha256 == entry.images.get().sha256
    assert [s.manifest["files"][0]["pages"] for s in entry.submissions.order_by("pk")] == [2, 3]
    assert updated[0].content_sha256 == entry_content_sha256(entry) != first[0].content_sha256
    assert Enterprise.objects.count() == 1


def test_write_items_resubmits_a_returned_entry(ningbo):
    organizer = organizer_for(ningbo)
    write_items(by=organizer, event=ningbo, items=[enterprise_item()], source="portal")
    services.return_entry(by=organizer, entry=Entry.objects.get(), comment="请补充技术说明。")
    write_items(
        by=organizer, event=ningbo, items=[enterprise_item(innovation="已在三家工厂验证。")], source="portal"
    )
    entry = Entry.objects.get()
    assert (entry.status, entry.innovation) == ("resubmitted", "已在三家工厂验证。")
    assert list(entry.transitions.values_list("to_status", "reason")) == [
        ("submitted", "赛事报名网站推送"), ("returned", "请补充技术说明。"), ("resubmitted", "赛事报名网站推送更新"),
    ]  # fmt: skip


def test_write_items_cannot_change_a_decided_entry(ningbo):
    organizer = organizer_for(ningbo)
    write_items(by=organizer, event=ningbo, items=[enterprise_item()], source="portal")
    services.qualify_entry(by=organizer, entry=Entry.objects.get())
    assert check_items(event=ningbo, items=[enterprise_item()])[0].action == "unchanged"
    outcomes = check_items(event=ningbo, items=[enterprise_item(summary="新简介")])
    assert [(o.action, p.column, p.message) for o in outcomes for p in o.problems] == [
        ("invalid", "title", "该项目资格审查已有结论（资格审查通过），不能通过导入修改。")
    ]


def test_write_items_does_not_overwrite_an_online_registration(ningbo):
    owner = enterprise_owner("330203", credit_code=CODE_A, name="宁波海曙智造科技有限公司")
    submitted_entry(ningbo, owner, title="注塑机能耗优化系统")
    outcomes = check_items(event=ningbo, items=[enterprise_item()])
    assert problems(outcomes) == [
        ("企业组 第 2 行", "title", "该企业已在本平台在线报名此项目，导入不能覆盖在线报名。")
    ]


# -- problems: every one named by key and column; nothing written -------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"name": ""}, "name", "请填写企业名称。"),
        ({"credit_code": CODE_A[:-1] + ("1" if CODE_A[-1] == "0" else "0")}, "credit_code",
         "统一社会信用代码校验位不正确，请核对。"),
        ({"founded_on": "去年"}, "founded_on", "成立日期应为日期，格式 YYYY-MM-DD。"),
        ({"registered_capital": "八百"}, "registered_capital", "注册资本应为数字。"),
        ({"employees": "很多"}, "employees", "从业人数应为整数。"),
        ({"is_listed": "也许"}, "is_listed", "应填“是”或“否”。"),
        ({"industry": "Z"}, "industry", "应为国民经济行业分类门类的字母（A–T）或名称，如“C”或“制造业”。"),
        ({"contact_phone": "0574-8888888"}, "contact_phone", "请输入有效的中国大陆手机号。"),
        ({"title": "长" * 201}, "title", "项目名称不能超过 200 个字符（当前 201 个）。"),
        ({"summary": ""}, "summary", "请填写项目简介。"),
        ({"pitch_video_url": "ftp://x"}, "pitch_video_url", "路演视频链接应以 http:// 或 https:// 开头。"),
        ({"funding_sought": "1e400"}, "funding_sought", "融资需求应为数字。"),
        ({"summary": "正常\x00文本"}, "summary", CONTROL),
        ({"name": "宁波\x1b[31m公司"}, "name", CONTROL),
        ({"credit_code": "9133\x00"}, "credit_code", CONTROL),
        ({"colour": "red"}, "colour", "未知的字段。"),
        ({"employees": {"n": 1}}, "employees", "应为文本、数字、日期或是/否。"),
        ({"revenue_last_year": float("nan")}, "revenue_last_year", "应为文本、数字、日期或是/否。"),
        ({"market": "x" * 10_001}, "market", "内容过长（10001 个字符，上限 10000）。"),
    ],
)  # fmt: skip
def test_check_items_names_each_enterprise_problem(ningbo, overrides, column, message):
    outcomes = check_items(event=ningbo, items=[enterprise_item(**overrides)])
    assert [(o.action, o.entry) for o in outcomes] == [("invalid", None)]
    assert problems(outcomes) == [("企业组 第 2 行", column, message)]


@pytest.mark.parametrize(
    ("overrides", "members", "column", "message"),
    [
        ({"team_name": ""}, MEMBERS, "team_name", "请填写团队名称。"),
        ({"leader_phone": "12345"}, MEMBERS, "leader_phone", "请输入有效的中国大陆手机号。"),
        ({"declares_not_enterprise": "否"}, MEMBERS, "declares_not_enterprise",
         "创客组须声明：团队未注册企业，且不是企业的内部项目。"),
        ({"industry": ""}, MEMBERS, "industry", "请填写行业领域。"),
        ({"division": "999999"}, MEMBERS, "division", "请选择团队所在地（省、市）。"),
        ({}, [MEMBERS[0], {**MEMBERS[1], "phone": "110"}], "members[1].phone", "请输入有效的中国大陆手机号。"),
        ({}, [MEMBERS[0], {**MEMBERS[1], "name": ""}], "members[1].name", "第 2 位成员：请填写姓名。"),
        ({}, [{**MEMBERS[0], "name": "韩\x00梅梅"}], "members[0].name", CONTROL),
        ({}, [{**MEMBERS[0], "age": 20}], "members[0].age", "未知的成员字段。"),
        ({}, [MEMBERS[0]] * 31, "members", "团队成员应为列表，最多 30 人。"),
        ({"credit_code": CODE_A}, MEMBERS, "credit_code", "未知的字段。"),
    ],
)  # fmt: skip
def test_check_items_names_each_maker_problem(ningbo, overrides, members, column, message):
    outcomes = check_items(event=ningbo, items=[maker_item(members=members, **overrides)])
    assert problems(outcomes) == [("创客组 第 2 行", column, message)]


def oversized_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=14_400, height=14_400)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("plan", "images", "column", "message"),
    [
        (pdf_file(name="plan.pdf", data=b"PK\x03\x04 not a pdf %%EOF"), [], "business_plan",
         "文件内容不是 PDF（可能是改了扩展名的其他文件）。"),
        (pdf_file(name="plan.docx"), [], "business_plan", "商业计划书须为 PDF 文件（.pdf）。"),
        (pdf_file(data=oversized_page_pdf()), [], "business_plan",
         "PDF 第 1 页尺寸为 14400 × 14400 pt，超过上限：每边不超过 5000 pt（约 176 cm，大于 A0）。"
         "请按 A4 等常规尺寸导出后上传。"),
        (IntakeFile(name="big.pdf", size=21 * 1024 * 1024, read=lambda: pytest.fail("read before the size check")),
         [], "business_plan", "文件过大：21.0 MB，上限 20 MB。"),
        (None, [IntakeFile(name="x.png", size=60, read=lambda: png_file().read()[:-30])], "images[0]",
         "图片“x.png”已损坏或不完整，请重新保存后上传。"),
        (None, [IntakeFile(name="a.png", size=4, read=lambda: b"%PDF")], "images[0]",
         "“a.png”不是 PNG、JPEG、GIF 或 WebP 图片。"),
        (None, [png_file()] * 11, "images", "每个项目最多 10 张图片，当前 11 张。"),
    ],
)  # fmt: skip
def test_check_items_checks_files_like_an_online_upload(ningbo, plan, images, column, message):
    outcomes = check_items(event=ningbo, items=[enterprise_item(plan=plan, images=images)])
    assert problems(outcomes) == [("企业组 第 2 行", column, message)]


def test_check_items_reports_duplicates_in_the_batch_and_eligibility(ningbo, edition9):
    EligibilityRule.objects.create(edition=edition9, group_code="maker", kind=RuleKind.MIN_MEMBERS, value="4")
    outcomes = check_items(event=ningbo, items=[
        enterprise_item(key="a"), enterprise_item(key="b", title="另一个"), maker_item(key="c"),
    ])  # fmt: skip
    assert problems(outcomes) == [
        ("b", "credit_code", "与“a”的统一社会信用代码相同；每个企业（团队）本届只能报名一个项目。"),
        ("c", "eligibility", "不符合参赛条件：团队核心成员（含负责人）须不少于 4 人。"),
    ]
    assert [o.action for o in outcomes] == ["created", "invalid", "invalid"]


def test_write_items_is_all_or_nothing(ningbo):
    records = AuditRecord.objects.count()
    items = [
        enterprise_item(key="企业组 第 2 行", plan=pdf_file()),
        enterprise_item(
            key="企业组 第 3 行", credit_code=CODE_B, name="宁波北仑港航数据有限公司", contact_phone="123"
        ),
        maker_item(key="创客组 第 2 行", images=[png_file()]),
    ]
    with pytest.raises(IntakeRefused) as exc:
        write_items(by=None, event=ningbo, items=items, source="package")
    assert exc.value.errors == ["企业组 第 3 行“contact_phone”：请输入有效的中国大陆手机号。"]
    assert exc.value.message == "1 处错误，未导入任何数据。"
    assert [o.action for o in exc.value.outcomes] == ["created", "invalid", "created"]
    counts = (
        Entry.objects.count(),
        Enterprise.objects.count(),
        MakerTeam.objects.count(),
        TeamMember.objects.count(),
    )
    assert counts == (0, 0, 0, 0)
    assert AuditRecord.objects.count() == records
    assert not get_user_model().objects.filter(username__startswith="import-").exists()


# -- refusals of the whole batch ---------------------------------------------------------------------


def test_write_items_refusals(ningbo, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    with pytest.raises(PermissionDenied):
        write_items(by=organizer_for(shenzhen), event=ningbo, items=[enterprise_item()], source="portal")
    with pytest.raises(ValidationFailed, match="未知的导入来源。"):
        write_items(by=None, event=ningbo, items=[enterprise_item()], source="online")
    with pytest.raises(ValidationFailed, match="没有要导入的项目。"):
        write_items(by=None, event=ningbo, items=[], source="portal")
    final = Event.objects.get(edition=edition9, tier="national_final")
    with pytest.raises(ValidationFailed, match="全国总决赛不接受报名，不能导入。"):
        check_items(event=final, items=[enterprise_item()])
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with pytest.raises(Closed):
        write_items(by=None, event=ningbo, items=[enterprise_item()], source="portal")
    assert Entry.objects.count() == 0


# -- audit and cost --------------------------------------------------------------------------------


def test_write_items_audits_the_batch_once_and_the_chain_verifies(ningbo):
    organizer = organizer_for(ningbo)
    before = AuditRecord.objects.count()
    write_items(by=organizer, event=ningbo, items=[enterprise_item(), maker_item()], source="package")
    entries = list(Entry.objects.order_by("pk"))
    new = list(AuditRecord.objects.filter(seq__gt=before).order_by("seq"))
    assert [r.action for r in new] == [
        "registration.entry.submitted", "registration.entry.submitted", "registration.intake.completed",
    ]  # fmt: skip
    batch = new[-1]
    assert (batch.object_id, batch.actor_id, batch.data["source"], batch.data["created"]) == (
        str(ningbo.pk), organizer.pk, "package", [e.pk for e in entries],
    )  # fmt: skip
    assert batch.data["enterprises"] == {"created": [entries[0].enterprise_id], "updated": []}
    assert batch.data["teams"] == {"created": [entries[1].team_id], "updated": []}
    assert verify_chain()[1] is None


def _queries_for(event, count: int, offset: int) -> int:
    items = [
        enterprise_item(key=f"e{i}", credit_code=credit_code("330203"), title=f"项目{offset + i}")
        for i in range(count)
    ] + [
        maker_item(key=f"m{i}", leader_phone=f"1391234{offset + i:04d}", title=f"团队项目{offset + i}")
        for i in range(count)
    ]
    event = Event.objects.get(pk=event.pk)  # nothing cached from the run before
    with CaptureQueriesContext(connection) as ctx:
        write_items(by=None, event=event, items=items, source="portal")
    return len(ctx.captured_queries)


def test_write_items_queries_grow_only_with_the_online_cleaners_lookups(ningbo):
    small = _queries_for(ningbo, 2, 0)
    large = _queries_for(ningbo, 6, 100)
    # Every write is one statement per batch (bulk inserts, executemany updates, one history
    # INSERT, one audit INSERT). Per item remain only the two lookups of the online cleaner an
    # enterprise goes through (clean_enterprise: is the credit code taken? its division), before
    # the lock: 4 more enterprises × 2; a team costs nothing more.
    assert large - small == 8


def test_write_items_keeps_a_replaced_plan_that_a_receipt_certifies(ningbo):
    write_items(by=None, event=ningbo, items=[enterprise_item(plan=pdf_file())], source="portal")
    old = Entry.objects.get().business_plan.name
    write_items(by=None, event=ningbo, items=[enterprise_item(plan=pdf_file(data=pdf_bytes(pages=4)))],
                source="portal")  # fmt: skip
    entry = Entry.objects.get()
    assert entry.business_plan.name != old
    assert (default_storage.exists(old), default_storage.exists(entry.business_plan.name)) == (True, True)


def test_write_items_refuses_a_file_that_changed_after_its_check_and_leaves_nothing(ningbo, settings):
    reads = iter([pdf_bytes(), pdf_bytes(pages=5)])
    data = pdf_bytes()
    moving = IntakeFile(name="计划书.pdf", size=len(data), read=lambda: next(reads))
    with pytest.raises(IntakeRefused) as exc:
        write_items(by=None, event=ningbo, items=[maker_item(plan=pdf_file()), enterprise_item(plan=moving)],
                    source="package")  # fmt: skip
    assert exc.value.errors == ["企业组 第 2 行“business_plan”：文件在检查后发生了变化，请重新导入。"]
    assert (Entry.objects.count(), MakerTeam.objects.count(), Submission.objects.count()) == (0, 0, 0)
    media = Path(settings.MEDIA_ROOT)
    assert [p for p in media.rglob("*") if p.is_file()] == []  # the maker's plan, written first, is gone
