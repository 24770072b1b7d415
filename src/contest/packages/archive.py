"""Opening an event package (a ZIP) safely: member names decoded right, hostile archives refused.

**Names.** A ZIP says a name is UTF-8 with flag bit 11; without it the bytes are in the maker's
code page, which on Chinese Windows is GBK. ``zipfile`` decodes such names as cp437, so the raw bytes
are recovered (re-encoded to cp437) and decoded as strict UTF-8 (macOS, Linux, 7-Zip) or else
GB18030 (GBK's superset); an Info-ZIP Unicode Path extra field (0x7075) whose CRC matches the raw
name wins over both. Backslashes are separators (some Windows tools write them).

**Refusals**, each naming the member: a path that climbs out (``..``), an absolute path or drive
letter, control characters, the same name twice, an encrypted member, a member whose compression
ratio is over :data:`MAX_RATIO` (a zip bomb),
members that overlap in the file (another bomb), more than :data:`MAX_MEMBERS` members, or more
than :data:`MAX_UNPACKED_BYTES` declared in all. The member count is read from the end-of-central
directory record *before* ``zipfile`` builds its index, so a million-entry directory costs nothing.
A file a row names is offered to the checks with its declared size, so one over the upload
limit (:data:`MAX_MEMBER_BYTES`) is refused by its row before a byte is read; reading a member
counts the bytes as they come and stops past the declared size or the limit (``zipfile`` also stops
at the declared size and checks the CRC). Nested archives (.zip, .rar, .7z) are listed as ignored, never
opened. Nothing is ever extracted under its own name.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _

from contest.core.errors import ValidationFailed
from contest.registration.validators import MAX_IMAGE_BYTES, MAX_PDF_BYTES

#: members one package may hold (4,000 projects with a plan and a few images each fit)
MAX_MEMBERS = 50_000
#: the unpacked size of one member; the workbook has its own bound (``MAX_WORKBOOK_BYTES``)
MAX_MEMBER_BYTES = max(MAX_PDF_BYTES, MAX_IMAGE_BYTES)
#: the workbook (or each CSV) inside a package
MAX_WORKBOOK_BYTES = 64 * 1024 * 1024
#: all members' declared sizes together
MAX_UNPACKED_BYTES = 32 * 1024**3
#: declared size ÷ compressed size for a member above RATIO_FLOOR bytes (PDFs and images barely compress)
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
#: the central directory itself (≈ 100 bytes per member)
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
NESTED_ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
#: what archivers add that nobody meant to send
_NOISE = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|~\$)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_UNICODE_PATH = 0x7075
_UTF8_FLAG = 0x800


class PackageRefused(ValidationFailed):
    """The package as a whole cannot be read; ``errors`` lists every reason, each naming its file."""

    def __init__(self, errors: list[str]):
        super().__init__(errors[0], errors=errors, field="file")


@dataclass(frozen=True)
class Member:
    """One file in the package, by its decoded name."""

    name: str
    info: zipfile.ZipInfo

    @property
    def size(self) -> int:
        return self.info.file_size


@dataclass
class Listing:
    """What a package holds: files by decoded name, and what was set aside."""

    members: dict[str, Member] = field(default_factory=dict)
    nested: list[str] = field(default_factory=list)
    noise: int = 0


def decode_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker typed it (see the module's notes on encodings)."""
    if info.flag_bits & _UTF8_FLAG:
        raw_name = info.orig_filename
    else:
        raw = info.orig_filename.encode("cp437")
        raw_name = _unicode_path(info, raw)
        if raw_name is None:
            for encoding in ("utf-8", "gb18030"):
                try:
                    raw_name = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raw_name = info.orig_filename
    return unicodedata.normalize("NFC", raw_name.replace("\\", "/"))


