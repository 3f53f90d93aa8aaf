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
    """Akun kantor desa/kelurahan dan kecamatan: masing-masing masuk di /kantor/masuk dengan
    token sendiri dan hanya melihat wilayahnya (NIK disamarkan, 4 angka terakhir nomor HP).

    Contoh:

        prens --config config/balangan.toml office add --desa "Batu Piring" --kecamatan Paringin
    """


@office.command("add")
@click.option("--desa", default="", help="desa/kelurahan (seperti pada data wilayah)")
@click.option(
    "--kecamatan",
    default="",
    help="kecamatan: wilayah kantor bila tanpa --desa; bila dengan --desa, letak desanya",
)
@click.option("--nama", default="", help='nama untuk masuk (bawaan: "Desa NAMA")')
@with_runtime
def office_add(runtime: Runtime, desa: str, kecamatan: str, nama: str) -> None:
    """Buat akun kantor dan tampilkan tokennya, sekali saja: hanya hash-nya yang disimpan.
    Kantor desa melihat desanya dan mencatat berkas yang diterima; kantor kecamatan melihat
    angka per desa di kecamatannya.

    Contoh:

        prens --config config/balangan.toml office add --desa "Batu Piring" --kecamatan Paringin

        prens --config config/balangan.toml office add --kecamatan Paringin
    """
    from prens.store.offices import OfficeAccounts

    if not desa and not kecamatan:
        raise click.UsageError("beri --desa NAMA (kantor desa) atau --kecamatan NAMA")
    region = runtime.settings.region
    places = find_area(region, desa, kecamatan)
    typed = f"desa {desa!r}" if desa else f"kecamatan {kecamatan!r}"
    if not places:
        where = f" di kecamatan {kecamatan!r}" if desa and kecamatan else ""
        raise PrensError(f"{typed}{where} tidak ada di data wilayah {region.name}")
    if len(places) > 1:
        raise PrensError(
            f"{typed} ada di lebih dari satu kecamatan: beri juga --kecamatan ("
            + ", ".join(p.code for p in places)
            + ")"
        )
    level = DESA if desa else KECAMATAN
    name = nama or default_name(places[0], level)
    token = OfficeAccounts(runtime.engine).add(name, level, places[0].code, datetime.now(UTC))
    shown = area_name(region, Office(name, level, places[0].code))
    click.echo(f"Kantor {name!r} ditambahkan untuk {shown} ({places[0].code}).")
    click.echo(f"Masuk di /kantor/masuk dengan nama {name!r} dan token ini")
    click.echo(f"(hanya ditampilkan sekali, simpan baik-baik): {token}")


@office.command("list")
@with_runtime
def office_list(runtime: Runtime) -> None:
    """Daftar akun kantor: nama, wilayah dan kode (token tidak pernah disimpan).

    Contoh:

        prens --config config/balangan.toml office list
    """
    from prens.store.offices import OfficeAccounts

    accounts = OfficeAccounts(runtime.engine).all()
    if not accounts:
        click.echo("belum ada kantor: tambahkan dengan `prens office add --desa NAMA`")
    tz = runtime.settings.timezone
    for account, created in accounts:
        area = area_name(runtime.settings.region, account)
        since = created.replace(tzinfo=UTC).astimezone(tz)  # the program's time zone
        click.echo(f"{account.name}\t{area}\t{account.code}\tsejak {since:%d-%m-%Y}")


@office.command("remove")
@click.argument("name")
@with_runtime
def office_remove(runtime: Runtime, name: str) -> None:
    """Hapus akun kantor: token dan sesinya langsung tidak berlaku.

    Contoh:

        prens --config config/balangan.toml office remove "Desa Batu Piring"
    """
    from prens.store.offices import OfficeAccounts

    OfficeAccounts(runtime.engine).remove(name)
    click.echo(f"Kantor {name!r} dihapus")
