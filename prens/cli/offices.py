"""Desa/kelurahan and kecamatan offices: `office add|list|remove`."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from prens.cli.common import with_runtime
from prens.errors import PrensError
from prens.rules.offices import DESA, KECAMATAN, Office, area_name, default_name, find_area
from prens.runtime import Runtime


@click.group()
def office() -> None:
    """Desa/kelurahan and kecamatan offices: each signs in at /kantor/masuk with a token of its
    own and sees only its own area (masked NIK, last 4 digits of the phone).

    Example:

        prens --config config/balangan.toml office add --desa "Batu Piring" --kecamatan Paringin
    """


@office.command("add")
@click.option("--desa", default="", help="the desa/kelurahan (as in the region data)")
@click.option(
    "--kecamatan",
    default="",
    help="the kecamatan: the office's area without --desa; with it, where the desa is",
)
@click.option("--nama", default="", help='the name it signs in with (default: "Desa NAME")')
@with_runtime
def office_add(runtime: Runtime, desa: str, kecamatan: str, nama: str) -> None:
    """Make an office account and print its token, once: only its hash is kept. A desa office
    sees its desa and records documents received; a kecamatan office sees its desa's counts.

    Example:

        prens --config config/balangan.toml office add --desa "Batu Piring" --kecamatan Paringin

        prens --config config/balangan.toml office add --kecamatan Paringin
    """
    from prens.store.offices import OfficeAccounts

    if not desa and not kecamatan:
        raise click.UsageError("give --desa NAME (a desa office) or --kecamatan NAME")
    region = runtime.settings.region
    places = find_area(region, desa, kecamatan)
    typed = f"desa {desa!r}" if desa else f"kecamatan {kecamatan!r}"
    if not places:
        where = f" in kecamatan {kecamatan!r}" if desa and kecamatan else ""
        raise PrensError(f"{typed}{where} is not in the region data of {region.name}")
    if len(places) > 1:
        raise PrensError(
            f"{typed} is in more than one kecamatan: give --kecamatan too ("
            + ", ".join(p.code for p in places)
            + ")"
        )
    level = DESA if desa else KECAMATAN
    name = nama or default_name(places[0], level)
    token = OfficeAccounts(runtime.engine).add(name, level, places[0].code, datetime.now(UTC))
    shown = area_name(region, Office(name, level, places[0].code))
    click.echo(f"office {name!r} added for {shown} ({places[0].code}).")
    click.echo(f"It signs in at /kantor/masuk with the name {name!r} and this token")
    click.echo(f"(shown once, keep it safe): {token}")


@office.command("list")
@with_runtime
def office_list(runtime: Runtime) -> None:
    """List the office accounts: name, area and code (tokens are never stored).

    Example:

        prens --config config/balangan.toml office list
    """
    from prens.store.offices import OfficeAccounts

    accounts = OfficeAccounts(runtime.engine).all()
    if not accounts:
        click.echo("no offices yet: add one with `prens office add --desa NAME`")
    for account, created in accounts:
        area = area_name(runtime.settings.region, account)
        click.echo(f"{account.name}\t{area}\t{account.code}\tsince {created:%Y-%m-%d}")


@office.command("remove")
@click.argument("name")
@with_runtime
def office_remove(runtime: Runtime, name: str) -> None:
    """Remove an office account: its token and its sessions stop working at once.

    Example:

        prens --config config/balangan.toml office remove "Desa Batu Piring"
    """
    from prens.store.offices import OfficeAccounts

    OfficeAccounts(runtime.engine).remove(name)
    click.echo(f"office {name!r} removed")
