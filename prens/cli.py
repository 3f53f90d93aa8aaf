"""The `prens` command: a thin shell over the library. Each command opens it, calls it, and turns
its errors into a message and a non-zero exit."""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from prens.config import Settings
from prens.errors import PrensError
from prens.privacy import redact_logs
from prens.runtime import Runtime, open_runtime
from sheets_bridge.base import SheetError

CONFIG_HELP = "Configuration file (TOML). Default: $PRENS_CONFIG."


def _config_path(ctx: click.Context) -> str:
    path = ctx.obj.get("config") or os.environ.get("PRENS_CONFIG")
    if not path:
        raise click.UsageError(
            "no configuration: pass --config PATH or set PRENS_CONFIG "
            "(example: --config config/balangan.toml)"
        )
    return str(path)


def _settings(ctx: click.Context) -> Settings:
    """The settings of the program a command acts on (--program among several)."""
    from prens.deployment import load_deployment

    return load_deployment(_config_path(ctx)).program(ctx.obj.get("program"))


def _with_runtime(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Open the deployment for the command, close it after, and report library errors cleanly."""

    @wraps(fn)
    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        try:
            runtime = open_runtime(_settings(ctx))
        except (PrensError, SheetError) as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            return fn(runtime, *args, **kwargs)
        except (PrensError, SheetError) as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            runtime.close()

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option(
    "--program",
    help="With a deployment file of several programs: the program a command acts on.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.version_option(package_name="lindungi-prens")
@click.pass_context
def main(ctx: click.Context, config: str | None, program: str | None, verbose: bool) -> None:
    """Lindungi Prens: the backend behind the registration form.

    Example:

        prens --config config/balangan.toml serve
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["program"] = program
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    redact_logs()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Request threads (waitress).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Run the web app and the scheduler (the embedded default); with a deployment file, every
    program it lists.

    One process: waitress and the scheduler, for one machine. For more, run gunicorn's threaded
    worker on webhooks.wsgi:app with PostgreSQL, and `prens worker` (see the README).
    Without PRENS_WEBHOOK_SECRET a development secret is made in the data directory and printed.
    Stops cleanly on SIGTERM or Ctrl-C.

    Example:

        prens --config config/balangan.toml serve --port 8080
    """
    from webhooks.serve import run_server

    try:
        run_server(_config_path(ctx), host, port, threads, echo=click.echo)
    except PrensError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option(
    "--poll-seconds",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 60),
    help="How often to check who leads (a dead leader is replaced within this).",
)
@click.pass_context
def worker(ctx: click.Context, poll_seconds: float) -> None:
    """Run the scheduled jobs (flush, sync, notify, compile, reconcile) without the web app;
    with a deployment file, for every program it lists (or --program). Any number of workers
    may run on one database: one leads and runs the jobs, the others take over when it dies.
    Stops cleanly on SIGTERM or Ctrl-C.

    Example:

        prens --config config/balangan.toml worker
    """
    import signal

    from jobs.worker import Worker
    from prens.deployment import load_deployment

    try:
        deployment = load_deployment(_config_path(ctx))
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
        click.echo(f"worker {w.name}: waiting to lead ({runtime.settings.district})")
    for w in workers[1:]:
        w.start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: run() has stood down already
        workers[0].run()
    stopping.set()
    for w in workers[1:]:
        w.stop()
    for runtime in runtimes:
        runtime.close()
    click.echo("worker: stopped")


@main.group()
def jobs() -> None:
    """Run scheduled jobs by hand.

    Example:

        prens --config config/balangan.toml jobs run flush
    """


@jobs.command("run")
@click.argument("name", type=click.Choice(["flush", "sync", "notify", "compile", "reconcile"]))
@_with_runtime
def jobs_run(runtime: Runtime, name: str) -> None:
    """Run one job once, now. NAME: flush (write new registrations to the sheet), sync (read
    verifiers' ticks, move registrations through the lifecycle, write Status back), notify (send
    the messages that are due), compile (rebuild Daftar Final) or reconcile (take in the form's
    responses sheet rows the webhook missed).

    Example:

        prens --config config/balangan.toml jobs run flush
    """
    from jobs.registry import run_job

    click.echo(run_job(name, runtime))


@main.group()
def sheet() -> None:
    """Read and set worksheets (any backend).

    Example:

        prens --config config/balangan.toml sheet export Pendaftar > pendaftar.csv
    """


@sheet.command("export")
@click.argument("worksheet")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@_with_runtime
def sheet_export(runtime: Runtime, worksheet: str, fmt: str) -> None:
    """Print WORKSHEET as CSV on standard output, for machines: every cell as it is stored,
    except that a cell a spreadsheet could read as a formula gets an apostrophe before it. A
    spreadsheet opening this CSV reads NIK, KK and phone numbers as numbers and loses digits:
    for people, use `export final --format xlsx`.

    Example:

        prens --config config/balangan.toml sheet export "Perlu Perbaikan"
    """
    from prens.reports.exports import csv_row

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerows(csv_row(row) for row in runtime.sheets.get_all_values(worksheet))


@sheet.command("set")
@click.argument("worksheet")
@click.option("--id", "registration_id", required=True, help="The row's ID Pendaftaran.")
@click.option("--column", required=True, help="A verifier column's header.")
@click.option("--value", required=True, help="The new value (TRUE/FALSE for a checkbox).")
@_with_runtime
def sheet_set(
    runtime: Runtime, worksheet: str, registration_id: str, column: str, value: str
) -> None:
    """Set one verifier cell, as a verifier does by hand in Google Sheets.

    Example:

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
    help="Only fill the responses worksheet (local backend); the scheduler's reconcile takes "
    "the rows in later.",
)
@_with_runtime
def sheet_import_responses(runtime: Runtime, csv_file: str, no_reconcile: bool) -> None:
    """Take in the form's responses from FILE.csv, the CSV Google Forms downloads (Responses >
    Download responses). Responses the ledger has already are recognised and counted once.

    On the local backend the rows join the responses worksheet ([responses] worksheet), rows
    already there are not added twice, and the reconcile job runs at once. On the Google backend
    the responses go straight into the ledger; the form's linked sheet is left as it is.

    Example:

        prens --config config/balangan.toml sheet import-responses ~/Unduhan/respons.csv
    """
    from jobs.reconcile import import_responses, reconcile
    from prens.errors import ResponsesLayoutError
    from prens.intake.responses import columns, read_row

    table, lines = [], []  # each record, and the CSV line it starts on
    try:
        with open(csv_file, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
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
            click.echo(f"{csv_file}, line {line}: {row.error}; this response is not taken in")
    report = import_responses(
        runtime.ledger, runtime.responses_sheets(), settings, table[0], table[1:]
    )
    if settings.sheet_backend != "local":
        click.echo(
            f"{report.stored} new response(s) stored, {report.already} already in the ledger"
            + (
                f", {report.waiting} under the settle time (import again later)"
                if report.waiting
                else ""
            )
        )
        return
    click.echo(
        f"{settings.responses.worksheet}: {report.added} row(s) added, "
        f"{report.present} already there"
    )
    if not no_reconcile:
        click.echo(reconcile(runtime.ledger, runtime.responses_sheets(), settings).summary())


@sheet.command("setup")
@_with_runtime
def sheet_setup(runtime: Runtime) -> None:
    """Create or repair the worksheets: headers, frozen header row, checkboxes, identifier
    columns as text, protected system columns, column widths. Running it again changes nothing.

    Example:

        prens --config config/balangan.toml sheet setup
    """
    from sheets_bridge.setup import worksheet_layouts

    for layout in worksheet_layouts(runtime.settings):
        runtime.sheets.apply_layout(layout)
        click.echo(
            f"{layout.name}: {len(layout.headers)} columns, "
            f"{len(layout.checkbox_columns)} checkbox, {len(layout.text_columns)} text, "
            f"{sum(e - s for s, e in layout.protected_columns)} protected"
        )
    click.echo("worksheets: " + ", ".join(runtime.sheets.worksheet_names()))


@main.group()
def demo() -> None:
    """Try the service with invented registrants.

    Example:

        prens --config config/balangan.toml demo send --count 20
    """


@demo.command("send")
@click.option(
    "--url",
    default="http://127.0.0.1:8080/webhooks/google-form",
    show_default=True,
    help="The webhook to post to, or the service's address (http://host:port).",
)
@click.option(
    "--count",
    default=10,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="How many submissions.",
)
@click.option("--seed", default=None, type=int, help="Random seed, for the same people again.")
@click.pass_context
def demo_send(ctx: click.Context, url: str, count: int, seed: int | None) -> None:
    """Post COUNT signed submissions (mostly valid, some with mistakes) to a running service.

    Signs with PRENS_WEBHOOK_SECRET, or the development secret `prens serve` made.

    Example:

        prens --config config/balangan.toml demo send --count 5
    """
    from prens.demo_sender import send_demo

    try:
        settings = _settings(ctx)
        summary = send_demo(settings, url, count, seed, echo=click.echo)
    except PrensError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)


