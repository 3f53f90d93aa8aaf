"""Reports for the Dinas: `report evaluasi` (the yearly monitoring and evaluation)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import click

from prens.cli.common import Progress, with_runtime
from prens.runtime import Runtime


@click.group()
def report() -> None:
    """Laporan untuk Dinas, sebagai XLSX.

    Contoh:

        prens --config config/balangan.toml report evaluasi --period 2025 -o evaluasi-2025.xlsx
    """


@report.command("evaluasi")
@click.option(
    "--period", "name", help="Periode anggaran (nama di [[periods]]). Bawaan: periode hari ini."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Berkas yang ditulis (XLSX).",
)
@with_runtime
def evaluasi(runtime: Runtime, name: str | None, output: str) -> None:
    """Tulis evaluasi satu periode: pendaftaran, persetujuan, penolakan menurut alasan,
    perbaikan menurut kode masalah, hari sampai TERDAFTAR (median dan persentil 90), pesan
    menurut hasilnya, peserta per kecamatan dan desa terhadap target cakupan, kepesertaan yang
    berhenti menurut alasan, dan anggaran terpakai terhadap pagu. Tercatat di log audit.

    Contoh:

        prens --config config/balangan.toml report evaluasi --period 2025 -o evaluasi-2025.xlsx
    """
    from prens.privacy import private_file
    from prens.reports.evaluation import evaluate, facts, write_evaluation

    s = runtime.settings
    now = datetime.now(UTC)
    period = s.period_chosen(name, now.astimezone(s.timezone).date())
    if period is None:
        names = ", ".join(p.name for p in s.all_periods())
        raise click.ClickException(
            f"tidak ada periode {name!r}; periode yang ada: {names}"
            if name
            else f"hari ini tidak termasuk periode mana pun; pilih dengan --period ({names})"
        )
    known = facts(runtime.engine)
    with Progress("Menghitung evaluasi", len(known.registrations)) as counted:
        ev = evaluate(known, s, period, now, counted)
    private_file(Path(output))
    with open(output, "wb") as fh:
        write_evaluation(fh, ev, s)
    runtime.verification().personal_file(
        "export",
        f"cli:{getpass.getuser()}",
        f"evaluasi-{period.name}.xlsx",
        sum(ev.received.values()),
        now,
    )
    click.echo(f"{output}: evaluasi periode {period.name}")
