"""Digits as people type them (pure): a phone keyboard may give full-width digits (０-９), an
Arabic or Persian keyboard its own (٠-٩, ۰-۹); every one is the same digit."""

from __future__ import annotations

import unicodedata


def ascii_digits(text: str) -> str:
    """`text` with every decimal digit of any script written as its ASCII digit."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text
    )


def is_placeholder(number: str) -> bool:
    """Whether a 16-digit number is a made-up one that passes a format check: one or two
    digits over and over (1111111111111111, 1212121212121212), a short block repeated
    (1234123412341234), or a run counting up or down (1234567890123456, 9876543210987654)."""
    if len(set(number)) <= 2:
        return True
    if any(number == number[:size] * (len(number) // size) for size in (3, 4)):
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in zip(number, number[1:], strict=False)}
    return steps in ({1}, {9})
