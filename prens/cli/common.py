"""What every command shares: the configuration it acts on, and the runtime opened for it."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from prens.config import Settings
from prens.errors import PrensError
from prens.intake.submission import clean_text
from prens.privacy import redact
from prens.runtime import open_runtime
from sheets_bridge.base import SheetError

CONFIG_HELP = "Berkas konfigurasi (TOML). Bawaan: $PRENS_CONFIG."


def config_path(ctx: click.Context) -> str:
    path = ctx.obj.get("config") or os.environ.get("PRENS_CONFIG")
    if not path:
        raise click.UsageError(
            "no configuration: pass --config PATH or set PRENS_CONFIG "
            "(example: --config config/balangan.toml)"
        )
    return str(path)


def settings_of(ctx: click.Context) -> Settings:
    """The settings of the program a command acts on (--program among several)."""
    from prens.deployment import load_deployment

    return load_deployment(config_path(ctx)).program(ctx.obj.get("program"))


def with_runtime(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Open the deployment for the command, close it after, and report library errors cleanly."""

    @wraps(fn)
    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        try:
            runtime = open_runtime(settings_of(ctx))
        except (PrensError, SheetError) as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            return fn(runtime, *args, **kwargs)
        except (PrensError, SheetError) as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            runtime.close()

    return wrapper


class Commands(click.Group):
    """The `prens` group: a database that fails (down, full, locked too long), or a file or
    directory that cannot be used (an output in a folder that does not exist, a full disk), is
    one line, whichever command met it; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            raise database_failed(exc) from exc
        except BrokenPipeError:
            raise  # `prens sheet export X | head`: click ends quietly
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc


def first_line(exc: SQLAlchemyError) -> str:
    """What the database driver said, its first line (SQLAlchemy's own text adds the statement
    and a link)."""
    said = str(getattr(exc, "orig", None) or "").strip().splitlines()
    return said[0] if said else type(exc).__name__


def database_failed(exc: SQLAlchemyError) -> click.ClickException:
    """One line for a database that failed (down, full, locked too long), not a traceback: the
    driver's own words, with any personal number in them redacted, and what to do."""
    return click.ClickException(
        f"basis data gagal: {redact(first_line(exc))}. Periksa apakah berjalan, dapat dihubungi "
        "dan tidak penuh (prens doctor), lalu jalankan perintahnya lagi."
    )


# A terminal's escape sequences: CSI (colours, cursor moves, screen clears; also as the 8-bit
# \x9b), OSC (window titles, hyperlinks, the clipboard), and the two-character ones.
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~])?"
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c)?"
)


def printable(text: str) -> str:
    """Text from a file or a person, safe to print on a terminal: escape sequences removed
    whole, then every other control character and bidirectional override."""
    return clean_text(_ESCAPES.sub("", text))


class Progress:
    """How far a long command is, on a terminal: "Menulis daftar final: 1.200 dari 18.000",
    rewritten in place on standard error at most a few times a second, and its last state
    always. Nothing at all when standard error is not a terminal (piped, or in a log)."""

    def __init__(self, label: str, total: int, interval: float = 0.25):
        self.label, self.total, self.interval = label, total, interval
        self.done = 0
        self.stream = sys.stderr
        self.shown = self.stream.isatty()
        self._last = 0.0

    def __call__(self, n: int = 1) -> None:
        """`n` more done."""
        self.at(self.done + n, self.total)

    def at(self, done: int, total: int) -> None:
        """`done` of `total` (a total learnt on the way)."""
        self.done, self.total = done, total
        now = time.monotonic()
        if self.shown and (now - self._last >= self.interval or self.done >= self.total):
            self._last = now
            self._draw()

    def _draw(self) -> None:
        done, total = (f"{x:,}".replace(",", ".") for x in (self.done, self.total))
        self.stream.write(f"\r{self.label}: {done} dari {total}")
        self.stream.flush()

    def __enter__(self) -> Progress:
        if self.shown:
            self._draw()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
