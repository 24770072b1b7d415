"""From a package (a ZIP, or a bare .xlsx) to intake items: each row of 企业组 and 创客组 becomes one
``IntakeItem`` with its members (团队成员, matched by 负责人手机 + 项目名称) and its files (the paths
its 商业计划书 / 项目图片 cells name inside the ZIP, read only when the checks ask for them, one at a
time). What cannot become an item is a :class:`Problem` naming sheet, row, column and file.

Use :func:`open_items` as a context manager: the items' files read from the open archive."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils.translation import gettext as _

from contest.core.importing import header_key
from contest.packages.archive import (
    MAX_MEMBER_BYTES,
    MAX_WORKBOOK_BYTES,
    NESTED_ARCHIVES,
    Listing,
    Member,
    PackageRefused,
    copy_member,
    key_of,
    open_package,
    read_member,
)
from contest.packages.columns import ENTERPRISE_SHEET, HEADERS, MAKER_SHEET, MEMBER_SHEET, NOT_FIELDS
from contest.packages.workbook import SheetRows, csv_sheet_title, read_csv_sheets, read_workbook
from contest.registration.services.intake import IntakeFile, IntakeItem
from contest.review.services.recommendations import LocalResult

_PATHS = re.compile(r"[；;|\n\r]+")
_YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "推荐"})
_NO = frozenset({"", "否", "n", "no", "false", "0", "×", "不推荐"})
SCORE_LIMIT = Decimal("9999.9999")
AWARD_MAX = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong, by its place: sheet and row (and column), or a file, or the whole package."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    file: str = ""

    def place(self) -> str:
        parts = []
        if self.sheet:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(_("第 %(row)d 行") % {"row": self.row})
        if self.column:
            parts.append(f"“{self.column}”")
        if self.file:
            parts.append(_("文件“%(name)s”") % {"name": self.file})
        return " ".join(parts)

    def __str__(self) -> str:
        place = self.place()
        return f"{place}：{self.message}" if place else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "file": self.file,
                "message": self.message}  # fmt: skip


@dataclass
class Place:
    """Where an item came from: its sheet and row, its members' rows, the names of the files it
    was given (``images`` in the item's order)."""

    sheet: str
    row: int
    members: list[int] = field(default_factory=list)
    plan: str = ""
    images: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    items: list[IntakeItem] = field(default_factory=list)
    places: dict[str, Place] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: item key → its local result, for the rows marked 是否推荐 = 是
    results: dict[str, LocalResult] = field(default_factory=dict)
    members: int = 0
    files: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "enterprise": sum(1 for i in self.items if i.group == "enterprise"),
            "maker": sum(1 for i in self.items if i.group == "maker"),
            "members": self.members, "files": self.files, "recommended": len(self.results),
        }  # fmt: skip


def item_key(sheet: str, row: int) -> str:
    return f"{sheet} 第 {row} 行"


def _phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def _team_key(phone: str, title: str) -> tuple[str, str]:
    return _phone_key(phone), header_key(title).casefold()


def _is_workbook(archive: zipfile.ZipFile) -> bool:
    names = set(archive.namelist())
    return "xl/workbook.xml" in names and "[Content_Types].xml" in names


@contextmanager
def open_items(handle: IO[bytes], *, label: str) -> Iterator[Parsed]:
    """The package in ``handle`` (seekable) as items; a package that cannot be read at all raises
    :class:`~contest.packages.archive.PackageRefused`."""
    with open_package(handle, label=label) as (archive, listing):
        if _is_workbook(archive):
            handle.seek(0)
            sheets = read_workbook(handle, label=label)
            yield _parse(sheets, archive=None, listing=Listing())
            return
        sheets = _sheets_in(archive, listing)
        parsed = _parse(sheets, archive=archive, listing=listing)
        if listing.nested:
            parsed.warnings.append(_("已忽略压缩包中的压缩包（不读取）：%(names)s")
                                   % {"names": "、".join(listing.nested[:20])})  # fmt: skip
        yield parsed


