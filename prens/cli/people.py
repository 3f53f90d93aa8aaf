"""Officers and the messages to citizens: `officer add|list|remove`, `notifications list|retry`."""

from __future__ import annotations

import click

from prens.cli.common import with_runtime
from prens.config.model import NOTIFY_EVENTS
from prens.rules.messages import STATUS_WORDS, message_name
from prens.runtime import Runtime
from prens.store.outbox import STATUSES


@click.group()
def officer() -> None:
    """Petugas Dinas yang boleh mengunduh data pribadi (masing-masing dengan token sendiri).

    Contoh:

        prens --config config/balangan.toml officer add "Rahmat (Dinas)"
    """


@officer.command("add")
@click.argument("name")
@with_runtime
def officer_add(runtime: Runtime, name: str) -> None:
    """Buat akun petugas dan tampilkan tokennya, sekali saja: hanya hash-nya yang disimpan.
    Petugas masuk ke /dinas/... dengan namanya dan token ini.

    Contoh:

        prens --config config/balangan.toml officer add "Rahmat (Dinas)"
    """
    from prens.store.officers import Officers

    token = Officers(runtime.engine).add(name)
    click.echo(f"Petugas {name!r} ditambahkan. Token (hanya ditampilkan sekali, simpan): {token}")


@officer.command("list")
@with_runtime
def officer_list(runtime: Runtime) -> None:
    """Daftar petugas (nama saja; token tidak pernah disimpan).

    Contoh:

        prens --config config/balangan.toml officer list
    """
    from prens.store.officers import Officers

    names = Officers(runtime.engine).names()
    if not names:
        click.echo("belum ada petugas: tambahkan dengan `prens officer add NAMA`")
    for name in names:
        click.echo(name)


@officer.command("remove")
@click.argument("name")
@with_runtime
def officer_remove(runtime: Runtime, name: str) -> None:
    """Hapus akun petugas: tokennya langsung tidak berlaku.

    Contoh:

        prens --config config/balangan.toml officer remove "Rahmat (Dinas)"
    """
    from prens.store.officers import Officers

    Officers(runtime.engine).remove(name)
    click.echo(f"Petugas {name!r} dihapus")


@click.group()
def notifications() -> None:
    """Pesan kepada warga: yang terkirim, yang gagal, yang belum pasti.

    Contoh:

        prens --config config/balangan.toml notifications list --status uncertain
    """


@notifications.command("list")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    help="Hanya pesan berstatus ini.",
)
@click.option(
    "--event",
    type=click.Choice(NOTIFY_EVENTS),
    help="Hanya pesan ini.",
)
@with_runtime
def notifications_list(runtime: Runtime, status: str | None, event: str | None) -> None:
    """Daftar pesan (tanpa nomor HP atau isi pesan: ID, jenis pesan, hasilnya).

    Contoh:

        prens --config config/balangan.toml notifications list --status failed
    """
    tz = runtime.settings.timezone
    found = runtime.outbox().messages(status, event)
    if not found:
        asked = " ".join(part for part in (status, event) if part)
        click.echo(f"tidak ada pesan{' ' + asked if asked else ''}")
    for m in found:
        click.echo(
            f"{m.id:>6}  {m.registration_id}  {message_name(m.event):<18} "
            f"{STATUS_WORDS.get(m.status, m.status):<12} percobaan {m.attempts}  "
            f"{m.updated_at.astimezone(tz):%d-%m-%Y %H:%M}" + (f"  {m.reason}" if m.reason else "")
        )


@notifications.command("retry")
@click.argument("message_id", type=click.IntRange(1, 2**63 - 1))  # an id the database can hold
@with_runtime
def notifications_retry(runtime: Runtime, message_id: int) -> None:
    """Kirim lagi pesan yang belum pasti atau gagal (keputusan operator: pesan yang belum pasti
    mungkin sudah sampai).

    Contoh:

        prens --config config/balangan.toml notifications retry 42
    """
    from datetime import UTC, datetime

    if not runtime.outbox().requeue(message_id, datetime.now(UTC)):
        raise click.ClickException(f"pesan {message_id} tidak berstatus belum pasti atau gagal")
    click.echo(f"pesan {message_id} akan dikirim pada putaran pengiriman berikutnya")
