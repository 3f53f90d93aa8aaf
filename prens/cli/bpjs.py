"""The BPJS round trip: `bpjs export` (the enrolment file), `bpjs import` (membership numbers
back), `bpjs check-bill` (the monthly bill against the members)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from prens.cli.common import Progress, printable, with_runtime
from prens.rules.lifecycle import STATES
from prens.runtime import Runtime

EXAMPLE_CONFIG = "prens --config config/balangan.toml"


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _read(path: str, limit_mb: int) -> bytes:
    file = Path(path)
    if file.stat().st_size > limit_mb * 1024 * 1024:
        raise click.ClickException(
            f"{file.name}: lebih dari {limit_mb} MB ([bpjs] max_upload_mb); pecah berkasnya"
        )
    return file.read_bytes()


@click.group()
def bpjs() -> None:
    """Berkas yang dipertukarkan dengan kantor cabang BPJS Ketenagakerjaan.

    Contoh:

        prens --config config/balangan.toml bpjs export -o pendaftaran-bpjs.xlsx
    """


@bpjs.command("export")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(STATES),
    help="Pendaftaran dengan status ini (boleh diulang). Bawaan: BERKAS LENGKAP, siap "
    "didaftarkan dan belum punya nomor kepesertaan.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Berkas yang ditulis.",
)
@with_runtime
def bpjs_export(runtime: Runtime, states: tuple[str, ...], fmt: str, output: str) -> None:
    """Tulis berkas pendaftaran untuk kantor cabang, dengan kolom dari [bpjs] export_columns
    (NIK dan nomor HP sebagai teks; tanggal menurut [bpjs] date_format). Tercatat di log audit.

    Contoh:

        prens --config config/balangan.toml bpjs export --format xlsx -o pendaftaran-bpjs.xlsx
    """
    from prens.privacy import private_file
    from prens.reports.bpjs import DEFAULT_STATES, enrolment_table, write_enrolment
    from prens.reports.exports import write_csv

    store = runtime.verification()
    table, text = enrolment_table(runtime.ledger, store, runtime.settings, states or DEFAULT_STATES)
    private_file(Path(output))  # personal data: readable by its owner only
    with open(output, "wb") as fh:
        if fmt == "csv":
            write_csv(fh, table)
        else:
            write_enrolment(fh, table, text)
    store.personal_file(
        "export", _actor(), f"bpjs-pendaftaran.{fmt}", len(table) - 1, datetime.now(UTC)
    )
    click.echo(f"{output}: {len(table) - 1} baris ({', '.join(states or DEFAULT_STATES)})")


@bpjs.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--apply",
    "apply",
    is_flag=True,
    help="Tulis nomornya (bawaan: hanya laporan, tanpa perubahan).",
)
@click.option(
    "--accept-name-mismatch",
    is_flag=True,
    help="Isi juga nomor pada baris yang nama atau tanggal lahirnya berbeda.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True),
    help="Tulis juga laporannya sebagai XLSX (untuk kantor cabang).",
)
@with_runtime
def bpjs_import(
    runtime: Runtime, file: str, apply: bool, accept_name_mismatch: bool, report: str | None
) -> None:
    """Baca berkas hasil dari kantor cabang (XLSX atau CSV: kolom NIK dan KPJ, bila ada nama
    dan tanggal lahir) dan laporkan apa yang akan diisi; dengan --apply, tulis nomornya ke kolom
    nomor kepesertaan sekaligus, catat masing-masing di log audit, lalu sinkronkan agar baris
    itu menjadi TERDAFTAR dan warganya mendapat satu pesan. Mengimpor berkas yang sama lagi
    tidak mengubah apa pun.

    Contoh:

        prens --config config/balangan.toml bpjs import hasil-bpjs.xlsx --report laporan.xlsx
    """
    from jobs.sync import sync
    from prens.intake.bpjs_files import import_lines
    from prens.intake.tables import FileRefused
    from sheets_bridge.membership import apply_import, import_plan

    s = runtime.settings
    if report and not Path(report).absolute().parent.is_dir():  # said before anything changes
        raise click.ClickException(f"{report}: folder laporan tidak ada")
    try:
        lines = import_lines(_read(file, s.bpjs.max_upload_mb), s)
    except FileRefused as exc:
        raise click.ClickException(printable(f"{Path(file).name}: {exc}")) from exc
    niks = sum(1 for line in lines if not line.nik.as_number)
    with Progress("Mencocokkan NIK", niks) as matched:
        if apply:
            outcomes = apply_import(
                runtime.ledger,
                runtime.sheets,
                s,
                runtime.verification(),
                lines,
                accept_name_mismatch,
                _actor(),
                Path(file).name,
                datetime.now(UTC),
                matched,
            )
        else:
            outcomes = import_plan(
                runtime.ledger, runtime.sheets, s, lines, accept_name_mismatch, matched
            )
    _print_import(outcomes, apply)
    if report:
        _write_report(runtime, report, outcomes, apply, Path(file).name)
    if apply:
        # The sync of a whole file takes seconds (about 8 s for 20,000 rows): say what it does.
        click.echo("Menyinkronkan: baris yang diisi menjadi TERDAFTAR ...", err=True)
        done = sync(
            runtime.ledger, runtime.sheets, s, runtime.verification(), outbox=runtime.outbox()
        )
        if done.busy:
            click.echo(
                "Sinkronisasi layanan sedang berjalan: baris-baris ini menjadi TERDAFTAR olehnya"
            )
        else:
            click.echo(
                f"Sinkronisasi selesai: {done.changed} pendaftaran berubah, "
                f"{done.written} baris diperbarui di {s.worksheets['pendaftar']}"
            )
    elif any(o.sets for o in outcomes):
        click.echo("Belum ada yang diubah: jalankan lagi dengan --apply untuk mengisi nomor")


def _print_import(outcomes: list, applied: bool) -> None:  # type: ignore[type-arg]
    from prens.privacy import redact
    from prens.rules.bpjs.numbers_in import SAME, SET, counts
    from prens.rules.bpjs.numbers_in import labels as named
    from prens.rules.identity import shown_nik

    labels = named(applied)
    click.echo(f"{len(outcomes)} baris:")
    for code, n in counts(outcomes).items():
        if n:
            click.echo(f"  {n:6d}  {labels[code]}")
    shown = [o for o in outcomes if o.code not in (SET, SAME)]
    for o in shown[:50]:
        nik = shown_nik(o.line.nik.nik)
        # The file's cells as the branch typed them: a personal number in the wrong column is
        # hidden, as the NIK is masked.
        detail = printable(redact(o.detail))
        click.echo(f"  baris {o.line.row}: {nik}  {labels[o.code]}: {detail}")
    if len(shown) > 50:
        click.echo(f"  ... dan {len(shown) - 50} lainnya: lihat --report FILE")


def _print_attention(result: Any) -> None:
    """The bill's lines that need someone's attention (masked NIK, registration id), 50 at
    most; all of them are in the report."""
    from prens.privacy import redact
    from prens.rules.bpjs.bill import OK, OUTCOMES
    from prens.rules.identity import shown_nik

    shown = [line for line in result.lines if line.codes != (OK,)]
    if shown:
        click.echo("Perlu diperiksa:")
    for line in shown[:50]:
        nik = shown_nik(line.nik)
        where = f"baris {line.row}" if line.row is not None else "tidak ditagih"
        said = "; ".join(OUTCOMES[c] for c in line.codes)
        detail = printable(redact(line.detail))
        who = f" (ID {line.registration_id})" if line.registration_id else ""
        click.echo(f"  {where}: {nik}{who}  {said}" + (f": {detail}" if detail else ""))
    if len(shown) > 50:
        click.echo(f"  ... dan {len(shown) - 50} lainnya: lihat --report FILE")


def _write_report(runtime: Runtime, path: str, outcomes: list, applied: bool, name: str) -> None:  # type: ignore[type-arg]
    from prens.privacy import private_file
    from prens.reports.bpjs import write_import_report

    private_file(Path(path))
    with open(path, "wb") as fh:
        write_import_report(fh, outcomes, applied, name)
    runtime.verification().personal_file(
        "export", _actor(), "bpjs-laporan-impor.xlsx", len(outcomes), datetime.now(UTC)
    )
    click.echo(f"laporan: {path}")


@bpjs.command("check-bill")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--month", required=True, help="Bulan yang ditagih, sebagai TTTT-BB.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True),
    help="Tulis juga hasil pemeriksaannya sebagai XLSX (untuk bagian keuangan).",
)
@with_runtime
def bpjs_check_bill(runtime: Runtime, file: str, month: str, report: str | None) -> None:
    """Bandingkan tagihan kantor cabang untuk satu bulan (kolom NIK dan iuran, bila ada KPJ)
    dengan peserta yang seharusnya dibayar: yang ditagih tetapi bukan TERDAFTAR atau nomornya
    berbeda, peserta yang tidak ditagih, iuran yang berbeda, dan jumlahnya.

    Contoh:

        prens --config config/balangan.toml bpjs check-bill tagihan-2025-03.xlsx --month 2025-03
    """
    from prens.intake.bpjs_files import bill_lines
    from prens.intake.submission import typed
    from prens.intake.tables import FileRefused
    from prens.privacy import private_file
    from prens.reports.bpjs import bill_summary, check_bill, month_bounds, write_bill_report
    from prens.rules.bpjs.bill import OUTCOMES

    s = runtime.settings
    month = typed(month)  # full-width digits as plain ones
    month_bounds(month)  # a wrong month is said before the file is read
    try:
        lines = bill_lines(_read(file, s.bpjs.max_upload_mb), s)
    except FileRefused as exc:
        raise click.ClickException(printable(f"{Path(file).name}: {exc}")) from exc
    store = runtime.verification()
    result = check_bill(runtime.ledger, store, s, lines, month)
    for label, value in bill_summary(result, month, s.contribution_per_month):
        click.echo(f"{label}: {value}")
    for code, n in result.counts().items():
        if n:
            click.echo(f"  {n:6d}  {OUTCOMES[code]}")
    _print_attention(result)
    store.log(
        None,
        "bpjs_bill",
        _actor(),
        {
            "file": printable(Path(file).name),
            "month": month,
            "rows": len(lines),
            "billed": result.billed,
            "expected": result.expected,
        },
        datetime.now(UTC),
    )
    if report:
        private_file(Path(report))
        with open(report, "wb") as fh:
            write_bill_report(fh, result, month, s.contribution_per_month, Path(file).name)
        store.personal_file(
            "export",
            _actor(),
            "bpjs-pemeriksaan-tagihan.xlsx",
            len(result.lines),
            datetime.now(UTC),
        )
        click.echo(f"laporan: {report}")
