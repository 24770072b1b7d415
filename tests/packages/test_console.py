"""Console pages of package imports: upload, progress and report, confirm, downloads; everyone but
the event's organizers and the secretariat gets 404 on every URL."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from contest.catalog.models import Event
from contest.core.exporters import write_workbook
from contest.packages import services
from contest.packages.columns import ENTERPRISE_COLUMNS, MAKER_COLUMNS, MEMBER_COLUMNS
from contest.packages.enums import ImportStatus
from contest.packages.exporters import template_sheets
from contest.packages.models import PackageImport
from contest.registration.models import Entry
from tests.registration.factories import organizer_for, superuser, user

from .builders import enterprise_row, package

pytestmark = pytest.mark.integration


def test_upload_check_report_and_confirm_through_the_pages(
    client, ningbo, django_capture_on_commit_callbacks
):
    organizer = organizer_for(ningbo)
    client.force_login(organizer)
    data = package(
        [enterprise_row(1), enterprise_row(2, 商业计划书="企业组/2/缺少.pdf")], skip=["企业组/2/缺少.pdf"]
    )

    with django_capture_on_commit_callbacks(execute=True):  # the check job runs (immediate backend)
        response = client.post(reverse("packages:index", args=[ningbo.pk]),
                               {"file": SimpleUploadedFile("广东.zip", data)})  # fmt: skip
    rejected = PackageImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("packages:detail", args=[ningbo.pk, rejected.pk])

    page = client.get(response["Location"]).content.decode()
    assert "压缩包中没有这个文件。" in page
    assert "企业组/2/缺少.pdf" in page
    assert 'id="confirm-form"' not in page
    state = client.get(reverse("packages:status", args=[ningbo.pk, rejected.pk])).json()
    assert state == {"status": "rejected", "status_label": "未通过，未写入", "done": 2, "total": 2, "percent": 100,
                     "message": "发现 1 处问题，未写入任何数据。请修改后重新上传。", "finished": True}  # fmt: skip
    report = client.get(reverse("packages:report", args=[ningbo.pk, rejected.pk]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows == [
        ("工作表", "行", "列", "文件", "问题"),
        ("企业组", 3, "商业计划书", "企业组/2/缺少.pdf", "压缩包中没有这个文件。"),
    ]
    csv = b"".join(client.get(reverse("packages:report", args=[ningbo.pk, rejected.pk]) + "?format=csv")
                   .streaming_content).decode("utf-8-sig")  # fmt: skip
    assert csv == "工作表,行,列,文件,问题\n企业组,3,商业计划书,企业组/2/缺少.pdf,压缩包中没有这个文件。\n"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("packages:index", args=[ningbo.pk]),
                    {"file": SimpleUploadedFile("广东.zip", package([enterprise_row(3)]))})  # fmt: skip
    checked = PackageImport.objects.get(status=ImportStatus.CHECKED)
    assert (
        'id="confirm-form"'
        in client.get(reverse("packages:detail", args=[ningbo.pk, checked.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("packages:confirm", args=[ningbo.pk, checked.pk]))
    checked.refresh_from_db()
    assert (response.status_code, checked.status, Entry.objects.count()) == (302, ImportStatus.IMPORTED, 1)

    listing = client.get(reverse("packages:index", args=[ningbo.pk])).content.decode()
    assert listing.count("广东.zip") == 2
    assert "已导入" in listing


def test_a_file_of_another_kind_is_refused_in_the_form(client, ningbo):
    client.force_login(organizer_for(ningbo))

    response = client.post(reverse("packages:index", args=[ningbo.pk]),
                           {"file": SimpleUploadedFile("报名表.pdf", b"%PDF-1.4")})  # fmt: skip

    assert response.status_code == 200
    assert "请上传 ZIP 报名包（.zip），或不带文件的报名表（.xlsx）。" in response.content.decode()
    assert PackageImport.objects.count() == 0


def test_template_download_has_the_three_sheets_and_exact_headers(client, ningbo):
    client.force_login(organizer_for(ningbo))

    response = client.get(reverse("packages:template", args=[ningbo.pk]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    assert book.sheetnames == ["企业组", "创客组", "团队成员"]
    for sheet, columns in zip(
        book.worksheets, (ENTERPRISE_COLUMNS, MAKER_COLUMNS, MEMBER_COLUMNS), strict=True
    ):
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [c.header for c in columns]
        assert len(rows) == 2
    assert next(book["团队成员"].iter_rows(values_only=True)) == (
        "负责人手机", "项目名称", "成员姓名", "成员角色", "成员手机", "所在单位")  # fmt: skip


def test_the_template_itself_imports_as_a_bare_workbook_up_to_its_example_files(ningbo):
    data = write_workbook(template_sheets())

    checked = services.check_package(event=ningbo, handle=io.BytesIO(data), label="模板.xlsx")

    assert [(p["sheet"], p["column"]) for p in checked["problems"]] == [
        ("企业组", "商业计划书"), ("企业组", "项目图片"), ("企业组", "项目图片"), ("创客组", "商业计划书"),
        ("创客组", "项目图片"),
    ]  # fmt: skip


def test_pages_answer_404_outside_the_users_scope(client, ningbo):
    organizer = organizer_for(ningbo)
    shenzhen = Event.objects.get(edition=ningbo.edition, tier="regional", seq=33)
    theirs = services.upload_package(by=organizer, event=ningbo,
                                     file=SimpleUploadedFile("a.zip", package([enterprise_row(1)])))  # fmt: skip
    other_organizer = organizer_for(shenzhen)
    urls = [
        reverse("packages:index", args=[ningbo.pk]),
        reverse("packages:template", args=[ningbo.pk]),
        reverse("packages:detail", args=[ningbo.pk, theirs.pk]),
        reverse("packages:status", args=[ningbo.pk, theirs.pk]),
        reverse("packages:report", args=[ningbo.pk, theirs.pk]),
        # another event's id with this import: the import is looked up within the event only
        reverse("packages:detail", args=[shenzhen.pk, theirs.pk]),
    ]
    for person in (other_organizer, user()):
        client.force_login(person)
        statuses = [client.get(url).status_code for url in urls]
        posts = [client.post(reverse(name, args=[ningbo.pk, theirs.pk])).status_code
                 for name in ("packages:confirm", "packages:cancel")]  # fmt: skip
        assert (statuses, posts) == ([404] * 6, [404, 404])
    client.force_login(other_organizer)
    assert client.get(reverse("packages:detail", args=[shenzhen.pk, theirs.pk])).status_code == 404
    client.force_login(superuser())
    assert client.get(reverse("packages:detail", args=[ningbo.pk, theirs.pk])).status_code == 200


def test_the_list_page_makes_the_same_queries_for_one_and_three_imports(
    client, ningbo, django_assert_num_queries
):
    organizer = organizer_for(ningbo)
    client.force_login(organizer)
    url = reverse("packages:index", args=[ningbo.pk])

    def imports(count: int) -> None:
        for _n in range(count):
            PackageImport.objects.create(event=ningbo, uploaded_by=organizer, name="a.zip", size=1, sha256="0" * 64,
                                         status=ImportStatus.CANCELLED)  # fmt: skip

    imports(1)
    client.get(url)  # the session and the user's reach warmed up
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    imports(2)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("a.zip") == 3