def _sheets_in(archive: zipfile.ZipFile, listing: Listing) -> dict[str, SheetRows]:
    books = [m for m in listing.members.values() if m.name.lower().endswith(".xlsx")]
    if len(books) > 1:
        raise PackageRefused([_("压缩包中有 %(count)d 个 Excel 文件（%(names)s），应只有一个报名表。")
                              % {"count": len(books), "names": "、".join(b.name for b in books[:10])}])  # fmt: skip
    if books:
        book = books[0]
        if book.size > MAX_WORKBOOK_BYTES:
            raise PackageRefused([_("报名表“%(name)s”解压后超过 64 MB。") % {"name": book.name}])
        with tempfile.TemporaryFile() as spool:
            copy_member(archive, book, spool, limit=MAX_WORKBOOK_BYTES)
            return read_workbook(spool, label=book.name)
    csvs: dict[str, tuple[str, bytes]] = {}
    for member in listing.members.values():
        if member.name.lower().endswith(".csv"):
            stem = member.name.rsplit("/", 1)[-1][:-4]
            title = csv_sheet_title(stem)
            if title is None:
                continue
            if title in csvs:
                raise PackageRefused([_("压缩包中有两个“%(sheet)s”表：%(a)s、%(b)s。")
                                      % {"sheet": title, "a": csvs[title][0], "b": member.name}])  # fmt: skip
            csvs[title] = (member.name, read_member(archive, member, limit=MAX_WORKBOOK_BYTES))
    if not csvs:
        raise PackageRefused([_("压缩包中没有报名表：应有一个 .xlsx 文件（工作表“企业组”“创客组”“团队成员”），"
                                "或名为 企业组.csv、创客组.csv、团队成员.csv 的文件。")])  # fmt: skip
    return read_csv_sheets(csvs)


class _Files:
    """Resolving the paths the rows name to members, each used by one row only."""

    def __init__(self, archive: zipfile.ZipFile | None, listing: Listing):
        self.archive, self.listing = archive, listing
        self.used: dict[str, str] = {}
        roots = {key.split("/", 1)[0] for key in listing.members if "/" in key}
        flat = any("/" not in key for key in listing.members)
        self.root = next(iter(roots)) if len(roots) == 1 and not flat else ""
        self.nested = {key_of(n) for n in listing.nested}
        self.last = ""  # the member name the last successful ``resolve`` found

    def find(self, path: str) -> Member | None:
        key = key_of(path)
        member = self.listing.members.get(key)
        if member is None and self.root:
            member = self.listing.members.get(f"{self.root}/{key}")
        return member

    def resolve(self, path: str, *, where: str, sheet: str, row: int, column: str,
                problems: list[Problem]) -> IntakeFile | None:  # fmt: skip
        if self.archive is None:
            problems.append(Problem(_("上传的是单独的 Excel 文件，没有附带任何文件；请将报名表与文件一起打包为 ZIP。"),
                                    sheet=sheet, row=row, column=column, file=path))  # fmt: skip
            return None
        member = self.find(path)
        if member is None:
            key = key_of(path)
            nested = key in self.nested or (self.root and f"{self.root}/{key}" in self.nested)
            message = (_("这是压缩包中的压缩包，不会被读取；请解压后放入报名包。") if nested or
                       path.lower().endswith(NESTED_ARCHIVES) else _("压缩包中没有这个文件。"))  # fmt: skip
            problems.append(Problem(message, sheet=sheet, row=row, column=column, file=path))
            return None
        first = self.used.get(member.name)
        if first is not None:
            problems.append(Problem(_("这个文件已由%(first)s使用；每个文件只能属于一个项目。") % {"first": first},
                                    sheet=sheet, row=row, column=column, file=member.name))  # fmt: skip
            return None
        self.used[member.name] = where
        self.last = member.name
        archive = self.archive
        return IntakeFile(name=member.name.rsplit("/", 1)[-1], size=member.size,
                          read=lambda: read_member(archive, member, limit=MAX_MEMBER_BYTES))  # fmt: skip


