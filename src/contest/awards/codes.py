"""Certificate verification codes: 12 random Crockford base32 characters (60 bits) and a check
character (Luhn mod 32 over the same alphabet), shown in groups of four: ``7K3M-Q9XD-2HRT-F``.

Crockford's alphabet leaves out I, L, O and U; reading a code back, lower case is accepted, I and L
read as 1, O as 0, and spaces and hyphens are ignored. The check character catches every single
wrong character and most swaps of two neighbours, so a mistyped code is told apart from an unknown
one without a database lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 12
LENGTH = BODY_LENGTH + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def check_character(body: str) -> str:
    """Luhn mod N (N = 32): double every second value from the right, fold, sum."""
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalize(text: str) -> str | None:
    """The canonical 13-character code for what someone typed or scanned, or None when it cannot
    be one (wrong length, a character outside the alphabet, or a failed check character)."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(cleaned) != LENGTH or any(c not in _VALUE for c in cleaned):
        return None
    if check_character(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
