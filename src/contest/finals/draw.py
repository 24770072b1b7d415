"""The verifiable speaking-order draw (抽签), algorithm ``cnmaker-draw-v1``.

Anyone can re-derive an order from what was announced in the hall:

1. ``entries``: the registration numbers of the entries in the session, sorted ascending
   (plain string order) and joined with ``\\n``.
2. ``room_value``: the value read out in the room before the draw (e.g. the numbers drawn
   from a box in front of the notary), stripped of surrounding white space.
3. ``seed = SHA-256("cnmaker-draw-v1\\n" + room_value + "\\n" + entries)`` over UTF-8.
4. A byte stream: ``SHA-256(seed ‖ counter)`` for counter = 0, 1, 2 … (8-byte big-endian),
   read 8 bytes at a time as unsigned big-endian integers ``u``.
5. Fisher–Yates on the sorted list: for i from n−1 down to 1, draw ``u`` until
   ``u < 2⁶⁴ − (2⁶⁴ mod (i+1))`` (rejection sampling, so no index is favoured), then swap
   position i with position ``u mod (i+1)``.
6. The resulting list is the speaking order, first speaker first.

The seed is fixed and published before the order is computed; the session record keeps
the room value, the seed and the order, and ``manage.py verify_draw`` recomputes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

ALGORITHM = "cnmaker-draw-v1"
TWO_64 = 1 << 64


@dataclass(frozen=True)
class Draw:
    algorithm: str
    room_value: str
    entries: tuple[str, ...]  # sorted
    seed: str  # hex
    order: tuple[str, ...]


def canonical_entries(entries: Sequence[str]) -> tuple[str, ...]:
    items = [str(e).strip() for e in entries]
    if any(not e or "\n" in e for e in items):
        raise ValueError("entry numbers must be non-empty single-line strings")
    if len(set(items)) != len(items):
        raise ValueError("entry numbers must be distinct")
    return tuple(sorted(items))


def seed_for(room_value: str, entries: Sequence[str]) -> bytes:
    value = room_value.strip()
    if not value:
        raise ValueError("the room value must not be empty")
    text = f"{ALGORITHM}\n{value}\n" + "\n".join(canonical_entries(entries))
    return hashlib.sha256(text.encode("utf-8")).digest()


def _stream(seed: bytes) -> Iterator[int]:
    counter = 0
    while True:
        block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        for offset in range(0, 32, 8):
            yield int.from_bytes(block[offset : offset + 8], "big")
        counter += 1


def draw(room_value: str, entries: Sequence[str]) -> Draw:
    ordered = list(canonical_entries(entries))
    seed = seed_for(room_value, ordered)
    stream = _stream(seed)
    for i in range(len(ordered) - 1, 0, -1):
        bound = i + 1
        limit = TWO_64 - (TWO_64 % bound)
        u = next(stream)
        while u >= limit:
            u = next(stream)
        j = u % bound
        ordered[i], ordered[j] = ordered[j], ordered[i]
    return Draw(ALGORITHM, room_value.strip(), canonical_entries(entries), seed.hex(), tuple(ordered))


def verify(room_value: str, entries: Sequence[str], seed_hex: str, order: Sequence[str]) -> list[str]:
    """Problems found re-deriving a recorded draw; empty when it checks out."""
    problems = []
    again = draw(room_value, entries)
    if again.seed != seed_hex:
        problems.append(f"种子不符：记录为 {seed_hex}，重新计算为 {again.seed}")
    if tuple(order) != again.order:
        problems.append(f"顺序不符：记录为 {list(order)}，重新计算为 {list(again.order)}")
    return problems
