"""Running the service: `serve` (the web app and the scheduler), `worker` (the jobs alone),
`jobs run`."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click

from jobs.worker import Worker
from prens.cli.common import Progress, config_path, with_runtime
from prens.errors import PrensError
from prens.intake.signing import DEV_SECRET_FILE
from prens.privacy import private_dir
from prens.runtime import Runtime, open_runtime
from sheets_bridge.base import SheetError
from sheets_bridge.sharing import SharedPublicly
from webhooks.serve import deployment_app, waitress_server

log = logging.getLogger(__name__)
SERVE_URL_FILE = "serve-url"  # the running service's address, in its data directory


def _stop(signum: int, _frame: FrameType | None) -> None:
    # A second SIGTERM (a supervisor's, or `timeout` forwarding one) must not cut the shutdown.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(0)


def _check_sharing(runtime: Runtime, echo: Callable[[str], None]) -> None:
    """At start-up, say loudly if the spreadsheet is shared by link. Intake goes on either way
    (it never waits for Google); the flush refuses to write until it is fixed."""

    try:
        runtime.sheets.guard_sharing()  # type: ignore[attr-defined]
    except SharedPublicly as exc:
        echo(f"  KESALAHAN: {exc}")
        echo("  Pendaftaran tetap diterima dan disimpan, tetapi belum ditulis ke lembar sampai itu")
        echo("  diperbaiki.")
    except SheetError as exc:
        echo(f"  PERINGATAN: spreadsheet tidak dapat diperiksa: {exc}")


def _note_address(data_dir: Path, url: str) -> None:
    """Note where the service answers, for `prens demo send`: a convenience, so a data
    directory that cannot take it (read-only, on PostgreSQL never made) is only logged."""
    try:
        (private_dir(data_dir) / SERVE_URL_FILE).write_text(url + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("the service's address was not noted in %s: %s", data_dir, exc.strerror)


def _announce(
    url: str,
    runtimes: dict[str, Runtime],
    dev: dict[str, bool],
    echo: Callable[[str], None],
) -> None:
    single = list(runtimes) == [""]
    names = ", ".join(rt.settings.district for rt in runtimes.values())
    echo(f"Lindungi Prens ({names}) melayani di {url}")
    for name, runtime in runtimes.items():
        settings = runtime.settings
        prefix = "" if single else f"/{name}"
        if not single:
            echo(f"  program {name} ({settings.district}):")
        echo(f"  webhook:     {url}/webhooks/google-form{prefix and '/' + name}")
        echo(f"  halaman:     {url}{prefix}/cek-status")
        echo(f"  buku besar:  {settings.database_url.split('@')[-1]}")
        echo(f"  lembar:      {settings.sheet_backend}")
        if settings.sheet_backend == "google":
            _check_sharing(runtime, echo)
        if dev[name]:
            secret = (settings.data_dir / DEV_SECRET_FILE).read_text(encoding="utf-8").strip()
            echo(
                "  rahasia webhook pengembangan (isi PRENS_WEBHOOK_SECRET"
                f"{'' if single else '_' + name.upper().replace('-', '_')} di produksi): "
                f"{secret}"
            )


def run_server(
    config: str,
    host: str,
    port: int,
    threads: int,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve a deployment (one program, or several) until SIGTERM or Ctrl-C, with a worker per
    program taking part in its scheduler election; then stop them and close the databases."""
    app, runtimes, dev = deployment_app(config, os.environ, allow_dev_secret=True)
    try:
        for runtime in runtimes.values():
            runtime.sheets  # noqa: B018 - credentials refused at start, in words
    except SheetError as exc:
        for runtime in runtimes.values():
            runtime.close()
        raise PrensError(str(exc)) from exc
    try:
        server = waitress_server(app, host, port, threads)
    except PrensError:
        for runtime in runtimes.values():
            runtime.close()
        raise
    workers = [Worker(runtime) for runtime in runtimes.values()]
    _announce(f"http://{host}:{server.effective_port}", runtimes, dev, echo)
    # Where `prens demo send` finds the service without being told (the port may be any).
    near = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    for runtime in runtimes.values():
        _note_address(runtime.settings.data_dir, f"http://{near}:{server.effective_port}")
    signal.signal(signal.SIGTERM, _stop)
    for worker in workers:
        worker.start()  # runs the jobs while it leads (one process per database does)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopping")
    finally:
        for worker in workers:
            worker.stop()
        server.close()
        for runtime in runtimes.values():
            with contextlib.suppress(OSError):
                (runtime.settings.data_dir / SERVE_URL_FILE).unlink(missing_ok=True)
            runtime.close()
        echo("berhenti")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Alamat yang didengarkan.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port yang didengarkan.",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jumlah thread permintaan (waitress).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Jalankan aplikasi web dan penjadwal (bawaan tertanam); dengan berkas deployment, untuk
    setiap program yang didaftarkannya.

    Satu proses: waitress dan penjadwal, untuk satu mesin. Untuk lebih, jalankan worker
    berutas gunicorn pada webhooks.wsgi:app dengan PostgreSQL, dan `prens worker` (lihat
    README). Tanpa PRENS_WEBHOOK_SECRET, rahasia pengembangan dibuat di direktori data dan
    ditampilkan. Berhenti dengan rapi pada SIGTERM atau Ctrl-C.

    Contoh:

        prens --config config/balangan.toml serve --port 8080
    """
    try:
        run_server(config_path(ctx), host, port, threads, echo=click.echo)
    except PrensError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option(
    "--poll-seconds",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 60),
    help="Seberapa sering diperiksa siapa yang memimpin (pemimpin yang mati diganti dalam "
    "waktu ini).",
)
@click.pass_context
def worker(ctx: click.Context, poll_seconds: float) -> None:
    """Jalankan tugas terjadwal (flush, sync, notify, compile, reconcile) tanpa aplikasi web;
    dengan berkas deployment, untuk setiap programnya (atau --program). Berapa pun worker boleh
    berjalan pada satu basis data: satu memimpin dan menjalankan tugas, yang lain mengambil
    alih bila ia mati. Berhenti dengan rapi pada SIGTERM atau Ctrl-C.

    Contoh:

        prens --config config/balangan.toml worker
    """

    from prens.deployment import load_deployment

    try:
        deployment = load_deployment(config_path(ctx))
        chosen = ctx.obj.get("program")
        names = [chosen] if chosen else list(deployment.programs)
        runtimes = [open_runtime(deployment.program(name)) for name in names]
        for runtime in runtimes:
            runtime.sheets  # noqa: B018 - credentials refused now, in words, not at each job
    except (PrensError, SheetError) as exc:
        raise click.ClickException(str(exc)) from exc
    workers = [Worker(runtime, poll_seconds) for runtime in runtimes]
    stopping = workers[0].stopping
    for w in workers[1:]:
        w.stopping = stopping  # one signal stops them all
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    for w, runtime in zip(workers, runtimes, strict=True):
        click.echo(f"worker {w.name}: menunggu giliran memimpin ({runtime.settings.district})")
    for w in workers[1:]:
        w.start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: run() has stood down already
        workers[0].run()
    stopping.set()
    for w in workers[1:]:
        w.stop()
    for runtime in runtimes:
        runtime.close()
    click.echo("worker: berhenti")


@click.group()
def jobs() -> None:
    """Jalankan tugas terjadwal secara manual.

    Contoh:

        prens --config config/balangan.toml jobs run flush
    """


@jobs.command("run")
@click.argument(
    "name",
    type=click.Choice(
        ["flush", "sync", "notify", "compile", "reconcile", "rollover", "reminders", "uploads"]
    ),
)
@with_runtime
def jobs_run(runtime: Runtime, name: str) -> None:
    """Jalankan satu tugas sekali, sekarang. NAME: flush (tulis pendaftaran baru ke lembar),
    sync (baca centang verifikator, pindahkan status pendaftaran, tulis Status kembali), notify
    (kirim pesan yang sudah waktunya), compile (bangun ulang Daftar Final), reconcile (ambil
    baris lembar jawaban formulir yang terlewat oleh webhook), rollover (lanjutkan peserta ke
    periode anggaran baru, sekali per periode, lalu sync), reminders (antrekan satu pengingat
    berkas bagi yang lama terverifikasi tetapi berkasnya belum sampai di kantor desa) atau
    uploads (hapus berkas BPJS yang diunggah lebih dari 7 hari lalu, beserta NIK di dalamnya).

    Contoh:

        prens --config config/balangan.toml jobs run flush
    """
    from jobs.registry import run_job

    with Progress(f"{name}", 0) as progress:
        summary = run_job(name, runtime, progress=progress.at)
    click.echo(summary)