def _parse(sheets: dict[str, SheetRows], *, archive: zipfile.ZipFile | None, listing: Listing) -> Parsed:
    parsed = Parsed()
    files = _Files(archive, listing)
    for title, rows in sheets.items():
        if rows.ignored:
            parsed.warnings.append(_("工作表“%(sheet)s”中已忽略无法识别的列：%(columns)s")
                                   % {"sheet": title, "columns": "、".join(rows.ignored)})  # fmt: skip
    teams: dict[tuple[str, str], IntakeItem] = {}
    seen: dict[tuple[str, ...], str] = {}
    for title, group in ((ENTERPRISE_SHEET, "enterprise"), (MAKER_SHEET, "maker")):
        headers = HEADERS[title]
        for row in sheets[title].rows:
            number = row["row"]
            key = item_key(title, number)
            fields = {k: v for k, v in row.items() if k != "row" and k not in NOT_FIELDS}
            if group == "enterprise":
                identity = ("enterprise", re.sub(r"\s", "", fields.get("credit_code", "")).upper())
                column = headers["credit_code"]
            else:
                identity = ("maker", *_team_key(fields.get("leader_phone", ""), fields.get("title", "")))
                column = headers["leader_phone"]
            if all(identity[1:]) and identity in seen:
                parsed.problems.append(Problem(
                    _("与%(first)s是同一项目（同一%(what)s），请合并为一行。")
                    % {"first": seen[identity], "what": _("统一社会信用代码") if group == "enterprise"
                       else _("负责人手机与项目名称")},
                    sheet=title, row=number, column=column))  # fmt: skip
                continue
            seen[identity] = key
            place = Place(sheet=title, row=number)
            item = IntakeItem(key=key, group=group, fields=fields)
            plan = (row.get("business_plan") or "").strip()
            if plan:
                item.business_plan = files.resolve(plan, where=key, sheet=title, row=number,
                                                   column=headers["business_plan"], problems=parsed.problems)  # fmt: skip
                place.plan = files.last if item.business_plan is not None else ""
            for path in (p.strip() for p in _PATHS.split(row.get("images") or "")):
                if not path:
                    continue
                found = files.resolve(path, where=key, sheet=title, row=number, column=headers["images"],
                                      problems=parsed.problems)  # fmt: skip
                if found is not None:
                    item.images.append(found)
                    place.images.append(files.last)
            parsed.files += (1 if item.business_plan else 0) + len(item.images)
            result = _local_result(row, sheet=title, number=number, headers=headers, problems=parsed.problems)
            if result is not None:
                parsed.results[key] = result
            parsed.items.append(item)
            parsed.places[key] = place
            if group == "maker":
                teams[identity[1:]] = item
    _attach_members(sheets[MEMBER_SHEET], teams, parsed)
    return parsed


def _attach_members(sheet: SheetRows, teams: dict[tuple[str, str], IntakeItem], parsed: Parsed) -> None:
    headers = HEADERS[MEMBER_SHEET]
    for row in sheet.rows:
        team = teams.get(_team_key(row.get("leader_phone", ""), row.get("title", "")))
        if team is None:
            parsed.problems.append(Problem(
                _("创客组中没有负责人手机为“%(phone)s”、项目名称为“%(title)s”的团队。")
                % {"phone": row.get("leader_phone", ""), "title": row.get("title", "")},
                sheet=MEMBER_SHEET, row=row["row"], column=headers["leader_phone"]))  # fmt: skip
            continue
        team.members.append({k: row.get(k, "") for k in ("name", "role", "phone", "affiliation")})
        parsed.places[team.key].members.append(row["row"])
        parsed.members += 1


def _local_result(row: dict, *, sheet: str, number: int, headers: dict[str, str],
                  problems: list[Problem]) -> LocalResult | None:  # fmt: skip
    """The row's local result when it is recommended (是否推荐 = 是); problems name the cell."""
    flag = (row.get("recommended") or "").strip().casefold()
    if flag in _NO:
        return None
    if flag not in _YES:
        problems.append(
            Problem(_("应填“是”或“否”。"), sheet=sheet, row=number, column=headers["recommended"])
        )
        return None
    ok = True
    rank = None
    text = (row.get("local_rank") or "").strip().removeprefix("第").removesuffix("名")
    if text:
        if text.isdigit() and 1 <= int(text) <= 100_000:
            rank = int(text)
        else:
            problems.append(Problem(_("名次应为 1 到 100000 的整数。"), sheet=sheet, row=number,
                                    column=headers["local_rank"]))  # fmt: skip
            ok = False
    score = None
    text = (row.get("local_score") or "").strip()
    if text:
        try:
            score = Decimal(text)
        except InvalidOperation:
            score = None
        if score is None or not score.is_finite() or not -SCORE_LIMIT <= score <= SCORE_LIMIT:
            problems.append(Problem(_("得分应为数字（-9999.9999 到 9999.9999）。"), sheet=sheet, row=number,
                                    column=headers["local_score"]))  # fmt: skip
            ok = False
    award = (row.get("local_award") or "").strip()
    if len(award) > AWARD_MAX:
        problems.append(Problem(_("奖项不能超过 %(limit)d 字。") % {"limit": AWARD_MAX}, sheet=sheet, row=number,
                                column=headers["local_award"]))  # fmt: skip
        ok = False
    return LocalResult(rank=rank, score=score, award=award) if ok else None