def _unicode_path(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field's UTF-8 name, when it describes this raw name."""
    extra = info.extra or b""
    offset = 0
    while offset + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if kind != _UNICODE_PATH or len(body) < 5 or body[0] != 1:
            continue
        (crc,) = struct.unpack_from("<I", body, 1)
        if crc != zlib.crc32(raw):
            return None
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def name_problem(name: str) -> str | None:
    """Why a member's name is refused, or None."""
    if _CONTROL.search(name):
        return _("文件名含有控制字符")
    if name.startswith("/") or _DRIVE.match(name):
        return _("文件名是绝对路径")
    if ".." in name.split("/"):
        return _("文件名含有“..”，指向压缩包之外")
    return None


def key_of(name: str) -> str:
    """How a name is matched: separators unified, ``./`` dropped, NFC, without case."""
    name = unicodedata.normalize("NFC", name.strip().replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    return name.casefold()


def declared_entries(handle: IO[bytes]) -> tuple[int, int]:
    """(members, central directory bytes) as the end-of-central-directory record declares them,
    read from the file's tail before anything else; (0, 0) when the record is missing."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    tail_size = min(size, 22 + 65535 + 20)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return 0, 0
    entries, directory = (
        struct.unpack_from("<H", tail, at + 10)[0],
        struct.unpack_from("<I", tail, at + 12)[0],
    )
    locator = at - 20
    if (
        (entries == 0xFFFF or directory == 0xFFFFFFFF)
        and locator >= 0
        and tail[locator : locator + 4] == _ZIP64_LOCATOR
    ):
        (record_at,) = struct.unpack_from("<Q", tail, locator + 8)
        if record_at + 56 <= size:
            handle.seek(record_at)
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06":
                entries, directory = struct.unpack_from("<QQ", record, 32)
    handle.seek(0)
    return entries, directory


def _overlapping(infos: list[zipfile.ZipInfo]) -> str | None:
    """The first member whose data overlaps the next one's header (a bomb's trick), or None."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in itertools.pairwise(ordered):
        if first.header_offset + 30 + first.compress_size > second.header_offset:
            return first.filename
    return None


@contextmanager
def open_package(handle: IO[bytes], *, label: str = "") -> Iterator[tuple[zipfile.ZipFile, Listing]]:
    """The ZIP in ``handle`` (seekable, binary) and its checked listing; :class:`PackageRefused`
    names every reason it cannot be used. ``label`` names the package in messages."""
    where = f"“{label}”" if label else _("压缩包")
    entries, directory = declared_entries(handle)
    if entries > MAX_MEMBERS:
        raise PackageRefused([_("%(where)s中有 %(count)d 个文件，超过上限 %(limit)d 个；请分成几个包导入。")
                              % {"where": where, "count": entries, "limit": MAX_MEMBERS}])  # fmt: skip
    if directory > MAX_DIRECTORY_BYTES:
        raise PackageRefused([_("%(where)s的目录过大，不是正常的报名包。") % {"where": where}])
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise PackageRefused([_("%(where)s无法打开：不是有效的 ZIP 文件（%(detail)s）。")
                              % {"where": where, "detail": exc}]) from exc  # fmt: skip
    try:
        yield archive, _listing(archive)
    finally:
        archive.close()


def _listing(archive: zipfile.ZipFile) -> Listing:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageRefused([_("压缩包中有 %(count)d 个文件，超过上限 %(limit)d 个；请分成几个包导入。")
                              % {"count": len(infos), "limit": MAX_MEMBERS}])  # fmt: skip
    listing = Listing()
    errors: list[str] = []
    seen: dict[str, str] = {}
    declared = 0
    for info in infos:
        name = decode_name(info)
        problem = name_problem(name)
        if problem:
            errors.append(
                _("文件“%(name)s”：%(problem)s，拒绝导入。") % {"name": _shown(name), "problem": problem}
            )
            continue
        if info.is_dir():
            continue
        if _NOISE.search(name):
            listing.noise += 1
            continue
        key = key_of(name)
        if key in seen:
            errors.append(_("文件“%(name)s”在压缩包中出现了两次。") % {"name": name})
            continue
        seen[key] = name
        if info.flag_bits & 0x1:
            errors.append(_("文件“%(name)s”已加密：请去掉密码后重新打包。") % {"name": name})
            continue
        declared += info.file_size
        if name.lower().endswith(NESTED_ARCHIVES):
            listing.nested.append(name)
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            errors.append(_("文件“%(name)s”的压缩比异常（%(ratio)d 倍），疑似压缩炸弹，拒绝导入。")
                          % {"name": name, "ratio": info.file_size // max(info.compress_size, 1)})  # fmt: skip
            continue
        listing.members[key] = Member(name=name, info=info)
    if declared > MAX_UNPACKED_BYTES:
        errors.append(_("压缩包解压后共 %(size)s，超过上限 %(limit)s。")
                      % {"size": megabytes(declared), "limit": megabytes(MAX_UNPACKED_BYTES)})  # fmt: skip
    overlap = _overlapping(infos)
    if overlap is not None:
        errors.append(_("文件“%(name)s”与其他文件在压缩包中重叠，疑似压缩炸弹，拒绝导入。")
                      % {"name": _shown(decode_name(archive.getinfo(overlap)))})  # fmt: skip
    if errors:
        raise PackageRefused(errors[:50] + ([_("……共 %(count)d 处问题。") % {"count": len(errors)}]
                                            if len(errors) > 50 else []))  # fmt: skip
    return listing


def _shown(name: str) -> str:
    """A refused name as a message may show it: control characters visible, length bounded."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)[:200]


def megabytes(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    return f"{size / 1024 / 1024:.1f} MB"


def read_member(archive: zipfile.ZipFile, member: Member, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """A member's bytes, counted while they come: never more than its declared size nor ``limit``.
    A damaged member (bad CRC, truncated) is refused naming it."""
    cap = min(member.size, limit)
    chunks: list[bytes] = []
    got = 0
    try:
        with archive.open(member.info) as stream:
            while chunk := stream.read(1024 * 1024):
                got += len(chunk)
                if got > cap:
                    raise PackageRefused([_("文件“%(name)s”解压后超过其声明的大小，疑似压缩炸弹，拒绝导入。")
                                          % {"name": member.name}])  # fmt: skip
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError,
            RuntimeError) as exc:  # fmt: skip
        raise PackageRefused([_("文件“%(name)s”已损坏，无法解压（%(detail)s）。")
                              % {"name": member.name, "detail": exc}]) from exc  # fmt: skip
    return b"".join(chunks)


def copy_member(archive: zipfile.ZipFile, member: Member, target: IO[bytes], *, limit: int) -> None:
    """Write a member to ``target`` in chunks (the workbook goes to a temporary file), bounded as
    :func:`read_member`."""
    got = 0
    cap = min(member.size, limit)
    try:
        with archive.open(member.info) as stream:
            while chunk := stream.read(1024 * 1024):
                got += len(chunk)
                if got > cap:
                    raise PackageRefused([_("文件“%(name)s”解压后超过其声明的大小，疑似压缩炸弹，拒绝导入。")
                                          % {"name": member.name}])  # fmt: skip
                target.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError,
            RuntimeError) as exc:  # fmt: skip
        raise PackageRefused([_("文件“%(name)s”已损坏，无法解压（%(detail)s）。")
                              % {"name": member.name, "detail": exc}]) from exc  # fmt: skip
    target.seek(0)
