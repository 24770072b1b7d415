"""Publicity exports (the list's items and the objection register) stream, as xlsx or CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from tests.http import drain

from .builders import T0, advancement_round, file_verified, objection_data, published_list

pytestmark = pytest.mark.integration


@pytest.fixture
def season(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=3, advance=2)
    with time_machine.travel(T0, tick=False):
        notice = published_list(ningbo, organizer, round_=round_)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        file_verified(by=None, notice=notice, data=objection_data(reason="=1+1 名次有误"))
    return {"organizer": organizer, "notice": notice}


@pytest.mark.parametrize("name", ["export_items", "export_objections"])
def test_csv_beside_the_workbook_holds_the_same_rows(client, season, name):
    client.force_login(season["organizer"])
    url = reverse(f"publicity_console:{name}", args=[season["notice"].pk])

    workbook = client.get(url)
    as_csv = client.get(url, {"format": "csv"})

    assert isinstance(workbook, FileResponse)
    assert isinstance(as_csv, StreamingHttpResponse)
    cells = [["" if v is None else str(v) for v in row]
             for row in load_workbook(io.BytesIO(drain(workbook))).active.iter_rows(values_only=True)]  # fmt: skip
    table = list(csv.reader(io.StringIO(drain(as_csv).decode("utf-8-sig"))))
    assert table[0] == cells[0]
    assert len(table) == len(cells) > 1
    assert [row[0] for row in table[1:]] == [row[0] for row in cells[1:]]
    assert as_csv["Content-Disposition"].endswith('.csv"')


def test_console_offers_both_downloads(client, season):
    client.force_login(season["organizer"])
    notice = season["notice"]

    html = client.get(reverse("publicity_console:detail", args=[notice.pk])).content.decode()

    for name in ("export_items", "export_objections"):
        url = reverse(f"publicity_console:{name}", args=[notice.pk])
        assert f'href="{url}"' in html
        assert f'href="{url}?format=csv"' in html
