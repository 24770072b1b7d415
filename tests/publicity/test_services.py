"""公示 services: lists from sources, the objection lifecycle, versions and finalization."""

import re
from datetime import timedelta

import pytest
import time_machine

from contest.core import audit
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.models import AuditRecord
from contest.publicity import services
from contest.publicity.models import Notice, NoticeVersion, Objection
from contest.publicity.selectors import notice_for_user, phase_of
from contest.registration import services as reg

from ..review.factories import qualified_entries
from .builders import (
    PHONE,
    T0,
    advancement_round,
    file_verified,
    national_round,
    objection_data,
    published_list,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def season(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, best, organizer = advancement_round(ningbo, n=3, advance=2)
    return {"round": round_, "best": best, "organizer": organizer, "event": ningbo}


def test_advancement_source_lists_exactly_the_published_advancing_entries(season):
    notice = services.create_notice(by=season["organizer"], edition=season["event"].edition, event=season["event"],
                                    kind="advancement", title="晋级名单", params={"round": season["round"]})  # fmt: skip
    first, second = season["best"][:2]
    province = first.division.province.name
    assert notice.columns == ["number", "title", "entrant", "province", "group", "rank", "score"]
    assert notice.draft_items == [
        {"number": first.number, "title": first.title, "entrant": first.enterprise.name, "province": province,
         "group": "企业组", "rank": "1", "score": "79.00"},
        {"number": second.number, "title": second.title, "entrant": second.enterprise.name, "province": province,
         "group": "企业组", "rank": "2", "score": "78.00"},
    ]  # fmt: skip
    assert notice.status == "draft"


def test_advancement_list_leaves_out_entries_withdrawn_or_disqualified_after_the_round(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, best, organizer = advancement_round(ningbo, n=4, advance=3)
    with time_machine.travel(T0, tick=False):
        earlier = published_list(ningbo, organizer, round_=round_, title="较早发布的晋级名单")
    first, withdrawn, disqualified, _held = best
    # a qualified entry is decided: both need the organizer's override back to review first
    reg.reopen_entry(by=organizer, entry=withdrawn, reason="企业申请退赛，撤销审查结论。")
    reg.withdraw_entry(by=withdrawn.owner, entry=withdrawn, reason="企业决定退赛。")
    reg.reopen_entry(by=organizer, entry=disqualified, reason="收到举报，重新审查。")
    reg.disqualify_entry(by=organizer, entry=disqualified, reason="申报材料与实际不符。")

    notice = services.create_notice(by=organizer, edition=ningbo.edition, event=ningbo, kind="advancement",
                                    title="复核后的晋级名单", params={"round": round_})  # fmt: skip

    assert notice.draft_items == [
        {"number": first.number, "title": first.title, "entrant": first.enterprise.name,
         "province": first.division.province.name, "group": "企业组", "rank": "1", "score": "80.00"},
    ]  # fmt: skip
    assert [row["number"] for row in NoticeVersion.objects.get(notice=earlier).items] == [
        first.number, withdrawn.number, disqualified.number]  # fmt: skip


def test_whole_objection_lifecycle_keeps_every_version(season):
    organizer = season["organizer"]
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], organizer, round_=season["round"])
    v1 = notice.current_version
    assert (v1.number, v1.period_starts_at, v1.period_ends_at) == (1, T0, T0 + timedelta(days=5))
    assert v1.sha256 == services.items_sha256(v1.items)
    dropped = season["best"][1]

    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        objection = file_verified(by=None, notice=notice,
                                            data=objection_data(row_number=dropped.number))  # fmt: skip
        services.answer_objection(
            by=organizer, objection=objection, status="upheld", response="经核查属实，取消晋级资格。"
        )
        v2 = services.publish_version(by=organizer, notice=notice, items=v1.items[:1], reason="异议成立，取消一个项目。",
                                      objections=[objection])  # fmt: skip
    notice.refresh_from_db()
    assert (notice.status, notice.current_version_id, v2.number) == ("published", v2.pk, 2)
    assert v2.period_ends_at == T0 + timedelta(days=6)
    assert list(v2.objections.all()) == [objection]
    stored_v1 = NoticeVersion.objects.get(notice=notice, number=1)
    assert (stored_v1.items, stored_v1.sha256) == (v1.items, services.items_sha256(v1.items))
    assert len(stored_v1.items) == 2
    assert v2.items == v1.items[:1]

    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        assert phase_of(notice) == "ended"
        services.finalize_notice(by=organizer, notice=notice)
    notice.refresh_from_db()
    assert (notice.status, notice.finalized_at, phase_of(notice)) == (
        "final",
        T0 + timedelta(days=6),
        "final",
    )
    actions = list(
        AuditRecord.objects.filter(action__startswith="publicity.").values_list("action", flat=True)
    )
    assert actions == ["publicity.notice.created", "publicity.notice.published", "publicity.objection.filed",
                       "publicity.objection.upheld", "publicity.version.published", "publicity.notice.finalized"]  # fmt: skip
    assert audit.verify_chain()[1] is None


def test_objection_at_the_exact_end_second_is_refused(season):
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
    end = notice.current_version.period_ends_at
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        file_verified(by=None, notice=notice, data=objection_data())
    with time_machine.travel(end, tick=False), pytest.raises(Closed) as caught:
        file_verified(by=None, notice=notice, data=objection_data(phone="13900001111"))
    assert caught.value.message == "公示期已于 2024-09-07 09:00:00（北京时间）结束，不再受理异议。"
    assert Objection.objects.count() == 1


def test_bad_phone_and_missing_reason_are_refused_with_field_messages(season):
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
        with pytest.raises(FieldErrors) as caught:
            file_verified(by=None, notice=notice, data=objection_data(phone="12345", reason=" "))
    assert caught.value.fields == {"reason": "请填写异议理由。", "phone": "请输入有效的中国大陆手机号。"}


def test_evidence_must_be_pdf_jpg_or_png_by_its_bytes(season):
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
        with pytest.raises(ValidationFailed, match="证据文件只接受 PDF、JPG 或 PNG 格式。"):
            file_verified(by=None, notice=notice, data=objection_data(),
                                    evidence=("证据.pdf", b"MZ\x90\x00 not a pdf"))  # fmt: skip
        objection = file_verified(by=None, notice=notice, data=objection_data(),
                                            evidence=("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))  # fmt: skip
    assert (objection.evidence_content_type, objection.evidence_extension, objection.evidence_size) == (
        "image/png", ".png", 72)  # fmt: skip
    assert re.fullmatch(rf"publicity/{notice.pk}/evidence-[0-9a-f]{{32}}\.png", objection.evidence.name)
    assert objection.tracking_code not in objection.evidence.name


def test_finalizing_is_refused_before_the_end_and_with_pending_objections(season):
    organizer = season["organizer"]
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], organizer, round_=season["round"])
        objection = file_verified(by=None, notice=notice, data=objection_data())
        with pytest.raises(Closed, match="公示期至 2024-09-07 09:00:00（北京时间）结束，结束后才能确认。"):
            services.finalize_notice(by=organizer, notice=notice)
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        with pytest.raises(Conflict, match="还有 1 件异议未答复，全部答复后才能确认公示结束。"):
            services.finalize_notice(by=organizer, notice=notice)
        assert services.finalize_due_notices() == []
        services.answer_objection(by=organizer, objection=objection, status="upheld", response="属实。")
        with pytest.raises(Conflict, match="有 1 件成立的异议尚未体现在新版本中，请先发布新版本。"):
            services.finalize_notice(by=organizer, notice=notice)
    assert Notice.objects.get(pk=notice.pk).status == "published"


def test_finalize_command_service_is_idempotent(season):
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        assert services.finalize_due_notices() == [notice.pk]
        assert services.finalize_due_notices() == []
    assert AuditRecord.objects.filter(action="publicity.notice.finalized").count() == 1


def test_publishing_an_empty_list_is_refused(season, ningbo):
    organizer = season["organizer"]
    notice = services.create_notice(by=organizer, edition=ningbo.edition, event=ningbo, kind="custom", title="空名单",
                                    params={"rows": []})  # fmt: skip
    with pytest.raises(ValidationFailed, match="名单为空，不能发布。"):
        services.publish_notice(by=organizer, notice=notice)


def test_answering_twice_is_refused(season):
    organizer = season["organizer"]
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], organizer, round_=season["round"])
        objection = file_verified(by=None, notice=notice, data=objection_data())
        services.answer_objection(
            by=organizer, objection=objection, status="dismissed", response="材料不足。"
        )
        with pytest.raises(Conflict, match="该异议已答复（异议不成立），不能再次答复。"):
            services.answer_objection(by=organizer, objection=objection, status="upheld", response="改判。")


