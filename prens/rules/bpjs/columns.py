"""The columns of a file from the BPJS branch: finding its header row, and reading its cells
(pure). A file is a list of rows of cells as a spreadsheet gives them: text, numbers (int,
float), dates (datetime), or None."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from prens.errors import PrensError
from prens.rules.lifecycle import membership_key

HEADER_SEARCH_ROWS = 20  # title rows (often merged cells) above the header row
_HEADER_NOISE = re.compile(r"[\s._\-:/()]+")
_SCIENTIFIC = re.compile(r"[0-9]+(\.[0-9]*)?[eE]\+?[0-9]+")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


class FileLayoutError(PrensError):
    """A file whose columns are not the expected ones (the message is for the officer)."""


def header_key(text: object) -> str:
    """A header as compared: case, spaces and punctuation ignored ("No. Kepesertaan" is
    "nokepesertaan")."""
    return _HEADER_NOISE.sub("", str(text or "")).casefold()


@dataclass(frozen=True)
class Columns:
    header_row: int  # 0-based index of the header row in the file's rows
    index: Mapping[str, int]  # role -> column index (optional roles only when present)


def find_columns(
    rows: Sequence[Sequence[Any]],
    wanted: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> Columns:
    """The header row (the first of the first rows that has every required role's header) and
    where each role's column is. `wanted`: role -> the header names accepted for it."""
    keys = {role: {header_key(n) for n in names} for role, names in wanted.items()}
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [header_key(c) for c in row]
        index: dict[str, int] = {}
        for role, accepted in keys.items():
            found = next((i for i, c in enumerate(cells) if c and c in accepted), None)
            if found is not None:
                index[role] = found
        if all(r in index for r in required):
            return Columns(number, index)
    found_headers = _headers_seen(rows)
    expected = "; ".join(f"{' / '.join(wanted[r])}" for r in required)
    raise FileLayoutError(
        "Kolom yang diperlukan tidak ditemukan. Diperlukan: "
        + expected
        + ". Ditemukan: "
        + (", ".join(found_headers) if found_headers else "(tidak ada judul kolom)")
        + "."
    )


def _headers_seen(rows: Sequence[Sequence[Any]]) -> list[str]:
    """The cells of the first row that has any, as headers found (shortened)."""
    for row in rows[:HEADER_SEARCH_ROWS]:
        texts = [str(c).strip()[:40] for c in row if c is not None and str(c).strip()]
        if len(texts) >= 2:
            return texts[:30]
    return []


@dataclass(frozen=True)
class NikCell:
    nik: str  # the 16 digits, or the cell as text when it is not one
    as_number: bool  # the file stored it as a number: digits may be lost


# Why such a cell is refused, in a report line. The number is not repeated: on a terminal or a
# page the NIK is shown masked, and this text beside it would show it whole.
NIK_NUMBER_DETAIL = "sel NIK berupa angka, bukan teks"


def read_nik(value: Any) -> NikCell | None:
    """A NIK cell; None when empty. A NIK a spreadsheet stored as a number keeps 15 significant
    digits at most: its 16th is gone (a float such as 6.3110123E15 or 6311012345678900)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return NikCell(str(value), False)
    if isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return NikCell(str(value), True)
        whole = int(value)
        text = str(whole) if whole == value else repr(value)
        # Digits beyond the 15th cannot be trusted: a last 0 may be one the number lost.
        if len(text) == 16 and text.isdigit() and not text.endswith("0"):
            return NikCell(text, False)
        return NikCell(text, True)
    text = str(value).strip().lstrip("'").strip()
    if not text:
        return None
    if _SCIENTIFIC.fullmatch(text):
        return NikCell(text, True)
    if re.fullmatch(r"[0-9]{16}\.0+", text):  # a number written out by another program
        return NikCell(text.split(".")[0], True)
    return NikCell(re.sub(r"[\s.\-]", "", text), False)


def read_number(value: Any) -> str:
    """A membership number cell as text, separators removed ("" when empty). A number cell of an
    integer is its digits (a float 12345678901.0 too)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return membership_key(str(value).strip().lstrip("'"))


# A rupiah amount as text: ASCII digits, whole or grouped by three with one separator (`.` `,`
# or a space), cents written out or not. Nothing else is read as digits (no `²`, no `٣`).
MAX_AMOUNT = 10**12
_AMOUNT = re.compile(r"[0-9]{1,13}|[0-9]{1,3}([., ])[0-9]{3}(?:\1[0-9]{3}){0,3}")
_CENTS = re.compile(r"[,.]00")  # rupiah have no cents in use: only zeros are read


def read_amount(value: Any) -> int | None:
    """A rupiah amount: a number, or text such as "Rp 16.800" or "16,800" (None: unreadable,
    also when over a trillion)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return round(value) if abs(value) < MAX_AMOUNT else None
    text = re.sub(r"(?i)^\s*rp\.?\s*", "", str(value)[:40]).strip()
    match = _AMOUNT.fullmatch(text)
    if match is None and _CENTS.fullmatch(text[-3:]):
        match = _AMOUNT.fullmatch(text[:-3])  # cents written out (16.800,00)
    if match is None:
        return None
    amount = int(re.sub(r"[., ]", "", match[0]))
    return amount if amount < MAX_AMOUNT else None


def read_date(value: Any) -> date | None:
    """A date cell: a date, or text as dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd (None otherwise)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if m := _YMD.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def name_key(name: object) -> str:
    """A name as compared: letters only, case and spacing ignored, word order kept."""
    words = re.findall(r"[^\W\d_]+", str(name or "").casefold())
    return " ".join(words)


def same_name(a: object, b: object) -> bool:
    """Whether two spellings are the same name (also the same words in another order)."""
    ka, kb = name_key(a), name_key(b)
    return ka == kb or sorted(ka.split()) == sorted(kb.split())


def cell(row: Sequence[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]
