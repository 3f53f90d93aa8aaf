"""Reading `[membership]`: the reasons a membership may end, and those whose end is not told
to the citizen (a death: nobody to tell)."""

from __future__ import annotations

from pathlib import Path

from prens.config.model import Membership
from prens.config.reader import Section
from prens.errors import ConfigError


def _reasons(t: Section, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = t.get(key, list, list(default), expected='daftar alasan, mis. ["pindah domisili"]')
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(t.source, t.key(key), value, 'daftar alasan, mis. ["pindah domisili"]')
    return tuple(" ".join(v.split()) for v in value)


def read_membership(t: Section, source: Path) -> Membership:
    reasons = _reasons(t, "end_reasons", Membership.end_reasons)
    if not reasons:
        raise ConfigError(source, t.key("end_reasons"), [], "paling sedikit satu alasan")
    silent = _reasons(t, "silent_reasons", Membership.silent_reasons)
    unknown = [r for r in silent if r.casefold() not in {x.casefold() for x in reasons}]
    if unknown:
        raise ConfigError(
            source, t.key("silent_reasons"), unknown, "alasan yang ada di end_reasons"
        )
    age_end = t.get(
        "age_end",
        str,
        Membership.age_end,
        lambda v: v in ("end_of_month", "birthday"),
        '"end_of_month" atau "birthday"',
    )
    t.done()
    return Membership(end_reasons=reasons, silent_reasons=silent, age_end=age_end)
