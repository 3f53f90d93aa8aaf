"""What each worksheet holds and how a registration becomes a row (pure)."""

from __future__ import annotations

from prens.config import FIELDS, Settings, VerifierColumn
from prens.config.model import LATER_VERIFIER_ROLES
from prens.rules.phone import national
from prens.rules.problems import ERROR, WARNING
from prens.rules.registration import PENDAFTAR, PERLU_PERBAIKAN, Registration
from sheets_bridge.base import CellValueError

# Data columns, in sheet order; a field the form does not ask is left out.
DATA_FIELDS = tuple(f for f in FIELDS if f != "persetujuan")


def _data_fields(settings: Settings) -> list[str]:
    return [f for f in DATA_FIELDS if f in settings.questions]


def headers(settings: Settings, role: str) -> list[str]:
    """The header row of the worksheet with role `role`."""
    cols = settings.columns
    data = [cols[f] for f in _data_fields(settings)]
    if role == PENDAFTAR:
        early, later = verifier_parts(settings)
        return (
            [cols["id"], cols["waktu_daftar"], *data, cols["catatan"]]
            + [v.header for v in early]
            + [cols["status"], cols["notifikasi"], cols["diperbarui"]]
            + [v.header for v in later]
        )
    if role == PERLU_PERBAIKAN:
        return [
            cols["id"],
            cols["waktu_daftar"],
            *data,
            cols["alasan_perbaikan"],
            cols["kode_masalah"],
        ]
    raise ValueError(f"no row layout for worksheet role {role!r}")


def verifier_parts(settings: Settings) -> tuple[list[VerifierColumn], list[VerifierColumn]]:
    """The verifier columns before the system columns, and those after them (roles a later
    version added: appended to an existing sheet, they shift none of its columns)."""
    columns = settings.verifier_columns
    return (
        [v for v in columns if v.role not in LATER_VERIFIER_ROLES],
        [v for v in columns if v.role in LATER_VERIFIER_ROLES],
    )


def system_headers(settings: Settings, role: str) -> list[str]:
    """Headers of the columns only the system writes (protected in the sheet)."""
    verifier = {v.header for v in settings.verifier_columns}
    return [h for h in headers(settings, role) if h not in verifier]


def local_time(reg: Registration, settings: Settings) -> str:
    return reg.submitted_at.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M:%S")


def row(
    reg: Registration,
    settings: Settings,
    role: str,
    last_seen: tuple[dict[str, object], str] | None = None,
) -> list[str | bool]:
    """The cells of `reg` in the worksheet with role `role`.

    `last_seen` holds the verifier cells and notes a sync last saw: a row deleted by hand is
    written again with them, so verifiers' work is not lost.
    """
    # Phone numbers as people write them (0812…), as in every other worksheet and file.
    data = [
        national(str(reg.person.get(f, ""))) if f == "telepon" else reg.person.get(f, "")
        for f in _data_fields(settings)
    ]
    if role == PENDAFTAR:
        warnings = " ".join(p.message for p in reg.problems if p.severity == WARNING)
        early, later = verifier_parts(settings)
        cells, notes = last_seen if last_seen is not None else ({}, "")
        verifier = [_cell(cells.get(v.header, "")) for v in early]
        after = [_cell(cells.get(v.header, "")) for v in later]
        catatan = " ".join(part for part in (warnings, notes) if part)
        # Status Diperbarui: a fresh row's status dates from its registration; a restored row's
        # last change is in the audit log, and the next change writes it again.
        updated = "" if last_seen is not None else local_time(reg, settings)
        return [
            reg.id,
            local_time(reg, settings),
            *data,
            catatan,
            *verifier,
            reg.state or "",
            "",
            updated,
            *after,
        ]
    if role == PERLU_PERBAIKAN:
        errors = [p for p in reg.problems if p.severity == ERROR]
        return [
            reg.id,
            local_time(reg, settings),
            *data,
            " ".join(p.message for p in errors),
            ", ".join(p.code for p in errors),
        ]
    raise ValueError(f"no row layout for worksheet role {role!r}")


def _cell(value: object) -> str | bool:
    return value if isinstance(value, bool) else str(value)


def checkbox_value(text: str) -> str:
    """Read what a person types for a checkbox: TRUE or FALSE, or CellValueError."""
    key = text.strip().casefold()
    if key in ("true", "ya", "y", "1", "✓", "v", "x"):
        return "TRUE"
    if key in ("false", "tidak", "0", "", "n"):
        return "FALSE"
    raise CellValueError(f"bukan isian kotak centang: {text!r} (pakai TRUE/FALSE, ya/tidak)")