@main.group()
def export() -> None:
    """Write lists to files for offline use.

    Example:

        prens --config config/balangan.toml export final --format xlsx -o daftar-final.xlsx
    """


@export.command("final")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default="xlsx",
    show_default=True,
    help="File format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="File to write.",
)
@_with_runtime
def export_final(runtime: Runtime, fmt: str, output: str) -> None:
    """Write the final list (verified or later), by kecamatan, desa and name. XLSX is the file
    for people: NIK, KK and phone numbers stay text, with a summary sheet with the budget. CSV is
    for machines: a spreadsheet opening it loses digits of NIK and KK. The export is recorded in
    the audit log (it holds personal data).

    Example:

        prens --config config/balangan.toml export final --format csv -o daftar-final.csv
    """
    import getpass
    from datetime import UTC, datetime

    from jobs.compile import final_list
    from prens.reports.exports import write_csv, write_xlsx
    from sheets_bridge import final

    s = runtime.settings
    store = runtime.verification()
    table = final_list(runtime.ledger, store, s)
    from pathlib import Path

    from prens.privacy import private_file

    private_file(Path(output))  # personal data: readable by its owner only
    with (
        open(output, "wb") as fh,
        click.progressbar(length=len(table) - 1, label="Menulis daftar final") as bar,
    ):
        if fmt == "csv":
            write_csv(fh, table, bar.update)
        else:
            summary = final.summary(table[1:], s, s.contribution_months, s.coverage_target)
            write_xlsx(fh, table, final.text_columns(s), summary, bar.update, final.date_columns(s))
    store.log(
        None,
        "export",
        f"cli:{getpass.getuser()}",
        {"list": "daftar-final", "format": fmt, "rows": len(table) - 1},
        datetime.now(UTC),
    )
    click.echo(f"{output}: {len(table) - 1} row(s)")


