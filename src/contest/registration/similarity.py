"""Near-duplicate detection for titles and summaries across events.

Titles: Jaccard similarity of character bigrams (Chinese titles are short; bigrams
capture reordering and small edits). Summaries: a 64-bit SimHash of their bigrams,
compared by Hamming distance, so an edition of 40,000 entries is screened with
integer operations. Scores are Decimal with three places.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
THREE_PLACES = Decimal("0.001")


def normalize(text: str) -> str:
    return PUNCT.sub("", (text or "").lower())


def bigrams(text: str) -> set[str]:
    t = normalize(text)
    if len(t) < 2:
        return {t} if t else set()
    return {t[i : i + 2] for i in range(len(t) - 1)}


def jaccard(a: set[str], b: set[str]) -> Decimal:
    if not a or not b:
        return Decimal(0).quantize(THREE_PLACES)
    return (Decimal(len(a & b)) / Decimal(len(a | b))).quantize(THREE_PLACES)


def simhash(text: str) -> int | None:
    grams = bigrams(text)
    if not grams:
        return None
    weights = [0] * 64
    for gram in grams:
        h = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value  # fits a signed BIGINT


def simhash_similarity(a: int, b: int) -> Decimal:
    distance = bin((a ^ b) & ((1 << 64) - 1)).count("1")
    return (Decimal(64 - distance) / Decimal(64)).quantize(THREE_PLACES)
