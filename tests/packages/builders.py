"""Crafting event packages for tests (and the benchmark): a workbook written with openpyxl and a ZIP
written with zipfile, names in UTF-8 (with the flag) or GBK (without it, as Chinese Windows does)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook
from PIL import Image

from contest.packages.columns import ENTERPRISE_COLUMNS, MAKER_COLUMNS, MEMBER_COLUMNS
from tests.registration.factories import credit_code, pdf_bytes

ENTERPRISE_HEADERS = [c.header for c in ENTERPRISE_COLUMNS]
MAKER_HEADERS = [c.header for c in MAKER_COLUMNS]
MEMBER_HEADERS = [c.header for c in MEMBER_COLUMNS]


def enterprise_row(n: int = 1, **overrides) -> dict:
    row = {
        "企业名称": f"广州测试科技有限公司{n}", "统一社会信用代码": credit_code("440106"), "成立日期": "2020-05-01",
        "注册资本（万元）": "500", "从业人数": "45", "上年营业收入（万元）": "3200.5", "是否上市": "否",
        "所属行业": "C", "专精特新情况": "", "联系人": "张伟", "联系人手机": f"1381234{n:04d}",
        "项目名称": f"工业视觉缺陷检测平台{n}", "项目简介": "基于深度学习的表面缺陷检测。", "技术与创新": "小样本学习",
        "市场前景": "", "商业模式": "", "团队情况": "", "融资需求（万元）": "", "路演视频链接": "",
        "商业计划书": f"企业组/{n}/商业计划书.pdf", "项目图片": "", "是否推荐": "", "本地排名": "", "本地得分": "",
        "本地奖项": "",
    }  # fmt: skip
    row.update(overrides)
    return row


def maker_row(n: int = 1, **overrides) -> dict:
    row = {
        "团队名称": f"海洋监测团队{n}", "负责人姓名": "李明", "负责人手机": f"1390000{n:04d}", "未注册企业声明": "是",
        "行业领域": "M", "项目名称": f"便携式微塑料检测仪{n}", "项目简介": "十分钟内现场检测水样中的微塑料。",
        "技术与创新": "", "市场前景": "", "商业模式": "", "团队情况": "", "融资需求（万元）": "", "路演视频链接": "",
        "商业计划书": f"创客组/{n}/商业计划书.pdf", "项目图片": f"创客组/{n}/样机.png", "是否推荐": "",
        "本地排名": "", "本地得分": "", "本地奖项": "",
    }  # fmt: skip
    row.update(overrides)
    return row


def member_row(team: dict, n: int = 1, **overrides) -> dict:
    row = {"负责人手机": team["负责人手机"], "项目名称": team["项目名称"], "成员姓名": f"赵雪{n}",
           "成员角色": "算法", "成员手机": f"1370000{n:04d}", "所在单位": "中山大学"}  # fmt: skip
    row.update(overrides)
    return row


def workbook_bytes(enterprise: Iterable[dict] = (), maker: Iterable[dict] = (), members: Iterable[dict] = (),
                   *, sheets: tuple[str, ...] = ("企业组", "创客组", "团队成员"), title_row: str = "") -> bytes:  # fmt: skip
    book = Workbook()
    book.remove(book.active)
    data = {"企业组": (ENTERPRISE_HEADERS, enterprise), "创客组": (MAKER_HEADERS, maker),
            "团队成员": (MEMBER_HEADERS, members)}  # fmt: skip
    for name in sheets:
        headers, rows = data[name]
        sheet = book.create_sheet(name)
        if title_row:
            sheet.append([title_row])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


class _RawName(zipfile.ZipInfo):
    """A ZipInfo whose name is written as the given bytes, without the UTF-8 flag."""

    raw: bytes = b""

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def zip_bytes(files: dict[str, bytes], *, encoding: str = "utf-8", encrypted: Iterable[str] = (),
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:  # fmt: skip
    """A ZIP of ``files`` (name → bytes). ``encoding="gbk"`` writes every name in GBK without the
    UTF-8 flag; names in ``encrypted`` get the encryption flag (their data stays readable)."""
    buffer = io.BytesIO()
    locked = set(encrypted)
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            if encoding == "utf-8":
                info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 12, 0, 0))
            else:
                info = _RawName(name, date_time=(2024, 5, 1, 12, 0, 0))
                info.raw = name.encode("utf-8" if encoding == "utf-8-noflag" else encoding)
            info.compress_type = compression
            archive.writestr(info, data)
            if name in locked:  # in the central directory (zipfile resets the flags while writing)
                info.flag_bits |= 0x1
    return buffer.getvalue()


def package(enterprise: Iterable[dict] = (), maker: Iterable[dict] = (), members: Iterable[dict] = (), *,
            encoding: str = "utf-8", extra: dict[str, bytes] | None = None, skip: Iterable[str] = (),
            book_name: str = "报名表.xlsx") -> bytes:  # fmt: skip
    """A whole package: the workbook and a valid file for every path the rows name (except ``skip``)."""
    enterprise, maker, members = list(enterprise), list(maker), list(members)
    files = {book_name: workbook_bytes(enterprise, maker, members)}
    plan = pdf_bytes()
    image = png_bytes()
    for row in [*enterprise, *maker]:
        if row.get("商业计划书"):
            files[row["商业计划书"]] = plan
        for path in filter(None, (row.get("项目图片") or "").split("；")):
            files[path] = image
    for name in skip:
        files.pop(name, None)
    files.update(extra or {})
    return zip_bytes(files, encoding=encoding)
