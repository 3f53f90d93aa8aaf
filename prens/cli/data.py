"""The data out and the database: `export final`, `db upgrade`, `db copy`, `audit`."""

from __future__ import annotations

import click

from prens.cli.common import Progress, settings_of, with_runtime
from prens.runtime import Runtime


@click.group()
def export() -> None:
    """Tulis daftar ke berkas, untuk dipakai tanpa jaringan.

    Contoh:

        prens --config config/balangan.toml export final --format xlsx -o daftar-final.xlsx
    """


@export.command("final")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default="xlsx",
    show_default=True,
    help="Format berkas.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Berkas yang ditulis.",
)
@click.option(
    "--period",
    "period_name",
    help="Periode anggaran (nama di [[periods]]) yang daftar SK-nya ditulis. Bawaan: hari ini.",
)
@with_runtime
def export_final(runtime: Runtime, fmt: str, output: str, period_name: str | None) -> None:
    """Tulis daftar final (terverifikasi atau lebih lanjut), urut kecamatan, desa dan nama.
    XLSX untuk dibaca orang: NIK, KK dan nomor HP tetap teks, dengan lembar ringkasan anggaran.
    CSV untuk mesin: spreadsheet yang membukanya menghilangkan angka NIK dan KK. Ekspor tercatat
    di log audit (berisi data pribadi).

    Contoh:

        prens --config config/balangan.toml export final --format csv -o daftar-final.csv
    """
    import getpass
    from datetime import UTC, datetime

    from prens.reports import final
    from prens.reports.changes import decree
    from prens.reports.exports import write_csv

    s = runtime.settings
    store = runtime.verification()
    now = datetime.now(UTC)
    period = s.period_chosen(period_name, now.astimezone(s.timezone).date())
    if period is None:
        names = ", ".join(p.name for p in s.all_periods())
        raise click.ClickException(
            f"tidak ada periode {period_name or '(hari ini)'}; periode yang ada: {names}"
        )
    table, changes = decree(runtime.ledger, store, s, period, now)
    from pathlib import Path

    from prens.privacy import private_file

    private_file(Path(output))  # personal data: readable by its owner only
    with open(output, "wb") as fh, Progress("Menulis daftar final", len(table) - 1) as bar:
        if fmt == "csv":
            write_csv(fh, table, bar)
        else:
            final.write_decree(fh, table, changes, s, bar)
    store.personal_file(
        "export",
        f"cli:{getpass.getuser()}",
        f"daftar-final-{period.name}.{fmt}",
        len(table) - 1,
        now,
    )
    click.echo(f"{output}: {len(table) - 1} baris")


@click.group()
def db() -> None:
    """Basis data buku besar: pembaruan skema dan pindah ke PostgreSQL.

    Contoh:

        prens --config config/balangan.toml db upgrade
    """


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Buat atau perbarui skema basis data ke revisi terbaru (migrasi Alembic). Layanan juga
    melakukannya saat mulai; jalankan sendiri sebelum menyalakan beberapa worker sekaligus.

    Contoh:

        prens --config config/balangan.toml db upgrade
    """
    from prens.store.database import make_engine
    from prens.store.migrate import current, upgrade

    settings = settings_of(ctx)
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        before = current(engine)
        after = upgrade(engine)
    finally:
        engine.dispose()
    click.echo(
        f"basis data pada revisi {after}" + (f" (sebelumnya {before})" if before != after else "")
    )


@db.command("copy")
@click.option(
    "--to", "target_url", required=True, help="URL SQLAlchemy basis data tujuan (kosong)."
)
@click.pass_context
def db_copy(ctx: click.Context, target_url: str) -> None:
    """Salin seluruh basis data (buku besar, log audit, pesan, petugas, lembar lokal) ke basis
    data lain yang kosong, misalnya PostgreSQL; jumlah baris tiap tabel diperiksa. Hentikan
    layanan dulu; lalu arahkan [storage] url (atau PRENS_DATABASE_URL) ke tujuan.

    Contoh:

        prens --config config/balangan.toml db copy --to postgresql+psycopg://prens@db/prens
    """
    from prens.store.database import make_engine
    from prens.store.migrate import copy_database

    settings = settings_of(ctx)
    source = make_engine(settings.database_url, settings.sqlite_synchronous)
    target = make_engine(target_url)
    copied: dict[str, int] = {}

    def progress(table: str, n: int) -> None:
        copied[table] = copied.get(table, 0) + n
        click.echo(f"\r{table}: {copied[table]} baris", nl=False, err=True)

    try:
        counts = copy_database(source, target, progress)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        source.dispose()
        target.dispose()
    click.echo("", err=True)
    wrong = {t: c for t, c in counts.items() if c[0] != c[1]}
    for table, (there, here) in counts.items():
        click.echo(f"{table}: {there} -> {here}" + ("  TIDAK SAMA" if there != here else ""))
    if wrong:
        raise click.ClickException(f"row counts differ in {', '.join(wrong)}")
    click.echo(f"{sum(c[0] for c in counts.values())} baris disalin; jumlahnya sama")


@click.command()
@click.argument("registration_id", required=False)
@click.option(
    "--downloads",
    is_flag=True,
    help="Daftar siapa yang mengunduh atau mengekspor data pribadi, dan kapan.",
)
@with_runtime
def audit(runtime: Runtime, registration_id: str | None, downloads: bool) -> None:
    """Tampilkan riwayat satu pendaftaran (diterima, status, centang yang dihapus, isian
    verifikator), atau dengan --downloads setiap unduhan dan ekspor data pribadi, terbaru dulu.

    Contoh:

        prens --config config/balangan.toml audit BLG-7KQ4MX
    """
    tz = runtime.settings.timezone
    if downloads:
        entries = runtime.verification().downloads()
        if not entries:
            click.echo("belum ada unduhan atau ekspor")
        for entry in entries:
            click.echo(
                f"{entry.at.astimezone(tz):%d-%m-%Y %H:%M:%S}  {entry.describe()}  [{entry.actor}]"
            )
        return
    if not registration_id:
        raise click.UsageError("sebut ID pendaftaran (BLG-...) atau beri --downloads")
    reg = runtime.ledger.get(registration_id)
    if reg is None:
        raise click.ClickException(f"tidak ada pendaftaran {registration_id}")
    from prens.rules.registration import RECEIVED_WORDS

    status = RECEIVED_WORDS.get(reg.status, reg.status)
    click.echo(f"{reg.id}  {status}  status: {reg.state or '-'}")
    click.echo(f"{reg.received_at.astimezone(tz):%d-%m-%Y %H:%M:%S}  formulir masuk ({status})")
    for entry in runtime.verification().history(registration_id):
        click.echo(
            f"{entry.at.astimezone(tz):%d-%m-%Y %H:%M:%S}  {entry.describe()}  [{entry.actor}]"
        )
