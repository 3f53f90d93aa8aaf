"""Names as on the KTP (pure): normalised spacing and case, suspected titles found."""

from __future__ import annotations

import re
import unicodedata

from prens.rules.problems import Problem, problem

# Academic and religious titles and positions people add to their names; the KTP name has none.
TITLES = frozenset(
    t.replace(".", "").upper()
    for t in (
        "Dr",
        "dr",
        "Drs",
        "Dra",
        "Ir",
        "Prof",
        "H",
        "Hj",
        "KH",
        "Ust",
        "Ustadz",
        "Ustadzah",
        "Hajjah",
        "Haji",
        "S.Pd",
        "S.Pd.I",
        "S.E",
        "S.Kom",
        "S.H",
        "S.Sos",
        "S.Ag",
        "S.T",
        "S.Si",
        "S.Ip",
        "S.IP",
        "S.Kep",
        "S.Keb",
        "S.Hut",
        "S.P",
        "S.Pt",
        "S.Tr",
        "S.Ked",
        "S.Farm",
        "S.Psi",
        "S.Hum",
        "A.Md",
        "Amd",
        "A.Ma",
        "M.Pd",
        "M.Si",
        "M.M",
        "M.Kom",
        "M.H",
        "M.T",
        "M.Ag",
        "M.Kes",
        "MBA",
        "Sp",
        "Bpk",
        "Ibu",
        "Pak",
        "Kades",
        "Pembakal",
        "Camat",
    )
)

_VALID = re.compile(r"[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F .,'\-]*")


def normalise_name(raw: str) -> str:
    """Collapse spaces and use capitals, as the KTP prints names."""
    return " ".join(raw.split()).upper()


def suspected_titles(name: str) -> list[str]:
    """The words of a name that look like titles (``S.Pd``, ``Hj.``, ``Dr``...)."""
    found = []
    for word in re.split(r"[\s,]+", name):
        key = word.replace(".", "").upper()
        if key and key in TITLES:
            found.append(word)
    return found


def check_name(raw: str, field: str = "nama") -> tuple[str | None, list[Problem]]:
    """Check a typed name; return it normalised. Titles are a warning for the verifier."""
    name = normalise_name(raw)
    letters = sum(ch.isalpha() for ch in name)
    if not _VALID.fullmatch(name) or letters < 2:
        return None, [problem(field, "name_format")]
    titles = suspected_titles(name)
    if titles:
        return name, [problem(field, "name_title", titles=", ".join(titles))]
    return name, []


def account_key(name: str) -> str:
    """An account's name (an officer, an office) as compared, when signing in and when counting
    failed sign-ins: Unicode NFKC (full-width letters as plain ones), case folded, whitespace
    collapsed. "Budi  Dinas", "budi dinas" and "Ｂｕｄｉ Dinas" are one name."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