def test_one_phone_files_at_most_three_objections_a_day_per_list(season):
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
        for _ in range(3):
            file_verified(by=None, notice=notice, data=objection_data())
        with pytest.raises(Conflict, match="同一手机号 24 小时内对同一名单最多提交 3 件异议"):
            file_verified(by=None, notice=notice, data=objection_data(phone=f"+86{PHONE}"))
    with time_machine.travel(T0 + timedelta(days=1, seconds=1), tick=False):
        file_verified(by=None, notice=notice, data=objection_data())
    assert Objection.objects.count() == 4


def test_new_version_needs_a_reason_an_upheld_objection_and_a_change(season):
    organizer = season["organizer"]
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], organizer, round_=season["round"])
        items = notice.current_version.items
        objection = file_verified(by=None, notice=notice, data=objection_data())
        with pytest.raises(ValidationFailed, match="请填写变更原因。"):
            services.publish_version(
                by=organizer, notice=notice, items=items[:1], reason="", objections=[objection]
            )
        with pytest.raises(ValidationFailed, match="请选择促成本次变更的、已认定成立的异议。"):
            services.publish_version(
                by=organizer, notice=notice, items=items[:1], reason="改", objections=[objection]
            )
        services.answer_objection(by=organizer, objection=objection, status="upheld", response="属实。")
        with pytest.raises(ValidationFailed, match="名单没有变化，无需发布新版本。"):
            services.publish_version(
                by=organizer, notice=notice, items=items, reason="改", objections=[objection]
            )
    assert NoticeVersion.objects.filter(notice=notice).count() == 1


