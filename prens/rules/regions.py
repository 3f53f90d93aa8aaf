"""The district's kecamatan and desa/kelurahan, matched tolerantly to what citizens type."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from prens.errors import PrensError

PACKAGED = Path(__file__).parent / "data"

_PREFIXES = re.compile(r"^(kecamatan|kec|desa|ds|kelurahan|kel)\b\.?\s*")
_NOT_ALNUM = re.compile(r"[^a-z0-9 ]+")
# Common spellings of the same word in place names.
_WORD_ALIASES = {"sei": "sungai", "sui": "sungai"}


def match_key(text: str, aliases: dict[str, str] | None = None) -> str:
    """A key for comparing place names: case, punctuation, spaces and prefixes ignored."""
    text = _PREFIXES.sub("", text.strip().lower())
    text = _NOT_ALNUM.sub(" ", text.replace("'", ""))
    words = [_WORD_ALIASES.get(w, w) for w in text.split()]
    key = "".join(words)
    if aliases:
        key = aliases.get(key, key)
    return key


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str


@dataclass
class Region:
    """A kabupaten/kota: its code, name, kecamatan and their desa/kelurahan."""

    code: str
    name: str
    kecamatan: dict[str, Place] = field(default_factory=dict)  # match key -> place
    desa: dict[str, dict[str, Place]] = field(
        default_factory=dict
    )  # kecamatan code -> key -> place
    aliases: dict[str, str] = field(default_factory=dict)

    def find_kecamatan(self, typed: str) -> Place | None:
        return self.kecamatan.get(match_key(typed, self.aliases))

    def find_desa(self, kecamatan: Place, typed: str) -> Place | None:
        return self.desa.get(kecamatan.code, {}).get(match_key(typed, self.aliases))

    @property
    def desa_count(self) -> int:
        return sum(len(v) for v in self.desa.values())


class RegionDataError(PrensError):
    """The region file is missing, malformed, or does not hold the configured region."""


def load_region(path: Path, code: str, aliases: dict[str, str] | None = None) -> Region:
    """Read a ``code,name,level`` CSV (Kemendagri codes) and keep the rows of region ``code``."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise RegionDataError(f"cannot read region file {path}: {exc.strerror}") from exc
    if not rows or not {"code", "name", "level"} <= set(rows[0]):
        raise RegionDataError(f"region file {path} must have the columns code,name,level")
    alias_keys = {match_key(k): match_key(v) for k, v in (aliases or {}).items()}
    region: Region | None = None
    kecamatan_by_code: dict[str, Place] = {}
    pending_desa: list[Place] = []
    for row in rows:
        place = Place(row["code"].strip(), row["name"].strip(), row["level"].strip())
        if place.code == code:
            region = Region(code=code, name=place.name, aliases=alias_keys)
        elif place.code.startswith(code + ".") and place.level == "kecamatan":
            kecamatan_by_code[place.code] = place
        elif place.code.startswith(code + ".") and place.level in ("desa", "kelurahan"):
            pending_desa.append(place)
    if region is None:
        raise RegionDataError(f"region file {path} has no row for region {code}")
    for place in kecamatan_by_code.values():
        region.kecamatan[match_key(place.name)] = place
    for place in pending_desa:
        parent = place.code.rsplit(".", 1)[0]
        if parent not in kecamatan_by_code:
            raise RegionDataError(f"region file {path}: {place.code} has no kecamatan {parent}")
        region.desa.setdefault(parent, {})[match_key(place.name)] = place
    if not region.kecamatan:
        raise RegionDataError(f"region file {path} lists no kecamatan of {code}")
    return region


def unknown_alias_targets(region: Region, aliases: dict[str, str]) -> list[str]:
    """The alias keys whose target is no kecamatan or desa of `region` (they would match
    nothing, silently)."""
    known = set(region.kecamatan) | {key for places in region.desa.values() for key in places}
    return [name for name, target in aliases.items() if match_key(target) not in known]
