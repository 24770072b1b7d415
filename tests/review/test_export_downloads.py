"""Review exports are streamed, and each has a CSV beside its workbook."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from contest.review import exporters as review_exporters
from tests.http import drain

from .test_organizer_views import build_season, open_round, score

pytestmark = pytest.mark.integration


@pytest.fixture
def season(ningbo):
    s = build_season(ningbo, n_entries=3, n_judges=3, k=2)
    open_round(s)
    score(s, {(0, 1): 30, (0, 2): 20, (1, 0): 25, (1, 2): 25})
    return s


@pytest.mark.parametrize("kind", ["ranking", "assignments", "conflicts"])
def test_csv_holds_the_rows_of_the_workbook_s_data_sheet(client, season, kind):
    client.force_login(season.organizer)
    url = reverse("review:export", args=[season.round.pk, kind])

    workbook = client.get(url)
    as_csv = client.get(url, {"format": "csv"})

    assert isinstance(workbook, FileResponse)
    assert isinstance(as_csv, StreamingHttpResponse)
    book = load_workbook(io.BytesIO(drain(workbook)))
    document = review_exporters.KINDS[kind][0]
    assert book.sheetnames == ["说明", document]
    cells = [["" if v is None else v for v in row] for row in book[document].iter_rows(values_only=True)]
    table = list(csv.reader(io.StringIO(drain(as_csv).decode("utf-8-sig"))))
    assert table[0] == [str(v) for v in cells[0]]
    assert len(table) == len(cells)
    assert [row[:4] for row in table[1:]] == [[str(v) for v in row[:4]] for row in cells[1:]]
    assert as_csv["Content-Disposition"].endswith(".csv")


def test_score_sheets_csv_puts_every_judge_in_one_table(client, season):
    client.force_login(season.organizer)

    response = client.get(reverse("review:export", args=[season.round.pk, "scores"]), {"format": "csv"})

    table = list(csv.reader(io.StringIO(drain(response).decode("utf-8-sig"))))
    assert table[0][:6] == ["评审专家", "工作单位", "匿名编号", "报名编号", "项目名称", "参赛主体"]
    assert table[0][-4:] == ["总分", "评语", "状态", "提交时间"]
    assert len(table) == 1 + 6  # 3 entries x 2 judges each
    assert sorted(row[table[0].index("状态")] for row in table[1:]).count("已提交") == 4
