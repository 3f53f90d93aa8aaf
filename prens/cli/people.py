"""Officers and the messages to citizens: `officer add|list|remove`, `notifications list|retry`."""

from __future__ import annotations

import click

from prens.cli.common import with_runtime
from prens.config.model import NOTIFY_EVENTS
from prens.runtime import Runtime
from prens.store.outbox import STATUSES


@click.group()
def officer() -> None:
    """Dinas officers who may download personal data (each with a token of their own).

    Example:

        prens --config config/balangan.toml officer add "Rahmat (Dinas)"
    """


@officer.command("add")
@click.argument("name")
@with_runtime
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
@with_runtime
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
@with_runtime
def officer_remove(runtime: Runtime, name: str) -> None:
    """Remove an officer: their token stops working at once.

    Example:

        prens --config config/balangan.toml officer remove "Rahmat (Dinas)"
    """
    from prens.store.officers import Officers

    Officers(runtime.engine).remove(name)
    click.echo(f"officer {name!r} removed")


@click.group()
def notifications() -> None:
    """Messages to citizens: what was sent, what failed, what is uncertain.

    Example:

        prens --config config/balangan.toml notifications list --status uncertain
    """


@notifications.command("list")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    help="Only this status (superseded: closed unsent, no longer true when its turn came).",
)
@click.option(
    "--event",
    type=click.Choice(NOTIFY_EVENTS),
    help="Only this event.",
)
@with_runtime
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
            f"{m.id:>6}  {m.registration_id}  {m.event:<16} {m.status:<10} "
            f"attempts {m.attempts}  {m.updated_at.astimezone(tz):%Y-%m-%d %H:%M}"
            + (f"  {m.reason}" if m.reason else "")
        )


@notifications.command("retry")
@click.argument("message_id", type=click.IntRange(1, 2**63 - 1))  # an id the database can hold
@with_runtime
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
