"""The verifiers' sheet: `sheet export`, `sheet set`, `sheet import-responses`, `sheet setup`."""

from __future__ import annotations

import csv
import sys

import click

from prens.cli.common import printable, with_runtime
from prens.runtime import Runtime


@click.group()
def sheet() -> None:
    """Baca dan isi lembar kerja (lembar lokal atau Google Sheets).

    Contoh:

        prens --config config/balangan.toml sheet export Pendaftar > pendaftar.csv
    """


@sheet.command("export")
@click.argument("worksheet", metavar="LEMBAR")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv"]),
    default="csv",
    show_default=True,
    help="Format keluaran.",
)
@with_runtime
def sheet_export(runtime: Runtime, worksheet: str, fmt: str) -> None:
    """Tampilkan LEMBAR sebagai CSV di keluaran standar, untuk mesin: setiap sel seperti
    tersimpan, kecuali sel yang dapat terbaca sebagai rumus diberi apostrof di depannya.
    Spreadsheet yang membuka CSV ini membaca NIK, KK dan nomor HP sebagai angka dan
    menghilangkan angkanya: untuk dibaca orang, pakai `prens export final --format xlsx`.

    Contoh:

        prens --config config/balangan.toml sheet export "Perlu Perbaikan"
    """
    from prens.reports.exports import csv_row

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerows(csv_row(row) for row in runtime.sheets.get_all_values(worksheet))


@sheet.command("set")
@click.argument("worksheet", metavar="LEMBAR")
@click.option("--id", "registration_id", required=True, help="ID Pendaftaran baris itu.")
@click.option("--column", required=True, help="Judul kolom verifikator.")
@click.option("--value", required=True, help="Isi baru (TRUE/FALSE untuk kotak centang).")
@with_runtime
def sheet_set(
    runtime: Runtime, worksheet: str, registration_id: str, column: str, value: str
) -> None:
    """Isi satu sel verifikator, seperti verifikator mengisinya di Google Sheets.

    Contoh:

        prens --config config/balangan.toml sheet set Pendaftar --id BLG-7KQ4MX \\
            --column "Verifikasi Dinas" --value TRUE
    """
    from sheets_bridge.verifier import set_verifier_cell

    stored = set_verifier_cell(
        runtime.sheets, runtime.settings, worksheet, registration_id, column, value
    )
    click.echo(f"{worksheet}: {registration_id} {column} = {stored}")


@sheet.command("import-responses")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--no-reconcile",
    is_flag=True,
    help="Hanya isi lembar jawaban (lembar lokal); rekonsiliasi terjadwal mengambil barisnya "
    "nanti.",
)
@with_runtime
def sheet_import_responses(runtime: Runtime, csv_file: str, no_reconcile: bool) -> None:
    """Ambil jawaban formulir dari FILE.csv, CSV yang diunduh dari Google Forms (Jawaban >
    Unduh jawaban). Jawaban yang sudah ada di buku besar dikenali dan dihitung sekali.

    Dengan lembar lokal, baris-barisnya masuk ke lembar jawaban ([responses] worksheet), baris
    yang sudah ada tidak ditambahkan lagi, dan tugas rekonsiliasi langsung berjalan. Dengan
    Google Sheets, jawabannya langsung masuk buku besar; lembar tertaut formulir tidak diubah.

    Contoh:

        prens --config config/balangan.toml sheet import-responses ~/Unduhan/respons.csv
    """
    from jobs.reconcile import import_responses, reconcile
    from prens.errors import ResponsesLayoutError
    from prens.intake.responses import columns, read_row

    table, lines = [], []  # each record, and the CSV line it starts on
    try:
        with open(csv_file, encoding="utf-8-sig", newline="") as handle:
            # A NUL is dropped, as the local sheet and the BPJS files drop it.
            reader = csv.reader(line.replace("\x00", "") for line in handle)
            end = 0
            for record in reader:
                table.append(record)
                lines.append(end + 1)
                end = reader.line_num
    except (UnicodeDecodeError, csv.Error) as exc:
        raise click.ClickException(f"{csv_file}: not a UTF-8 CSV file ({exc})") from exc
    if not table:
        raise click.ClickException(f"{csv_file}: empty file")
    settings = runtime.settings
    try:
        cols = columns(table[0], settings)
    except ResponsesLayoutError as exc:
        raise click.ClickException(f"{csv_file}: {exc}") from exc
    for line, cells in zip(lines[1:], table[1:], strict=True):
        row = read_row(line, cells, cols, settings, settings.timezone)
        if row.submission is None and any(str(c).strip() for c in cells):
            click.echo(
                printable(f"{csv_file}, baris {line}: {row.error}; jawaban ini tidak diambil")
            )
    report = import_responses(
        runtime.ledger, runtime.responses_sheets(), settings, table[0], table[1:]
    )
    if settings.sheet_backend != "local":
        click.echo(
            f"{report.stored} jawaban baru disimpan, {report.already} sudah ada di buku besar"
            + (
                f", {report.waiting} belum lewat waktu tunggu (impor lagi nanti)"
                if report.waiting
                else ""
            )
        )
        return
    click.echo(
        f"{settings.responses.worksheet}: {report.added} baris ditambahkan, "
        f"{report.present} sudah ada"
    )
    if not no_reconcile:
        click.echo(reconcile(runtime.ledger, runtime.responses_sheets(), settings).ringkasan())


@sheet.command("setup")
@with_runtime
def sheet_setup(runtime: Runtime) -> None:
    """Buat atau perbaiki lembar kerja: judul kolom, baris judul yang dibekukan, kotak centang,
    kolom identitas sebagai teks, kolom sistem yang dilindungi, lebar kolom. Menjalankannya lagi
    tidak mengubah apa pun.

    Contoh:

        prens --config config/balangan.toml sheet setup
    """
    from sheets_bridge.setup import worksheet_layouts

    for layout in worksheet_layouts(runtime.settings):
        runtime.sheets.apply_layout(layout)
        click.echo(
            f"{layout.name}: {len(layout.headers)} kolom, "
            f"{len(layout.checkbox_columns)} kotak centang, {len(layout.text_columns)} teks, "
            f"{sum(e - s for s, e in layout.protected_columns)} dilindungi"
        )
    click.echo("lembar kerja: " + ", ".join(runtime.sheets.worksheet_names()))
