"""The `prens` command: a thin shell over the library. Each command opens it, calls it, and turns
its errors into a message and a non-zero exit. The commands live in one module per group."""

from __future__ import annotations

import logging
import re
from typing import Any

import click

from prens.cli.bpjs import bpjs
from prens.cli.checks import check_config, demo, doctor
from prens.cli.common import CONFIG_HELP, Commands
from prens.cli.data import audit, db, export
from prens.cli.offices import office
from prens.cli.people import notifications, officer
from prens.cli.reports import report
from prens.cli.serving import jobs, serve, worker
from prens.cli.sheet import sheet
from prens.privacy import configure_logging


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option(
    "--program",
    help="Dengan berkas deployment beberapa program: program yang dikenai perintah.",
)
@click.option("-v", "--verbose", is_flag=True, help="Catat pesan debug di log.")
@click.version_option(package_name="lindungi-prens")
@click.pass_context
def main(ctx: click.Context, config: str | None, program: str | None, verbose: bool) -> None:
    """Lindungi Prens: layanan di balik formulir pendaftaran.

    Contoh:

        prens --config config/balangan.toml serve
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["program"] = program
    # The service's log (serve, worker) has every run's line; a one-off command shows its own
    # output in Bahasa Indonesia, and only the log's warnings (all of it with --verbose).
    service = ctx.invoked_subcommand in ("serve", "worker")
    configure_logging(logging.DEBUG if verbose else logging.INFO if service else logging.WARNING)


for _command in (
    serve,
    worker,
    jobs,
    sheet,
    export,
    db,
    audit,
    officer,
    office,
    notifications,
    bpjs,
    report,
    doctor,
    check_config,
    demo,
):
    main.add_command(_command)


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
                help=CONFIG_HELP if option == "config" else "Program yang dikenai perintah ini.",
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
        command.help = re.sub(r"( *)Contoh:\n\n", "\\1Contoh:\n\n\\1\b\n", command.help)


_keep_examples(main)
for _command in main.commands.values():
    _accept_global_options(_command)
