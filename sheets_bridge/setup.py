"""What `prens sheet setup` makes of each worksheet (pure), from the configuration."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from prens.config import Settings
from prens.rules.registration import PENDAFTAR, PERLU_PERBAIKAN
from sheets_bridge import layout

# Marks the protected ranges this program owns, so setup finds its own and leaves others alone.
PROTECTION_MARK = "Lindungi Prens:"
PROTECTION_TEXT = (
    PROTECTION_MARK + " kolom sistem, diisi otomatis dari formulir pendaftaran. "
    "Jangan diubah: perubahan di sini tidak dibaca dan akan tertimpa."
)
WIDE = {"nama", "alamat", "catatan", "alasan_perbaikan", "desa"}


@dataclass(frozen=True)
class WorksheetLayout:
    """How one worksheet looks: what setup creates or repairs."""

    name: str
    headers: list[str]
    frozen_rows: int = 1
    checkbox_columns: list[int] = field(default_factory=list)  # 0-based column indexes
    # Dropdowns: (0-based column index, the values offered).
    choice_columns: list[tuple[int, list[str]]] = field(default_factory=list)
    text_columns: list[int] = field(default_factory=list)  # identifiers: never numbers
    protected_columns: list[tuple[int, int]] = field(default_factory=list)  # [start, end) runs
    widths: list[int] = field(default_factory=list)  # pixels, one per column

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """[0, 1, 2, 5, 6] -> [(0, 3), (5, 7)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def worksheet_layouts(settings: Settings) -> list[WorksheetLayout]:
    """The layouts of the worksheets the flush writes to."""
    cols = settings.columns
    key_of = {header: key for key, header in cols.items()}
    out = []
    for role in (PENDAFTAR, PERLU_PERBAIKAN):
        headers = layout.headers(settings, role)
        system = set(layout.system_headers(settings, role))
        verifier = {v.header: v for v in settings.verifier_columns}
        identifiers = {cols["nik"], cols["kk"], cols["telepon"], cols["id"]} | set(
            settings.membership_headers
        )
        out.append(
            WorksheetLayout(
                name=settings.worksheets[role],
                headers=headers,
                checkbox_columns=[
                    i
                    for i, h in enumerate(headers)
                    if h in verifier and verifier[h].kind == "checkbox"
                ],
                choice_columns=[
                    (i, list(settings.membership.end_reasons))
                    for i, h in enumerate(headers)
                    if h in verifier and verifier[h].role == "end_reason"
                ],
                text_columns=[i for i, h in enumerate(headers) if h in identifiers],
                protected_columns=_runs([i for i, h in enumerate(headers) if h in system]),
                widths=[
                    240 if key_of.get(h) in WIDE else 150 if h in verifier else 130 for h in headers
                ],
            )
        )
    return out
