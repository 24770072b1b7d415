"""Opening packages: names in GBK or UTF-8 read right; hostile archives refused, naming the file."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from contest.packages.archive import (
    MAX_MEMBERS,
    PackageRefused,
    declared_entries,
    decode_name,
    open_package,
    read_member,
)

from .builders import zip_bytes

pytestmark = pytest.mark.unit


def listing_of(data: bytes):
    with open_package(io.BytesIO(data), label="包.zip") as (_archive, listing):
        return listing


def refusal(data: bytes) -> list[str]:
    with pytest.raises(PackageRefused) as caught, open_package(io.BytesIO(data), label="包.zip"):
        pass
    return caught.value.errors


def test_gbk_names_without_the_utf8_flag_are_decoded():
    data = zip_bytes({"企业组/宁波创新/商业计划书.pdf": b"%PDF", "报名表.xlsx": b"x"}, encoding="gbk")
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()

    assert [i.flag_bits & 0x800 for i in infos] == [0, 0]
    assert [decode_name(i) for i in infos] == ["企业组/宁波创新/商业计划书.pdf", "报名表.xlsx"]
    assert sorted(m.name for m in listing_of(data).members.values()) == [
        "企业组/宁波创新/商业计划书.pdf",
        "报名表.xlsx",
    ]


def test_gb18030_only_characters_are_decoded():
    data = zip_bytes({"创客组/𠀀团队/计划书.pdf": b"%PDF"}, encoding="gb18030")

    assert [m.name for m in listing_of(data).members.values()] == ["创客组/𠀀团队/计划书.pdf"]


def test_utf8_flagged_names_are_read_as_utf8():
    data = zip_bytes({"创客组/海洋团队/样机.png": b"png"})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]

    assert info.flag_bits & 0x800 == 0x800
    assert decode_name(info) == "创客组/海洋团队/样机.png"


def test_utf8_names_without_the_flag_are_read_as_utf8():
    data = zip_bytes({"企业组/图片.png": b"png"}, encoding="utf-8-noflag")

    assert [m.name for m in listing_of(data).members.values()] == ["企业组/图片.png"]


def test_unicode_path_extra_field_wins_when_its_crc_matches():
    raw = "计划书.pdf".encode("gbk")
    info = zipfile.ZipInfo(raw.decode("cp437"))
    utf8 = "计划书（终版）.pdf".encode()
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(raw)) + utf8

    assert decode_name(info) == "计划书（终版）.pdf"


def test_backslash_separators_are_slashes():
    data = zip_bytes({"企业组\\a.pdf": b"%PDF"}, encoding="gbk")

    assert list(listing_of(data).members) == ["企业组/a.pdf"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/passwd", "文件名含有“..”，指向压缩包之外"),
        ("企业组/../../x.pdf", "文件名含有“..”，指向压缩包之外"),
        ("/etc/passwd", "文件名是绝对路径"),
        ("C:/Windows/win.ini", "文件名是绝对路径"),
        ("a\x01b.pdf", "文件名含有控制字符"),
    ],
)
def test_hostile_names_refuse_the_package_naming_the_file(name, reason):
    data = zip_bytes({name: b"x", "ok.pdf": b"x"}, encoding="gbk")
    shown = name.replace("\x01", "\\x01")

    assert refusal(data) == [f"文件“{shown}”：{reason}，拒绝导入。"]


def test_a_name_twice_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("企业组/a.pdf", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("企业组/a.pdf", b"2")

    assert refusal(buffer.getvalue()) == ["文件“企业组/a.pdf”在压缩包中出现了两次。"]


def test_names_differing_only_in_case_are_the_same_file():
    data = zip_bytes({"Plans/A.pdf": b"1", "plans/a.pdf": b"2"})

    assert refusal(data) == ["文件“plans/a.pdf”在压缩包中出现了两次。"]


def test_encrypted_member_is_refused():
    data = zip_bytes({"企业组/a.pdf": b"%PDF", "报名表.xlsx": b"x"}, encrypted=["企业组/a.pdf"])

    assert refusal(data) == ["文件“企业组/a.pdf”已加密：请去掉密码后重新打包。"]


def test_a_member_with_an_absurd_compression_ratio_is_a_bomb():
    data = zip_bytes({"炸弹.pdf": b"\0" * (16 * 1024 * 1024)})

    assert len(data) < 100_000
    assert refusal(data) == ["文件“炸弹.pdf”的压缩比异常（1028 倍），疑似压缩炸弹，拒绝导入。"]


def test_reading_stops_at_the_limit_and_names_the_file():
    data = zip_bytes({"大.pdf": b"%PDF" + b"x" * 5000}, compression=zipfile.ZIP_STORED)

    with open_package(io.BytesIO(data)) as (archive, listing):
        member = listing.members["大.pdf"]
        with pytest.raises(PackageRefused) as caught:
            read_member(archive, member, limit=1000)
        assert read_member(archive, member) == b"%PDF" + b"x" * 5000

    assert caught.value.errors == ["文件“大.pdf”解压后超过其声明的大小，疑似压缩炸弹，拒绝导入。"]


def test_a_member_larger_than_declared_is_refused_by_its_crc():
    data = bytearray(zip_bytes({"a.pdf": b"A" * 100}, compression=zipfile.ZIP_STORED))
    data[data.index(b"A" * 100) + 50] = ord("B")  # the bytes changed after the CRC was written

    with open_package(io.BytesIO(bytes(data))) as (archive, listing), pytest.raises(PackageRefused) as caught:
        read_member(archive, listing.members["a.pdf"])

    assert caught.value.errors[0].startswith("文件“a.pdf”已损坏，无法解压（Bad CRC-32 for file")


def test_overlapping_members_are_a_bomb():
    data = bytearray(zip_bytes({"a.pdf": b"A" * 200, "b.pdf": b"B" * 200}, compression=zipfile.ZIP_STORED))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    second = archive.infolist()[1]
    directory = data.rindex(b"PK\x01\x02")  # b.pdf's central record: point it at a.pdf's header
    struct.pack_into("<I", data, directory + 42, 0)
    assert second.header_offset > 0

    assert refusal(bytes(data)) == ["文件“a.pdf”与其他文件在压缩包中重叠，疑似压缩炸弹，拒绝导入。"]


def test_too_many_members_are_refused_before_the_directory_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(MAX_MEMBERS + 1):
            archive.writestr(f"f{n}", b"")

    assert declared_entries(io.BytesIO(buffer.getvalue()))[0] == MAX_MEMBERS + 1
    assert refusal(buffer.getvalue()) == ["“包.zip”中有 50001 个文件，超过上限 50000 个；请分成几个包导入。"]


def test_nested_archives_and_archiver_noise_are_set_aside():
    data = zip_bytes({"材料.zip": b"PK", "__MACOSX/._a.pdf": b"", "a.pdf": b"%PDF", ".DS_Store": b""})
    listing = listing_of(data)

    assert (list(listing.members), listing.nested, listing.noise) == (["a.pdf"], ["材料.zip"], 2)


def test_not_a_zip_is_refused():
    assert refusal(b"this is not a zip") == [
        "“包.zip”无法打开：不是有效的 ZIP 文件（File is not a zip file）。"
    ]
