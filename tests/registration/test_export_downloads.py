"""The console's entry export is streamed: the workbook from a temporary file, CSV row by row."""

from __future__ import annotations

import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from contest.registration.exporters import ENTRY_COLUMNS
from tests.http import drain

from .factories import organizer_for, submitted_entry

pytestmark = pytest.mark.integration


@pytest.fixture
def org_client(client, ningbo):
    client.force_login(organizer_for(ningbo, "ningbo-org"))
    return client


def test_entry_export_streams_the_workbook_and_a_csv_with_the_same_rows(org_client, ningbo):
    first = submitted_entry(ningbo, title='=HYPERLINK("http://x")')
    second = submitted_entry(ningbo, title="港口集卡智能调度平台")
    url = reverse("console:entry_export", args=[ningbo.pk])

    workbook = org_client.get(url)
    as_csv = org_client.get(url, {"format": "csv"})

    assert isinstance(workbook, FileResponse)
    assert isinstance(as_csv, StreamingHttpResponse)
    rows = list(load_workbook(io.BytesIO(drain(workbook))).active.iter_rows(values_only=True))
    assert rows[0] == ENTRY_COLUMNS
    numbers = sorted([(first.number, first.title), (second.number, second.title)])
    assert [(r[0], r[ENTRY_COLUMNS.index("项目名称")]) for r in rows[1:]] == numbers
    lines = drain(as_csv).decode("utf-8").splitlines()
    assert lines[0] == "\ufeff" + ",".join(ENTRY_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == [n for n, _ in numbers]
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"].endswith(".csv")
    assert workbook["Content-Disposition"].endswith(".xlsx")


def test_entry_list_offers_a_csv_download_beside_the_workbook(org_client, ningbo):
    submitted_entry(ningbo)
    html = org_client.get(
        reverse("console:entry_list", args=[ningbo.pk]), {"status": "submitted"}
    ).content.decode()

    export = reverse("console:entry_export", args=[ningbo.pk])
    assert f'href="{export}?status=submitted&amp;format=csv"' in html
    assert f'href="{export}?status=submitted"' in html
