"""Exports are streamed: a workbook from a temporary file in chunks, a CSV row by row."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook

from contest.core import exporters
from contest.core.exporters import (
    Exporter,
    Sheet,
    csv_response,
    download,
    table_response,
    write_csv,
    xlsx_response,
)
from tests.http import drain

pytestmark = pytest.mark.unit

COLUMNS = ["编号", "理由", "时间"]


def rows(n: int) -> list[dict]:
    stamp = datetime(2026, 5, 31, 15, 50, 7, tzinfo=UTC)
    return [{"编号": i, "理由": "=1+1" if i == 0 else f"第{i}条", "时间": stamp} for i in range(n)]


def test_workbook_download_is_a_file_response_streamed_in_chunks(monkeypatch):
    monkeypatch.setattr(exporters, "FILE_BLOCK_SIZE", 1024)
    response = xlsx_response([Sheet(title="异议", columns=COLUMNS, rows=rows(300))], "异议.xlsx")

    assert isinstance(response, FileResponse)
    chunks = list(response.streaming_content)
    response.file_to_stream.close()  # the server closes it once sent (close() would also fire request_finished)
    data = b"".join(chunks)
    assert len(chunks) == -(-len(data) // 1024) > 1  # read from the file, 1 KB at a time
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == exporters.XLSX
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%BC%82%E8%AE%AE.xlsx"
    read = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    wall_clock = datetime(2026, 5, 31, 23, 50, 7)  # noqa: DTZ001
    assert read == [
        tuple(COLUMNS),
        (0, "=1+1", wall_clock),
        *((i, f"第{i}条", wall_clock) for i in range(1, 300)),
    ]


def test_csv_download_streams_row_chunks_equal_to_the_whole_file():
    response = csv_response(COLUMNS, iter(rows(1201)), "异议.csv")

    assert isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # 500 + 500 + 201 rows (header and BOM in the first)
    assert b"".join(chunks) == write_csv(COLUMNS, rows(1201))
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff编号,理由,时间\n0,'=1+1,2026-05-31 23:50:07\n1,第1条,2026-05-31 23:50:07\n")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"


def test_download_picks_the_format_and_names_the_file():
    exporter = Exporter(name="x.rows", columns=COLUMNS[:2], rows=lambda n: rows(n), title="明细")

    as_csv = download(exporter, "csv", filename="明细", n=2)
    as_xlsx = download(exporter, "xlsx", filename="明细", n=2)

    as_xlsx_data = b"".join(as_xlsx.streaming_content)
    as_xlsx.file_to_stream.close()
    assert drain(as_csv).decode("utf-8") == "\ufeff编号,理由\n0,'=1+1\n1,第1条\n"
    assert as_csv["Content-Disposition"].endswith(".csv")
    book = load_workbook(io.BytesIO(as_xlsx_data))
    assert (book.sheetnames, [c.value for c in book.active[2]]) == (["明细"], [0, "=1+1"])
    with pytest.raises(ValueError, match="unknown format"):
        table_response(COLUMNS, [], fmt="json", title="x", filename="x")
