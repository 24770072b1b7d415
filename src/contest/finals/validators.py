"""Input checks for the finals: the roadshow format (segments) and live scores."""

from __future__ import annotations

import re
from decimal import Decimal

from contest.core.errors import ValidationFailed
from contest.core.inputs import as_decimal, check_text

MAX_SEGMENTS = 6
MAX_SEGMENT_SECONDS = 3600

#: The formats seen in the competition's finals, as a person types them.
SEGMENT_PRESETS: dict[str, str] = {
    "8+7": "项目路演 8 分钟 + 评委问答 7 分钟",
    "5+5": "项目路演 5 分钟 + 评委问答 5 分钟",
    "6+3": "项目路演 6 分钟 + 评委问答 3 分钟",
    "7+3": "项目路演 7 分钟 + 评委问答 3 分钟",
    "1+7+4": "视频展示 1 分钟 + 项目路演 7 分钟 + 评委问答 4 分钟",
}

_PART = re.compile(
    r"^\s*(?P<label>.*?)\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>分钟|分|min|m|秒钟|秒|s|sec)?\s*$",
    re.IGNORECASE,
)


def parse_segments(text: str) -> list[dict]:
    """``"项目路演 8 分钟 + 评委问答 7 分钟"`` → ``[{"label": "项目路演", "seconds": 480}, …]``.

    Parts are separated by ``+`` (or ``＋``, ``；``, new lines); each ends with a number and an
    optional unit (分钟 by default, 秒 for seconds). A part without a label is named 环节 n."""
    parts = [p for p in re.split(r"[+＋;；\n]", text or "") if p.strip()]
    if not parts:
        raise ValidationFailed("请填写路演环节，例如“项目路演 8 分钟 + 评委问答 7 分钟”。", field="segments")
    if len(parts) > MAX_SEGMENTS:
        raise ValidationFailed(f"路演环节最多 {MAX_SEGMENTS} 个。", field="segments")
    out = []
    for i, part in enumerate(parts, start=1):
        match = _PART.match(part)
        if match is None:
            raise ValidationFailed(f"第 {i} 个环节“{part.strip()}”应以时长结尾，例如“项目路演 8 分钟”。",
                                   field="segments")  # fmt: skip
        unit = (match["unit"] or "分钟").lower()
        number = Decimal(match["num"])
        seconds = int(number if unit in ("秒钟", "秒", "s", "sec") else number * 60)
        out.append({"label": match["label"].strip() or f"环节{i}", "seconds": seconds})
    return clean_segments(out)


def clean_segments(segments) -> list[dict]:
    """Segments as stored: a list of ``{"label": str, "seconds": int}``, 1–6 of them."""
    if isinstance(segments, str):
        return parse_segments(segments)
    if not isinstance(segments, list | tuple) or not segments:
        raise ValidationFailed("请至少设置一个路演环节。", field="segments")
    if len(segments) > MAX_SEGMENTS:
        raise ValidationFailed(f"路演环节最多 {MAX_SEGMENTS} 个。", field="segments")
    out = []
    for i, seg in enumerate(segments, start=1):
        label = str((seg or {}).get("label") or "").strip()[:30] or f"环节{i}"
        check_text(label, field="segments")
        try:
            seconds = int(seg.get("seconds"))
        except (TypeError, ValueError, AttributeError):
            raise ValidationFailed(f"第 {i} 个环节的时长应为整数秒。", field="segments") from None
        if not 1 <= seconds <= MAX_SEGMENT_SECONDS:
            raise ValidationFailed(f"第 {i} 个环节的时长应在 1 秒到 60 分钟之间。", field="segments")
        out.append({"label": label, "seconds": seconds})
    return out


def format_segments(segments: list[dict]) -> str:
    """The inverse of ``parse_segments``: minutes when whole, seconds otherwise."""
    parts = []
    for seg in segments:
        seconds = int(seg["seconds"])
        length = f"{seconds // 60} 分钟" if seconds % 60 == 0 else f"{seconds} 秒"
        parts.append(f"{seg['label']} {length}")
    return " + ".join(parts)


def parse_score(value, *, low: Decimal, high: Decimal, field: str = "score") -> Decimal:
    """A live score: a finite Decimal within [low, high] with at most two decimal places."""
    text = value.strip().replace("，", ".").replace("。", ".") if isinstance(value, str) else value
    if text is None or text == "":
        raise ValidationFailed("请填写分数。", field=field)
    try:
        score = as_decimal(text)  # typed: plain ASCII digits, not “１０”, “1_0”, “NaN”, “1e3”
    except ValidationFailed:
        raise ValidationFailed("分数应为数字，例如 86 或 86.5。", field=field) from None
    if score < low or score > high:
        raise ValidationFailed(f"分数应在 {_plain(low)} 到 {_plain(high)} 之间。", field=field)
    if score.as_tuple().exponent < -2 and score != score.quantize(Decimal("0.01")):
        raise ValidationFailed("分数最多保留两位小数。", field=field)
    return score.quantize(Decimal("0.01"))


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def require_reason(reason: str, *, what: str = "原因", limit: int = 300) -> str:
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed(f"请填写{what}。", field="reason")
    if len(text) > limit:
        raise ValidationFailed(f"{what}不能超过 {limit} 个字符。", field="reason")
    return check_text(text, field="reason")
