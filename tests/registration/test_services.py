"""Registration services: profiles, the entry lifecycle, windows, eligibility, receipts."""

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from contest.catalog.models import Event
from contest.core import audit
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from contest.core.models import AuditRecord
from contest.registration import services, validators
from contest.registration.enums import RuleKind
from contest.registration.models import DuplicateFlag, EligibilityRule, Entry, Submission

from .factories import (
    ENTERPRISE,
    ENTRY,
    SHANGHAI,
    complete_entry,
    credit_code,
    enterprise_owner,
    open_registration,
    organizer_for,
    pdf_bytes,
    submitted_entry,
    user,
)

pytestmark = pytest.mark.integration


# -- identifiers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110000600037341L", "91110000600037341L"),
        ("9111 0000 6000 3734 1l", "91110000600037341L"),
        (credit_code("330203", first="N2"), credit_code("330203", first="N2", body="MA0000000")[:0] or None),
    ],
)
def test_normalize_credit_code_accepts_valid_codes(raw, expected):
    result = validators.normalize_credit_code(raw)
    assert result == (expected or raw.upper())


def test_normalize_credit_code_accepts_cooperatives_starting_with_n_that_stdnum_rejects():
    from stdnum.cn import uscc

    code = credit_code("330203", first="N2", body="MA2H00001")
    assert not uscc.is_valid(code)
    assert validators.normalize_credit_code(code) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9111000060003734", "统一社会信用代码应为 18 位，当前为 16 位。"),
        ("91110000600037341A", "统一社会信用代码校验位不正确，请核对。"),
        ("911100O0600037341L", "统一社会信用代码格式不正确：第 3–8 位应为数字，且不能含 I、O、Z、S、V。"),
        ("91110000600I37341L", "统一社会信用代码格式不正确：第 3–8 位应为数字，且不能含 I、O、Z、S、V。"),
    ],
)
def test_normalize_credit_code_refuses_malformed_codes(raw, message):
    with pytest.raises(ValidationFailed) as exc:
        validators.normalize_credit_code(raw)
    assert (exc.value.message, exc.value.field) == (message, "credit_code")


@pytest.mark.parametrize(
    ("division", "expected"),
    [("330203", "宁波市"), ("440305", "深圳市"), ("110108", "北京市"), ("660100", "新疆生产建设兵团"),
     ("659001", "新疆生产建设兵团"), ("441900", "东莞市")],
)  # fmt: skip
def test_division_for_code_derives_the_registering_division(db, division, expected):
    assert services.division_for_code(division).name == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
    ],
)
def test_normalize_mobile_stores_e164(raw, expected):
    assert validators.normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "1381234567", "02188886666", "+14155550123", "abc"])
def test_normalize_mobile_refuses_non_mainland_mobiles(raw):
    with pytest.raises(ValidationFailed):
        validators.normalize_mobile(raw)


# -- enterprise profile -----------------------------------------------------------------------


def test_save_enterprise_derives_division_and_stores_e164(db):
    owner = enterprise_owner("330203")
    enterprise = owner.enterprise
    assert (enterprise.division.name, enterprise.division_code, enterprise.contact_phone) == (
        "宁波市",
        "330203",
        "+8613812345678",
    )
    assert enterprise.revenue_last_year == Decimal("3200.50")
    record = AuditRecord.objects.get(action="registration.enterprise.created")
    assert record.object_id == str(enterprise.pk)


@time_machine.travel(datetime(2024, 7, 1, 12, tzinfo=SHANGHAI), tick=False)
def test_save_enterprise_reports_every_bad_field_at_once(db):
    data = {**ENTERPRISE, "credit_code": "91330200MA2GXXXXX1", "contact_phone": "12345",
            "founded_on": "2025-01-01", "revenue_last_year": "-5", "employees": "many", "industry": "Z"}  # fmt: skip
    with pytest.raises(FieldErrors) as exc:
        services.save_enterprise(by=user(), data=data)
    assert exc.value.fields == {
        "credit_code": "统一社会信用代码校验位不正确，请核对。",
        "founded_on": "成立日期不能晚于今天。",
        "revenue_last_year": "上年营业收入不能为负数。",
        "employees": "从业人数应为整数。",
        "industry": "请选择所属行业（国民经济行业分类门类）。",
        "contact_phone": "请输入有效的中国大陆手机号。",
    }
    assert AuditRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("revenue_last_year", "1" + "0" * 29, "上年营业收入数值过大（单位为万元）。"),
     ("revenue_last_year", "1e30", "上年营业收入应为数字。"),
     ("registered_capital", "1000000000000", "注册资本数值过大（单位为万元）。"),
     ("employees", "99999999999", "从业人数数值过大。")],
)  # fmt: skip
def test_save_enterprise_refuses_huge_numbers_with_a_field_message(db, field, value, message):
    with pytest.raises(FieldErrors) as exc:
        services.save_enterprise(by=user(), data={**ENTERPRISE, "credit_code": credit_code(), field: value})
    assert exc.value.fields == {field: message}


