"""Reading `[bpjs]`: the membership number's pattern, the enrolment file's columns, and the
headers of the files the branch sends back."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from prens.config.model import BPJS_EXPORT_FIELDS, Bpjs
from prens.config.reader import Section, is_regex
from prens.errors import ConfigError

_DATE_FORMAT = re.compile(r"(%[dmYy]|[ ./-])+")


def _headers(t: Section, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A header name, or a list of accepted names."""
    value = t.get(key, object, default)
    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, list | tuple)
        or not names
        or not all(isinstance(n, str) and n.strip() for n in names)
    ):
        raise ConfigError(
            t.source, t.key(key), value, 'judul kolom, atau daftarnya, mis. ["KPJ", "NIK"]'
        )
    return tuple(n.strip() for n in names)


def _export_columns(t: Section, source: Path) -> tuple[tuple[str, str], ...]:
    value = t.get("export_columns", list, [list(p) for p in Bpjs.export_columns])
    expected = (
        'daftar pasangan [judul, isian], mis. [["NIK", "nik"], ["Nama", "nama"]]; isian: '
        + ", ".join(BPJS_EXPORT_FIELDS)
    )
    pairs = []
    for pair in value:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, str) for x in pair)
            or not pair[0].strip()
            or pair[1] not in BPJS_EXPORT_FIELDS
        ):
            raise ConfigError(source, t.key("export_columns"), pair, expected)
        pairs.append((pair[0].strip(), pair[1]))
    if not pairs:
        raise ConfigError(source, t.key("export_columns"), value, expected)
    return tuple(pairs)


def _date_format(value: str) -> bool:
    if not _DATE_FORMAT.fullmatch(value):
        return False
    return date(2001, 2, 3).strftime(value) != value


def read_bpjs(t: Section, source: Path) -> dict[str, Any]:
    membership_pattern = t.get(
        "membership_pattern", str, "[0-9]{11}", is_regex, "ekspresi reguler, mis. [0-9]{11}"
    )
    bpjs = Bpjs(
        export_columns=_export_columns(t, source),
        date_format=t.get(
            "date_format",
            str,
            Bpjs.date_format,
            _date_format,
            'format tanggal dari %d %m %Y (atau %y) dan pemisah, mis. "%d-%m-%Y"',
        ),
        import_nik_header=_headers(t, "import_nik_header", Bpjs.import_nik_header),
        import_number_header=_headers(t, "import_number_header", Bpjs.import_number_header),
        import_name_header=_headers(t, "import_name_header", Bpjs.import_name_header),
        import_birth_header=_headers(t, "import_birth_header", Bpjs.import_birth_header),
        bill_amount_header=_headers(t, "bill_amount_header", Bpjs.bill_amount_header),
        max_upload_mb=t.get(
            "max_upload_mb", int, Bpjs.max_upload_mb, lambda v: 1 <= v <= 100, "1 sampai 100 (MB)"
        ),
        read_memory_mb=t.get(
            "read_memory_mb",
            int,
            Bpjs.read_memory_mb,
            lambda v: 256 <= v <= 16384,
            "256 sampai 16384 (MB)",
        ),
        read_cpu_seconds=t.get(
            "read_cpu_seconds", int, Bpjs.read_cpu_seconds, lambda v: 1 <= v <= 600, "1 sampai 600"
        ),
        read_seconds=t.get(
            "read_seconds", int, Bpjs.read_seconds, lambda v: 1 <= v <= 900, "1 sampai 900"
        ),
    )
    t.done()
    return {"membership_pattern": membership_pattern, "bpjs": bpjs}