@main.group()
def db() -> None:
    """The ledger's database: schema upgrades and moving to PostgreSQL.

    Example:

        prens --config config/balangan.toml db upgrade
    """


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the database schema to the newest revision (Alembic migrations). The
    service does this at start too; run it by hand before starting several workers at once.

    Example:

        prens --config config/balangan.toml db upgrade
    """
    from prens.store.database import make_engine
    from prens.store.migrate import current, upgrade

    settings = _settings(ctx)
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        before = current(engine)
        after = upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"database at revision {after}" + (f" (was {before})" if before != after else ""))


@db.command("copy")
@click.option("--to", "target_url", required=True, help="The SQLAlchemy URL of the empty target.")
@click.pass_context
def db_copy(ctx: click.Context, target_url: str) -> None:
    """Copy this deployment's whole database (ledger, audit log, outbox, officers, local sheet)
    into another, empty one, such as PostgreSQL; the row counts of every table are checked.
    Stop the service first; then point [storage] url (or PRENS_DATABASE_URL) at the target.

    Example:

        prens --config config/balangan.toml db copy --to postgresql+psycopg://prens@db/prens
    """
    from prens.store.database import make_engine
    from prens.store.migrate import copy_database

    settings = _settings(ctx)
    source = make_engine(settings.database_url, settings.sqlite_synchronous)
    target = make_engine(target_url)
    copied: dict[str, int] = {}

    def progress(table: str, n: int) -> None:
        copied[table] = copied.get(table, 0) + n
        click.echo(f"\r{table}: {copied[table]} rows", nl=False, err=True)

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
        click.echo(f"{table}: {there} -> {here}" + ("  MISMATCH" if there != here else ""))
    if wrong:
        raise click.ClickException(f"row counts differ in {', '.join(wrong)}")
    click.echo(f"copied {sum(c[0] for c in counts.values())} rows; counts match")


@main.command()
@click.argument("registration_id", required=False)
@click.option(
    "--downloads", is_flag=True, help="List who downloaded or exported personal data, and when."
)
@_with_runtime
def audit(runtime: Runtime, registration_id: str | None, downloads: bool) -> None:
    """Print a registration's history (received, states, unticked boxes, verifier edits), or
    with --downloads every download and export of personal data, newest first.

    Example:

        prens --config config/balangan.toml audit BLG-7KQ4MX
    """
    tz = runtime.settings.timezone
    if downloads:
        entries = runtime.verification().downloads()
        if not entries:
            click.echo("no downloads or exports yet")
        for entry in entries:
            click.echo(
                f"{entry.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {entry.describe()}  [{entry.actor}]"
            )
        return
    if not registration_id:
        raise click.UsageError("name a registration (BLG-...) or pass --downloads")
    reg = runtime.ledger.get(registration_id)
    if reg is None:
        raise click.ClickException(f"no registration {registration_id}")
    click.echo(f"{reg.id}  {reg.status}  state: {reg.state or '-'}")
    click.echo(f"{reg.received_at.astimezone(tz):%Y-%m-%d %H:%M:%S}  received ({reg.status})")
    for entry in runtime.verification().history(registration_id):
        click.echo(
            f"{entry.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {entry.describe()}  [{entry.actor}]"
        )


@main.group()
def notifications() -> None:
    """Messages to citizens: what was sent, what failed, what is uncertain.

    Example:

        prens --config config/balangan.toml notifications list --status uncertain
    """


@notifications.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "sent", "failed", "uncertain"]),
    help="Only this status.",
)
@click.option(
    "--event",
    type=click.Choice(["needs_correction", "TERVERIFIKASI", "DITOLAK", "TERDAFTAR"]),
    help="Only this event.",
)
@_with_runtime
def notifications_list(runtime: Runtime, status: str | None, event: str | None) -> None:
    """List messages (no phone numbers or texts: ids, events, outcomes).

    Example:

        prens --config config/balangan.toml notifications list --status failed
    """
    tz = runtime.settings.timezone
    found = runtime.outbox().messages(status, event)
    if not found:
        asked = " ".join(part for part in (status, event) if part)
        click.echo(f"no messages{' ' + asked if asked else ''}")
    for m in found:
        click.echo(
            f"{m.id:>6}  {m.registration_id}  {m.event:<16} {m.status:<9} "
            f"attempts {m.attempts}  {m.updated_at.astimezone(tz):%Y-%m-%d %H:%M}"
            + (f"  {m.reason}" if m.reason else "")
        )


@notifications.command("retry")
@click.argument("message_id", type=int)
@_with_runtime
def notifications_retry(runtime: Runtime, message_id: int) -> None:
    """Send an uncertain or failed message again (an operator's decision: an uncertain message
    may have been delivered already).

    Example:

        prens --config config/balangan.toml notifications retry 42
    """
    from datetime import UTC, datetime

    if not runtime.outbox().requeue(message_id, datetime.now(UTC)):
        raise click.ClickException(f"message {message_id} is not uncertain or failed")
    click.echo(f"message {message_id} will be sent by the next notify run")


@main.group()
def officer() -> None:
    """Dinas officers who may download personal data (each with a token of their own).

    Example:

        prens --config config/balangan.toml officer add "Rahmat (Dinas)"
    """


@officer.command("add")
@click.argument("name")
@_with_runtime
def officer_add(runtime: Runtime, name: str) -> None:
    """Make an officer and print their token, once: only its hash is kept. They sign in to
    /dinas/... with their name and this token.

    Example:

        prens --config config/balangan.toml officer add "Rahmat (Dinas)"
    """
    from prens.store.officers import Officers

    token = Officers(runtime.engine).add(name)
    click.echo(f"officer {name!r} added. Token (shown once, keep it safe): {token}")


@officer.command("list")
@_with_runtime
def officer_list(runtime: Runtime) -> None:
    """List the officers (names only; tokens are never stored).

    Example:

        prens --config config/balangan.toml officer list
    """
    from prens.store.officers import Officers

    names = Officers(runtime.engine).names()
    if not names:
        click.echo("no officers yet: add one with `prens officer add NAME`")
    for name in names:
        click.echo(name)


@officer.command("remove")
@click.argument("name")
@_with_runtime
def officer_remove(runtime: Runtime, name: str) -> None:
    """Remove an officer: their token stops working at once.

    Example:

        prens --config config/balangan.toml officer remove "Rahmat (Dinas)"
    """
    from prens.store.officers import Officers

    Officers(runtime.engine).remove(name)
    click.echo(f"officer {name!r} removed")


@main.command()
@_with_runtime
def doctor(runtime: Runtime) -> None:
    """Check the deployment: configuration, database, Google credentials, the spreadsheet, who
    it is shared with, and the worksheets' columns. Exits 1 when something must be fixed.

    Example:

        prens --config config/balangan.toml doctor
    """
    from prens.doctor import ERROR, run_checks

    checks = run_checks(runtime)
    for check in checks:
        click.echo(check.line())
    if any(c.status == ERROR for c in checks):
        raise SystemExit(1)


@main.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Check the configuration file and print what it sets.

    Example:

        prens --config config/balangan.toml check-config
    """
    try:
        s = _settings(ctx)
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
        f"  ages: {s.min_age} to under {s.max_age}; time zone {s.timezone.key}\n"
        f"  database: {s.database_url.split('@')[-1]}\n"
        f"  sheet: {s.sheet_backend}; worksheets: {', '.join(s.worksheets.values())}"
    )


def _store_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        ctx.find_root().ensure_object(dict)[param.name] = value


def _accept_global_options(command: click.Command) -> None:
    """Let --config and --program also follow the command (`prens doctor --config X`), as
    operators type them; the value given there wins over one given before the command."""
    for option in ("config", "program"):
        if any(p.name == option for p in command.params):
            continue
        command.params.append(
            click.Option(
                [f"--{option}"],
                expose_value=False,
                callback=_store_global,
                is_eager=True,
                help=CONFIG_HELP if option == "config" else "The program a command acts on.",
                type=click.Path(dir_okay=False) if option == "config" else None,
            )
        )
    _keep_examples(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_global_options(sub)


def _keep_examples(command: click.Command) -> None:
    """Mark each help's example block so Click prints it as written: rewrapped, a long command
    line breaks mid-argument and cannot be copied and pasted."""
    if command.help and "\b" not in command.help:
        command.help = re.sub(r"( *)Example:\n\n", "\\1Example:\n\n\\1\b\n", command.help)


_keep_examples(main)
for _command in main.commands.values():
    _accept_global_options(_command)