def test_award_source_lists_the_confirmed_awards_by_level(ningbo):
    from contest.awards import services as awards

    entries, organizer = qualified_entries(ningbo, 3)
    awards.stage_award(by=organizer, event=ningbo, entry=entries[2], level_name="二等奖")
    awards.stage_award(by=organizer, event=ningbo, entry=entries[0], level_name="一等奖")
    awards.confirm_awards(by=organizer, event=ningbo, group=entries[0].group)
    notice = services.create_notice(by=organizer, edition=ningbo.edition, event=ningbo, kind="awards",
                                    title="获奖名单公示", params={"group": "enterprise"})  # fmt: skip
    province = entries[0].division.province.name
    assert notice.columns == ["number", "title", "entrant", "province", "group", "level"]
    assert notice.draft_items == [
        {"number": entries[0].number, "title": entries[0].title, "entrant": entries[0].enterprise.name,
         "province": province, "group": "企业组", "level": "一等奖"},
        {"number": entries[2].number, "title": entries[2].title, "entrant": entries[2].enterprise.name,
         "province": province, "group": "企业组", "level": "二等奖"},
    ]  # fmt: skip


def test_shortlist_needs_a_national_round(season):
    with pytest.raises(ValidationFailed, match="500强名单是全国名单，由秘书处发布。"):
        services.create_notice(by=season["organizer"], edition=season["event"].edition, event=season["event"],
                               kind="shortlist", title="500强", params={"round": season["round"]})  # fmt: skip


def test_shortlist_lists_the_national_round_s_advancing_entries(season):
    from ..registration.factories import superuser

    secretariat = superuser()
    edition = season["event"].edition
    round_, best = national_round(edition, secretariat, advance=1)
    notice = services.create_notice(by=secretariat, edition=edition, event=None, kind="shortlist", title="500强名单",
                                    params={"round": round_})  # fmt: skip
    top = best[0]
    assert [(r["number"], r["title"], r["rank"]) for r in notice.draft_items] == [
        (top.number, top.title, "1")
    ]
    assert len(best) == 2  # the two entries 宁波 advanced


def test_an_event_organizer_cannot_create_or_see_a_national_list(season):
    from ..registration.factories import superuser

    secretariat = superuser()
    edition = season["event"].edition
    with pytest.raises(NotFound):
        services.create_notice(by=season["organizer"], edition=edition, event=None, kind="custom", title="全国名单",
                               params={"rows": [{"title": "项目", "entrant": "单位"}]})  # fmt: skip
    notice = services.create_notice(by=secretariat, edition=edition, event=None, kind="custom", title="全国名单",
                                    params={"rows": [{"title": "项目", "entrant": "单位"}]})  # fmt: skip
    assert notice_for_user(season["organizer"], notice.pk) is None
    assert notice_for_user(secretariat, notice.pk) == notice


def test_custom_list_from_an_xlsx_keeps_its_rows_in_order(ningbo):
    import io

    from openpyxl import Workbook

    from contest.publicity import sources

    from ..registration.factories import organizer_for

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["项目名称", "参赛主体", "省份", "备注", "无关列"])
    sheet.append(["智能仓储", "宁波甲公司", "浙江省", "优秀组织奖", "x"])
    sheet.append([None, None, None, None, None])
    sheet.append(["海洋监测", "宁波乙公司", None, 12, "y"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = sources.parse_custom(buffer.getvalue(), filename="名单.xlsx")
    notice = services.create_notice(by=organizer_for(ningbo), edition=ningbo.edition, event=ningbo, kind="custom",
                                    title="优秀组织单位公示", params={"rows": rows, "filename": "名单.xlsx"})  # fmt: skip
    assert notice.draft_items == [
        {"number": "", "title": "智能仓储", "entrant": "宁波甲公司", "province": "浙江省", "group": "", "note": "优秀组织奖"},
        {"number": "", "title": "海洋监测", "entrant": "宁波乙公司", "province": "", "group": "", "note": "12"},
    ]  # fmt: skip
    assert notice.source == {"kind": "custom", "file": "名单.xlsx", "file_sha256": ""}
