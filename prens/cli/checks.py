"""Checking a deployment and trying it: `doctor`, `check-config`, `demo send`."""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from prens.cli.common import first_line, settings_of
from prens.errors import PrensError
from prens.privacy import redact
from prens.runtime import open_runtime
from sheets_bridge.base import SheetError


@click.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Periksa deployment: konfigurasi, basis data, kredensial Google, spreadsheet, dengan siapa
    dibagikan, dan kolom lembar kerja. Keluar dengan kode 1 bila ada yang harus diperbaiki.

    Contoh:

        prens --config config/balangan.toml doctor
    """
    from prens.doctor import ERROR, database_unusable, run_checks

    try:
        settings = settings_of(ctx)
        runtime = open_runtime(settings)
    except (PrensError, SheetError) as exc:
        raise click.ClickException(str(exc)) from exc
    except SQLAlchemyError as exc:  # a database that cannot be opened is a check's answer
        checks = database_unusable(settings, redact(first_line(exc)))
    else:
        try:
            checks = run_checks(runtime)
        finally:
            runtime.close()
    for check in checks:
        click.echo(check.line())
    if any(c.status == ERROR for c in checks):
        raise SystemExit(1)


@click.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Periksa berkas konfigurasi dan tampilkan yang diaturnya.

    Contoh:

        prens --config config/balangan.toml check-config
    """
    try:
        s = settings_of(ctx)
    except PrensError as exc:
        raise click.ClickException(str(exc)) from exc
    if s.sheet_backend == "google":
        from sheets_bridge.credentials import credentials_path, credentials_problem

        problem = credentials_problem(credentials_path(s.credentials_file))
        if problem:
            raise click.ClickException(f"{s.source}: {problem}")
    click.echo(
        f"{s.source}: OK\n  program: {s.program_name}, {s.district} ({s.region.code}: "
        f"{len(s.region.kecamatan)} kecamatan, {s.region.desa_count} desa/kelurahan)\n"
        f"  usia: {s.min_age} sampai sebelum {s.max_age} tahun; zona waktu {s.timezone.key}\n"
        f"  basis data: {s.database_url.split('@')[-1]}\n"
        f"  lembar verifikasi: {s.sheet_backend}; lembar kerja: {', '.join(s.worksheets.values())}"
    )
    from datetime import datetime

    from prens.rules.money import rupiah
    from prens.rules.periods import warnings

    for p in s.periods:
        quota = f"kuota {p.quota} orang" if p.quota else "tanpa kuota"
        budget = f"pagu {rupiah(p.budget)}" if p.budget else "pagu belum diatur"
        click.echo(
            f"  periode {p.name}: {p.shown()}, {quota}, {budget}, "
            f"{p.months} bulan × {rupiah(p.contribution_per_month)}"
        )
    for warning in warnings(s.periods, datetime.now(s.timezone).date()):
        click.echo(f"  PERINGATAN: {warning}")


@click.group()
def demo() -> None:
    """Coba layanan dengan pendaftar rekaan.

    Contoh:

        prens --config config/balangan.toml demo send --count 20
    """


DEFAULT_URL = "http://127.0.0.1:8080"


@demo.command("send")
@click.option(
    "--url",
    default=None,
    help="Webhook tujuan, atau alamat layanan (http://host:port). Bawaan: tempat `prens serve` "
    "berjalan untuk konfigurasi ini (alamatnya dicatat di direktori data), atau "
    "http://127.0.0.1:8080.",
)
@click.option(
    "--count",
    default=10,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="Berapa banyak formulir.",
)
@click.option(
    "--seed", default=None, type=int, help="Benih acak, untuk orang-orang yang sama lagi."
)
@click.pass_context
def demo_send(ctx: click.Context, url: str | None, count: int, seed: int | None) -> None:
    """Kirim COUNT formulir bertanda tangan (kebanyakan benar, sebagian dengan kesalahan) ke
    layanan yang sedang berjalan.

    Ditandatangani dengan PRENS_WEBHOOK_SECRET, atau rahasia pengembangan buatan `prens serve`.

    Contoh:

        prens --config config/balangan.toml demo send --count 5
    """
    from prens.cli.serving import SERVE_URL_FILE
    from prens.demo_sender import send_demo

    try:
        settings = settings_of(ctx)
        noted = settings.data_dir / SERVE_URL_FILE
        if url is None:
            url = noted.read_text(encoding="utf-8").strip() if noted.exists() else DEFAULT_URL
        summary = send_demo(settings, url, count, seed, echo=click.echo)
    except PrensError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)
