"""Helpers of the lifecycle tests: a verifier's tick, a row's Status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sheets_bridge.verifier import set_verifier_cell


def status(runtime, reg_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A registration's Status and Catatan Sistem in "Pendaftar"."""
    rows = runtime.sheets.get_all_values("Pendaftar")
    head = rows[0]
    row = next(r for r in rows[1:] if r[0] == reg_id)
    return row[head.index("Status")], row[head.index("Catatan Sistem")]


def tick(runtime, reg_id: str, column: str, value: str = "ya") -> None:  # type: ignore[no-untyped-def]
    """What a verifier does in the sheet (`prens sheet set` on the local backend)."""
    set_verifier_cell(runtime.sheets, runtime.settings, "Pendaftar", reg_id, column, value)


def tomorrow_morning(settings) -> datetime:  # type: ignore[no-untyped-def]
    """10:00 tomorrow in the program's time zone (as UTC): after anything the test queued with
    the real clock, and outside quiet hours whatever the time of day the suite runs at."""
    local = datetime.now(settings.timezone) + timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0).astimezone(UTC)