def test_submit_records_the_instant_that_was_checked_against_the_deadline(ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        entry = complete_entry(ningbo)
    last = datetime(2024, 7, 20, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    with time_machine.travel(last, tick=False):
        submission = services.submit_entry(by=entry.owner, entry=entry)
    assert submission.submitted_at == last
    entry.refresh_from_db()
    assert entry.submitted_at == last


def test_save_enterprise_refuses_a_credit_code_another_account_holds(db):
    code = credit_code()
    services.save_enterprise(by=user(), data={**ENTERPRISE, "credit_code": code})
    with pytest.raises(FieldErrors) as exc:
        services.save_enterprise(by=user(), data={**ENTERPRISE, "credit_code": code})
    assert exc.value.fields == {
        "credit_code": "该统一社会信用代码已由其他账号登记；如需找回账号请联系赛事组织方。"
    }


# -- entries and windows ------------------------------------------------------------------------


def test_create_entry_refuses_events_registering_on_an_external_portal(edition9):
    beijing = Event.objects.get(edition=edition9, tier="regional", seq=1)
    open_registration(beijing)
    with pytest.raises(
        ValidationFailed,
        match=re.escape(
            "“第九届“创客中国”北京市中小企业创新创业大赛”在外部报名网站报名：https://www.smebj.cn/"
        ),
    ):
        services.create_entry(
            by=enterprise_owner("110108"), event=beijing, group_code="enterprise", data={"title": "x"}
        )


def test_create_entry_defaults_the_industry_to_the_enterprise_s(ningbo):
    entry = services.create_entry(
        by=enterprise_owner(), event=ningbo, group_code="enterprise", data={"title": "x"}
    )
    assert entry.industry == "C"


def test_create_entry_accepts_the_request_s_lazy_user(ningbo):
    from django.utils.functional import SimpleLazyObject

    owner = enterprise_owner()
    entry = services.create_entry(by=SimpleLazyObject(lambda: owner), event=ningbo, group_code="enterprise",
                                  data={"title": "懒加载用户"})  # fmt: skip
    assert entry.owner_id == owner.pk


def test_create_entry_refuses_the_national_final(edition9):
    final = Event.objects.get(edition=edition9, tier="national_final")
    with pytest.raises(ValidationFailed, match="全国总决赛不接受直接报名"):
        services.create_entry(
            by=enterprise_owner(), event=final, group_code="enterprise", data={"title": "x"}
        )


def test_create_entry_one_project_per_credit_code_across_events(ningbo, edition9):
    owner = enterprise_owner()
    services.create_entry(by=owner, event=ningbo, group_code="enterprise", data={"title": "项目一"})
    thematic = Event.objects.get(edition=edition9, tier="thematic", seq=5)
    open_registration(thematic)
    with pytest.raises(Conflict) as exc:
        services.create_entry(by=owner, event=thematic, group_code="enterprise", data={"title": "项目二"})
    assert (
        exc.value.message
        == "本届每个企业（团队）只能报名一个项目，已在“第九届“创客中国”宁波市中小企业创新创业大赛”报名“项目一”。"
    )
    assert Entry.objects.count() == 1


def test_submit_at_the_last_second_of_the_closing_day_is_accepted(ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        entry = complete_entry(ningbo)
    with time_machine.travel(datetime(2024, 7, 20, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        submission = services.submit_entry(by=entry.owner, entry=entry)
    assert submission.submitted_at == datetime(2024, 7, 20, 23, 59, 59, tzinfo=SHANGHAI)


def test_submit_at_midnight_after_the_closing_day_is_refused_and_nothing_changes(ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        entry = complete_entry(ningbo)
    records = AuditRecord.objects.count()
    with time_machine.travel(datetime(2024, 7, 21, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(Closed) as exc:
            services.submit_entry(by=entry.owner, entry=entry)
        with pytest.raises(Closed):
            services.update_entry(by=entry.owner, entry=entry, data={"title": "改名"})
    assert (
        exc.value.message
        == "“第九届“创客中国”宁波市中小企业创新创业大赛”报名已于 2024-07-20 24:00 截止，不能再提交或修改。"
    )
    entry.refresh_from_db()
    assert (entry.status, entry.title, AuditRecord.objects.count()) == ("draft", ENTRY["title"], records)


def test_submit_entry_gives_a_receipt_whose_hash_covers_content_and_files(
    ningbo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = submitted_entry(ningbo)
    submission = Submission.objects.get(entry=entry)
    assert entry.status == "submitted"
    assert entry.number == f"CK9-R30-{entry.pk:06d}"
    assert submission.number == f"{entry.number}-1"
    expected = hashlib.sha256(audit.canonical_json(submission.manifest).encode()).hexdigest()
    assert submission.sha256 == expected == entry.content_sha256
    assert submission.manifest["files"] == [
        {
            "role": "business_plan",
            "name": "计划书.pdf",
            "sha256": hashlib.sha256(pdf_bytes()).hexdigest(),
            "pages": 2,
        }
    ]
    assert mail.outbox[-1].subject == "【创客中国】报名已提交：工业视觉缺陷检测平台"
    assert submission.sha256 in mail.outbox[-1].body


def test_submit_entry_lists_what_is_missing(ningbo):
    owner = enterprise_owner()
    entry = services.create_entry(by=owner, event=ningbo, group_code="enterprise", data={"title": "半成品"})
    with pytest.raises(FieldErrors) as exc:
        services.submit_entry(by=owner, entry=entry)
    assert exc.value.fields == {
        "summary": "提交前请填写项目简介。",
        "innovation": "提交前请填写技术与创新。", "market": "提交前请填写市场前景。",
        "business_model": "提交前请填写商业模式。", "team_description": "提交前请填写团队情况。",
        "business_plan": "提交前请上传商业计划书（PDF）。",
        "finances": "请填写近三年的营业收入与净利润（未满三年的年份填 0）。",
    }  # fmt: skip


def test_submit_entry_twice_is_refused_the_second_time(ningbo):
    entry = submitted_entry(ningbo)
    with pytest.raises(Conflict, match="项目已提交，无需重复提交。"):
        services.submit_entry(by=entry.owner, entry=entry)
    assert Submission.objects.filter(entry=entry).count() == 1


def test_eligibility_rule_failure_gives_its_reason(ningbo, edition9):
    EligibilityRule.objects.create(edition=edition9, group_code="enterprise", kind=RuleKind.REVENUE_AT_MOST,
                                   value="2000")  # fmt: skip
    entry = complete_entry(ningbo)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_entry(by=entry.owner, entry=entry)
    assert exc.value.errors == ["上年营业收入须不超过 2000 万元。"]


# -- the lifecycle -------------------------------------------------------------------------------


def test_lifecycle_return_revise_resubmit_qualify_is_recorded(ningbo):
    entry = submitted_entry(ningbo)
    organizer = organizer_for(ningbo)
    services.return_entry(by=organizer, entry=entry, comment="请补充近三年财务数据说明。")
    entry.refresh_from_db()
    assert (entry.status, entry.organizer_comment) == ("returned", "请补充近三年财务数据说明。")
    services.update_entry(by=entry.owner, entry=entry, data={"market": "长三角与珠三角电子制造"})
    services.submit_entry(by=entry.owner, entry=entry)
    services.qualify_entry(by=organizer, entry=entry)
    entry.refresh_from_db()
    assert entry.status == "qualified"
    assert [(t.from_status, t.to_status, t.actor_id) for t in entry.transitions.all()] == [
        ("draft", "submitted", entry.owner_id), ("submitted", "returned", organizer.pk),
        ("returned", "resubmitted", entry.owner_id), ("resubmitted", "qualified", organizer.pk),
    ]  # fmt: skip
    assert [s.number for s in entry.submissions.all()] == [f"{entry.number}-1", f"{entry.number}-2"]
    assert list(AuditRecord.objects.filter(object_id=str(entry.pk), action__startswith="registration.entry.")
                .exclude(action__in=["registration.entry.updated", "registration.entry.created"])
                .values_list("action", flat=True)) == [
        "registration.entry.submitted", "registration.entry.returned", "registration.entry.resubmitted",
        "registration.entry.qualified"]  # fmt: skip
    assert audit.verify_chain()[1] is None


def test_transition_outside_the_table_is_refused(ningbo):
    organizer = organizer_for(ningbo)
    entry = submitted_entry(ningbo)
    services.qualify_entry(by=organizer, entry=entry)
    with pytest.raises(Conflict, match="项目当前为“资格审查通过”，不能变为“退回修改”。"):
        services.return_entry(by=organizer, entry=entry, comment="补充")


def test_organizer_deciding_a_draft_is_told_it_does_not_exist(ningbo):
    entry = complete_entry(ningbo)
    with pytest.raises(NotFound, match="未找到。"):
        services.qualify_entry(by=organizer_for(ningbo), entry=entry)
    assert Entry.objects.get(pk=entry.pk).status == "draft"


def test_withdraw_is_allowed_before_qualification_only(ningbo):
    entry = submitted_entry(ningbo)
    services.qualify_entry(by=organizer_for(ningbo), entry=entry)
    with pytest.raises(Conflict, match="不能变为“已撤回”"):
        services.withdraw_entry(by=entry.owner, entry=entry)
    other = submitted_entry(ningbo)
    services.withdraw_entry(by=other.owner, entry=other, reason="改报专题赛")
    other.refresh_from_db()
    assert other.status == "withdrawn"


def test_reopen_needs_a_reason_and_is_marked_as_override(ningbo):
    entry = submitted_entry(ningbo)
    organizer = organizer_for(ningbo)
    services.disqualify_entry(by=organizer, entry=entry, reason="材料不实")
    with pytest.raises(ValidationFailed, match="撤销审查结论须写明理由。"):
        services.reopen_entry(by=organizer, entry=entry, reason=" ")
    services.reopen_entry(by=organizer, entry=entry, reason="复核后材料属实")
    entry.refresh_from_db()
    last = entry.transitions.last()
    assert (entry.status, last.is_override, last.reason) == ("submitted", True, "复核后材料属实")


def test_organizer_of_another_event_cannot_review(ningbo, edition9):
    entry = submitted_entry(ningbo)
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    with pytest.raises((NotFound, PermissionDenied)):
        services.qualify_entry(by=organizer_for(shenzhen), entry=entry)
    entry.refresh_from_db()
    assert entry.status == "submitted"


def test_another_user_cannot_edit_or_submit(ningbo):
    entry = complete_entry(ningbo)
    stranger = user()
    with pytest.raises((NotFound, PermissionDenied)):
        services.update_entry(by=stranger, entry=entry, data={"title": "x"})
    with pytest.raises((NotFound, PermissionDenied)):
        services.submit_entry(by=stranger, entry=entry)


def test_bulk_review_reports_failures_per_entry(ningbo):
    organizer = organizer_for(ningbo)
    a, b = submitted_entry(ningbo), submitted_entry(ningbo)
    services.qualify_entry(by=organizer, entry=b)
    result = services.bulk_review(by=organizer, entries=[a, b], action="qualify")
    assert result.done == [a.pk]
    assert result.failed == {b.pk: "项目当前为“资格审查通过”，不能变为“资格审查通过”。"}


# -- uploads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.pdf", b"PK\x03\x04 this is a zip", "文件内容不是 PDF（可能是改了扩展名的其他文件）。"),
        ("plan.pdf", pdf_bytes()[:300], "PDF 文件已损坏或不完整，无法读取，请重新导出后上传。"),
        ("plan.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "文件过大：20.0 MB，上限 20 MB。"),
        ("plan.docx", pdf_bytes(), "商业计划书须为 PDF 文件（.pdf）。"),
    ],
)
def test_business_plan_upload_refuses_bad_files_and_keeps_the_draft(ningbo, name, data, message):
    entry = complete_entry(ningbo)
    before = entry.business_plan_sha256
    with pytest.raises(ValidationFailed) as exc:
        services.update_entry(by=entry.owner, entry=entry, data={}, business_plan=(name, data))
    assert (exc.value.message, exc.value.field) == (message, "business_plan")
    entry.refresh_from_db()
    assert entry.business_plan_sha256 == before


def test_business_plan_path_traversal_name_is_reduced_to_a_file_name(ningbo):
    entry = complete_entry(ningbo)
    services.update_entry(
        by=entry.owner, entry=entry, data={}, business_plan=("../../etc/计划.pdf", pdf_bytes(3))
    )
    entry.refresh_from_db()
    assert entry.business_plan_name == "计划.pdf"
    assert entry.business_plan_pages == 3
    assert entry.business_plan.name.startswith(f"entries/{entry.edition_id}/{entry.pk}/plan-")
    assert ".." not in entry.business_plan.name


# -- near-duplicates ------------------------------------------------------------------------------


def test_near_duplicate_titles_across_events_are_flagged_both_ways(
    ningbo, edition9, django_capture_on_commit_callbacks
):
    thematic = Event.objects.get(edition=edition9, tier="thematic", seq=5)
    open_registration(thematic)
    with django_capture_on_commit_callbacks(execute=True):
        first = submitted_entry(ningbo)
        second = submitted_entry(
            thematic, title="工业视觉缺陷检测平台", summary="完全不同的简介：做农业无人机植保服务。"
        )
    flags = sorted(DuplicateFlag.objects.values_list("entry_id", "other_id", "field", "score"))
    assert flags == sorted([(first.pk, second.pk, "title", Decimal("1.000")),
                            (second.pk, first.pk, "title", Decimal("1.000"))])  # fmt: skip
