"""Reading TOML tables: each key checked for its type and value, unknown keys refused, and
every mistake reported as a ConfigError naming the key, the value and what is expected."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from limits import parse_many

from prens.errors import ConfigError

MISSING = object()


# What a key of each kind holds, in words ("seharusnya bilangan bulat").
_KINDS = {
    "str": "teks",
    "int": "bilangan bulat",
    "float": "angka",
    "bool": "true atau false",
    "list": "daftar",
    "dict": "tabel",
    "object": "nilai",
}


class Section:
    """Reads one TOML table, remembering which keys were used so unknown ones are reported."""

    def __init__(self, data: Any, name: str, source: Path):
        if not isinstance(data, dict):
            raise ConfigError(source, name, data, "sebuah tabel")
        self.data, self.name, self.source = data, name, source
        self.used: set[str] = set()
        self._tables: dict[str, Section] = {}  # a table read in parts is one table

    def get(
        self,
        key: str,
        kind: type,
        default: Any = MISSING,
        check: Callable[[Any], bool] | None = None,
        expected: str = "",
    ) -> Any:
        self.used.add(key)
        full = self.key(key)
        if key not in self.data:
            if default is MISSING:
                raise ConfigError(
                    self.source, full, None, expected or _KINDS.get(kind.__name__, kind.__name__)
                )
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok or (check is not None and not check(value)):
            raise ConfigError(
                self.source, full, value, expected or _KINDS.get(kind.__name__, kind.__name__)
            )
        return value

    def table(self, key: str) -> Section:
        self.used.add(key)
        if key not in self._tables:
            self._tables[key] = Section(self.data.get(key, {}), self.key(key), self.source)
        return self._tables[key]

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def done(self, allowed_extra: frozenset[str] = frozenset()) -> None:
        for key in self.data:
            if key not in self.used and key not in allowed_extra:
                where = f"[{self.name}]" if self.name else "tingkat teratas berkas"
                raise ConfigError(
                    self.source,
                    self.key(key),
                    self.data[key],
                    f"salah satu kunci yang dikenal di {where}: " + ", ".join(sorted(self.used)),
                )


def is_regex(value: str) -> bool:
    try:
        re.compile(value)
    except re.error:
        return False
    return bool(value)


def is_rate(value: str) -> bool:
    try:
        return bool(parse_many(value))
    except ValueError:
        return False


def is_time_of_day(value: str) -> bool:
    return bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value))


def positive(v: int) -> bool:
    return v > 0
