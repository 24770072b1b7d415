"""The review exports a notary signs, read back with openpyxl: per-judge score sheets, the ranking
with every judge's scores, the assignment and conflict lists; the cover sheet, the blind-round
label, and cells safe against formula injection."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contest.core import exporters
from contest.review import exporters as review_exporters
from contest.review import services
from contest.review.models import ScoreSheet

from .factories import expert
from .test_organizer_views import FULL, build_season, open_round, score

pytestmark = pytest.mark.integration


def workbook(response):
    return load_workbook(io.BytesIO(response.getvalue()), read_only=True)


def sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))


def rows(book, title: str) -> list[list]:
    """The sheet's rows, each padded to the header's width (read-only mode drops trailing empty cells)."""
    table = [list(r) for r in book[title].iter_rows(values_only=True)]
    width = len(table[0]) if table else 0
    return [r + [None] * (width - len(r)) for r in table]


@pytest.fixture
def season(ningbo):
    s = build_season(ningbo, n_entries=3, n_judges=3, k=2)
    open_round(s)
    score(s, {(0, 1): 30, (0, 2): 20, (1, 0): 25, (1, 2): 25})
    return s


def local(value) -> datetime:
    """A time as the workbook holds it: a date cell in Beijing wall-clock time, whole seconds."""
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def test_score_sheets_have_one_sheet_per_judge(client, season):
    client.force_login(season.organizer)
    response = client.get(reverse("review:export", args=[season.round.pk, "scores"]))
    book = workbook(response)
    assert book.sheetnames == ["说明", "评委A（研究院0）", "评委B（研究院1）", "评委C（研究院2）"]
    code = {i: season.round_entry(i) for i in range(3)}
    e = season.entries
    header = ["匿名编号", "报名编号", "项目名称", "参赛主体", "技术创新（30）", "商业模式（20）", "市场前景（20）",
              "团队能力（20）", "财务与社会效益（10）", "总分", "评语", "状态", "提交时间"]  # fmt: skip

    def submitted(i, j):
        sheet = ScoreSheet.objects.get(assignment__round_entry=code[i], assignment__expert=season.judges[j])
        return local(sheet.submitted_at)

    def line(i, j, innovation):
        entrant = e[i].enterprise.name
        if innovation is None:
            return [code[i].code, e[i].number, e[i].title, entrant, None, None, None, None, None, None, None, "未评",
                    None]  # fmt: skip
        return [code[i].code, e[i].number, e[i].title, entrant, innovation, 15, 16, 17, 8, innovation + 56, None,
                "已提交", submitted(i, j)]  # fmt: skip

    judge_a = sorted([line(1, 0, 25), line(2, 0, None)], key=lambda r: r[0])
    assert rows(book, "评委A（研究院0）") == [header, *judge_a]
    judge_c = sorted([line(0, 2, 20), line(1, 2, 25)], key=lambda r: r[0])
    assert rows(book, "评委C（研究院2）") == [header, *judge_c]


def test_cover_sheet_names_the_round_counts_rows_and_hashes_them(client, season):
    client.force_login(season.organizer)
    response = client.get(reverse("review:export", args=[season.round.pk, "assignments"]))
    book = workbook(response)
    cover = dict(rows(book, "说明")[1:])
    data = [list(r) for r in rows(book, "分配表")]
    assert (cover["文件"], cover["赛事"], cover["轮次"], cover["阶段"], cover["状态"], cover["评审方式"],
            cover["数据行数"]) == ("分配表", season.round.event.name, "网络初评", "初赛（网评）", "评审中", "匿名评审", 6)  # fmt: skip
    assert (
        cover["说明"] == "本轮为匿名评审。本文件供组织方与公证人员使用，含参赛主体名称，不得提供给评审专家。"
    )
    columns = list(review_exporters.ASSIGNMENT_COLUMNS)
    expected = review_exporters.rows_sha256(
        [("分配表", columns, list(review_exporters.assignment_rows(round=season.round)))]
    )
    assert cover["数据 SHA-256"] == expected
    assert (data[0], len(data)) == (columns, 7)
    assert list(cover)[-3:] == ["组织方经办人（签字）", "公证人员（签字）", "日期"]


def test_blind_round_files_are_labelled_and_open_rounds_are_not(client, season, ningbo):
    client.force_login(season.organizer)
    response = client.get(reverse("review:export", args=[season.round.pk, "ranking"]))
    disposition = unquote(response["Content-Disposition"])
    assert "-含参赛主体-仅限组织方-" in disposition
    assert disposition.startswith("attachment; filename*=utf-8''排名表-")
    assert response.getvalue()[:2] == b"PK"  # a zip package, read to its end (which closes the file)
    services.update_round(by=season.organizer, round=season.round, data={"blind": False})
    response = client.get(reverse("review:export", args=[season.round.pk, "ranking"]))
    assert "仅限组织方" not in unquote(response["Content-Disposition"])
    assert dict(rows(workbook(response), "说明")[1:])["说明"] == "本轮为实名评审。"


def test_ranking_export_has_every_judge_s_total(client, season):
    client.force_login(season.organizer)
    book = workbook(client.get(reverse("review:export", args=[season.round.pk, "ranking"])))
    code = {i: season.round_entry(i).code for i in range(3)}
    e = season.entries
    # entries 0 and 1 are tied on 81.00 and on every criterion: same rank, listed by registration number
    assert rows(book, "排名表") == [
        list(review_exporters.RANKING_COLUMNS),
        ["企业组", "全部", 1, code[0], e[0].number, e[0].title, e[0].enterprise.name, 81, 81, 2, "否", code[1],
         "评委B 86.0000；评委C 76.0000"],
        ["企业组", "全部", 1, code[1], e[1].number, e[1].title, e[1].enterprise.name, 81, 81, 2, "否", code[0],
         "评委A 81.0000；评委C 81.0000"],
        ["企业组", "全部", 3, code[2], e[2].number, e[2].title, e[2].enterprise.name, 0, 0, 0, "是", None, None],
    ]  # fmt: skip


def test_conflict_export_lists_provenance(client, season):
    services.pin_conflict(by=season.organizer, round=season.round, expert=season.judges[2], entry=season.entries[2],
                          reason="曾任该企业顾问")  # fmt: skip
    client.force_login(season.organizer)
    book = workbook(client.get(reverse("review:export", args=[season.round.pk, "conflicts"])))
    e = season.entries[2]
    (conflict,) = season.judges[2].conflicts.all()
    assert rows(book, "回避关系表") == [
        list(review_exporters.CONFLICT_COLUMNS),
        [season.round_entry(2).code, e.number, e.title, e.enterprise.name, "评委C", "研究院2", "组织方指定回避",
         "组织方指定", "曾任该企业顾问", str(season.organizer), local(conflict.created_at)],
    ]  # fmt: skip


def test_cells_are_safe_against_formula_injection(client, season):
    hacker = expert(season.organizer, name='=HYPERLINK("http://x","点我")', org="@SUM(A1)")
    services.add_judges(by=season.organizer, round=season.round, experts=[hacker])
    services.pin_assignment(by=season.organizer, round_entry=season.round_entry(2), expert=hacker)
    assignment = hacker.assignments.get()
    services.save_sheet(by=hacker.user, assignment=assignment, scores=FULL, comment="=1+1", submit=True)
    client.force_login(season.organizer)
    book = workbook(client.get(reverse("review:export", args=[season.round.pk, "scores"])))
    title = next(t for t in book.sheetnames if "HYPERLINK" in t)
    assert title.startswith("=HYPERLINK(")  # a sheet title is never evaluated
    (header, line) = rows(book, title)
    assert line[header.index("评语")] == "=1+1"
    data = client.get(reverse("review:export", args=[season.round.pk, "assignments"])).getvalue()
    assignments = rows(load_workbook(io.BytesIO(data), read_only=True), "分配表")
    mine = next(r for r in assignments if r[5].startswith("="))
    assert (mine[5], mine[6]) == ('=HYPERLINK("http://x","点我")', "@SUM(A1)")
    assert b"<f>" not in sheet_xml(data)  # every one of them a text cell, never a formula


def test_exporters_are_registered_and_render_csv(season):
    assert {"review.score_sheets", "review.ranking", "review.assignments", "review.conflicts"} <= set(
        exporters.REGISTRY
    )
    csv_text = exporters.render(exporters.REGISTRY["review.score_sheets"], "csv", round=season.round).decode(
        "utf-8-sig"
    )
    lines = csv_text.splitlines()
    assert lines[0] == ",".join(review_exporters.SCORE_COLUMNS)
    assert len(lines) == 1 + 6


def test_workbook_is_written_in_constant_memory_with_text_kept_text(season, monkeypatch):
    made = []
    original = exporters.xlsxwriter.Workbook

    def spy(target, options):
        made.append(options)
        return original(target, options)

    monkeypatch.setattr(exporters.xlsxwriter, "Workbook", spy)
    review_exporters.round_workbook(season.round, "ranking", now=datetime(2024, 8, 1, tzinfo=UTC))
    assert [(o["constant_memory"], o["strings_to_formulas"], o["strings_to_numbers"], o["strings_to_urls"])
            for o in made] == [(True, False, False, False)]  # fmt: skip
