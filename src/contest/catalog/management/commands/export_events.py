import io
import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contest.catalog import selectors
from contest.catalog.exporters import EVENTS
from contest.core import exporters

FORMATS = ("json", "csv", "xlsx")


class Command(BaseCommand):
    help = "导出一届的赛事计划（JSON、CSV 或 XLSX），按计划顺序；表格单元格已防公式注入。"

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, required=True, help="届次，如 9")
        parser.add_argument("--format", choices=FORMATS, default="json", help="输出格式（默认 json）")
        parser.add_argument("--output", help="输出文件；不填则写到标准输出")

    def handle(self, *args, edition, format, output, **options):
        found = selectors.edition_by_number(edition)
        if found is None:
            raise CommandError(f"没有第 {edition} 届，无法导出。")
        data = exporters.render(EVENTS, format, edition=found)
        if output:
            write_atomically(Path(output), data)
        else:
            write_stream(options.get("stdout") or sys.stdout, data, binary=format == "xlsx")


def write_stream(stream, data: bytes, *, binary: bool) -> None:
    """Bytes to a byte stream, or to a text stream's buffer (sys.stdout); text only when it is text."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    elif not isinstance(stream, io.TextIOBase):
        stream.write(data)
    elif binary:
        raise CommandError("XLSX 是二进制格式，无法写入文本流；请用 --output 指定文件。")
    else:
        stream.write(data.decode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: the file ends up complete or not at all."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise CommandError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise CommandError(f"无法写入 {path}：{exc.strerror or exc}") from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
