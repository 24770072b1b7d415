"""The shared layer's contracts, on their own: access (scope, require), console views, importing."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from openpyxl import Workbook

from contest.core import access, importing
from contest.core.errors import NotFound, PermissionDenied, ValidationFailed
from contest.core.views import SAFE, ConsoleView, Lookup, show_refusal, site_url

pytestmark = pytest.mark.unit


@dataclass
class Person:
    """A stand-in user: what core asks of a user object (signed in, permissions, reach)."""

    perms: set[tuple[str, object]] = field(default_factory=set)
    reach_value: access.Reach = access.NOBODY
    is_authenticated: bool = True
    is_active: bool = True

    def has_perm(self, perm, obj=None) -> bool:
        return (perm, obj) in self.perms

    def reach(self) -> access.Reach:
        return self.reach_value


# -- access ------------------------------------------------------------------------------------------------


def test_scope_of_a_secretariat_of_every_edition_is_everything():
    assert access.management_scope(Person(reach_value=access.Reach(all_editions=True))) == Q()


def test_scope_of_nobody_is_none():
    assert access.management_scope(Person()) is None
    assert access.management_scope(AnonymousUser()) is None


def test_scope_joins_editions_and_hosted_events():
    hosted = ["subquery"]
    person = Person(reach_value=access.Reach(editions=frozenset({9, 3}), organizations=frozenset({5}),
                                             hosted_events=hosted))  # fmt: skip

    scope = access.management_scope(person, event_field="pk", edition_field="edition_id")

    assert scope == Q(edition_id__in=[3, 9]) | Q(pk__in=hosted)


def test_require_passes_with_the_permission():
    thing = object()
    assert access.require(Person(perms={("app.do", thing)}), "app.do", thing) is None


def test_require_hides_what_the_user_may_not_see():
    with pytest.raises(NotFound):
        access.require(Person(), "app.do", object(), visible_with="app.view")


def test_require_forbids_what_the_user_may_see():
    thing = object()
    with pytest.raises(PermissionDenied) as refused:
        access.require(Person(perms={("app.view", thing)}), "app.do", thing, visible_with="app.view",
                       message="只有报名人可以提交项目。")  # fmt: skip
    assert (refused.value.status_code, refused.value.message) == (403, "只有报名人可以提交项目。")


# -- console views ------------------------------------------------------------------------------------------

BOOKS = {1: "book one", 2: "book two"}
PAGES = {(1, 10): "page ten of book one"}
BOOK = Lookup("book", lambda request, pk, found: BOOKS.get(pk), perm="shelf.read")
PAGE = Lookup("page", lambda request, pk, found: PAGES.get((found["book"] and 1, pk)))
shelf_view = ConsoleView(gate=lambda user: bool(getattr(user, "perms", None)), lookups=(BOOK, PAGE))


@shelf_view(SAFE)
def read_page(request, book, page):
    return HttpResponse(f"{book}/{page}")


def _request(method: str, user):
    request = getattr(RequestFactory(), method.lower())("/console/shelf/")
    request.user = user
    return request


def test_console_view_hands_the_view_its_objects():
    reader = Person(perms={("shelf.read", "book one")})
    response = read_page(_request("GET", reader), book_id=1, page_id=10)
    assert (response.status_code, response.content.decode()) == (200, "book one/page ten of book one")


def test_console_view_sends_the_anonymous_to_sign_in():
    response = read_page(_request("GET", AnonymousUser()), book_id=1, page_id=10)
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/console/shelf/")


@pytest.mark.parametrize(
    ("perms", "book_id", "page_id"),
    [
        (set(), 1, 10),  # no console at all
        ({("shelf.read", "book one")}, 3, 10),  # no such book
        ({("shelf.read", "book one")}, 2, 10),  # a book the reader may not read
        ({("shelf.read", "book one")}, 1, 11),  # no such page in the book
    ],
    ids=["gate", "missing", "not-permitted", "missing-child"],
)
def test_console_view_answers_404_outside_the_scope_to_every_method(perms, book_id, page_id):
    for method in ("GET", "POST", "DELETE"):
        with pytest.raises(Http404):
            read_page(_request(method, Person(perms=perms)), book_id=book_id, page_id=page_id)


def test_console_view_answers_405_only_inside_the_scope():
    reader = Person(perms={("shelf.read", "book one")})
    response = read_page(_request("POST", reader), book_id=1, page_id=10)
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD")


def test_show_refusal_lists_every_problem_once():
    request = _request("GET", Person())
    request.session = {}
    request._messages = FallbackStorage(request)

    show_refusal(
        request,
        ValidationFailed("有 2 处需要更正。", errors=["请填写项目名称。", "请填写项目名称。", "日期有误。"]),
    )

    assert [m.message for m in request._messages] == ["请填写项目名称。", "日期有误。"]


def test_site_url_prefers_the_setting(settings):
    settings.SITE_URL = "https://cnmaker.example.cn/"
    assert site_url(RequestFactory().get("/", HTTP_HOST="127.0.0.1:8123")) == "https://cnmaker.example.cn"


def test_site_url_follows_the_request_without_a_setting(settings):
    settings.SITE_URL = ""
    assert site_url(RequestFactory().get("/", HTTP_HOST="127.0.0.1:8123")) == "http://127.0.0.1:8123"


# -- importing ----------------------------------------------------------------------------------------------

COLUMNS = (
    importing.Column("name", "姓名", True),
    importing.Column("phone", "手机", True, aliases=("手机号",)),
    importing.Column("title", "职称"),
)


def _csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


def test_read_rows_keys_rows_by_field_with_their_row_numbers():
    data = _csv("\n姓 名,手机号,备注\n王建国,13905740001,x\n,,\n李明,13905740002,\n")

    table = importing.read_rows(data, filename="a.csv", columns=COLUMNS, max_bytes=10_000, row_limit=10)

    assert table.rows == [
        {"row": 3, "name": "王建国", "phone": "13905740001"},
        {"row": 5, "name": "李明", "phone": "13905740002"},
    ]
    assert table.ignored_columns == ["备注"]


def test_read_rows_names_every_header_problem():
    with pytest.raises(importing.TableError) as refused:
        importing.read_rows(_csv("姓名,姓名\n王,1\n"), filename="a.csv", columns=COLUMNS, max_bytes=10_000,
                            row_limit=10)  # fmt: skip
    assert refused.value.errors == [
        "第 1 行表头“姓名”出现了两次。",
        "缺少必需的列：手机。请使用导入模板的表头。",
    ]


def test_read_rows_refuses_an_empty_file_and_a_header_without_rows():
    for text, message in (("\n\n", "文件是空的：第一行应为表头。"), ("姓名,手机\n", "表头下面没有数据行。")):
        with pytest.raises(importing.TableError) as refused:
            importing.read_rows(_csv(text), filename="a.csv", columns=COLUMNS, max_bytes=10_000, row_limit=10)
        assert refused.value.errors == [message]


def test_rows_from_stops_reading_at_the_row_limit():
    consumed = []

    def lines():
        yield ["姓名", "手机"]
        for i in range(1_000_000):
            consumed.append(i)
            yield [f"人{i}", "13905740001"]

    with pytest.raises(importing.TableError) as refused:
        importing.rows_from(lines(), columns=COLUMNS, row_limit=3)

    assert (refused.value.errors, len(consumed)) == (["一次最多导入 3 行，文件超过了 3 行；请分批导入。"], 4)


def test_read_rows_reads_a_workbook_and_numbers_typed_as_numbers():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "职称"])
    sheet.append(["王建国", 13905740001, True])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = importing.read_rows(buffer.getvalue(), filename="experts.xlsx", columns=COLUMNS, max_bytes=1_000_000,
                                row_limit=10)  # fmt: skip

    assert table.rows == [{"row": 2, "name": "王建国", "phone": "13905740001", "title": "是"}]


def test_read_rows_checks_the_size_before_reading():
    with pytest.raises(importing.TableError) as refused:
        importing.read_rows(b"x" * 3 * 1024 * 1024, filename="a.csv", columns=COLUMNS, max_bytes=2 * 1024 * 1024,
                            row_limit=10)  # fmt: skip
    assert refused.value.errors == ["文件过大：3.0 MB，上限 2 MB。"]


def test_row_error_names_row_and_column():
    assert str(importing.RowError(7, "手机", "不是有效的手机号。")) == "第 7 行“手机”：不是有效的手机号。"
