"""The quota and the waiting list, on both sheet backends with the clock passed in: approved past
the quota waits, in order, and is told once; a place that frees up moves the first in line on,
who is told once more; a period of no cap, or no period at all, as configured."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from jobs.sync import sync
from prens.rules.lifecycle import DAFTAR_TUNGGU, DITOLAK, TERVERIFIKASI
from prens.rules.periods import Period
from prens.rules.waiting import admit
from prens.runtime import Runtime
from tests.lifecycle_helpers import status, tick

P2025 = Period("2025", date(2025, 1, 1), date(2025, 12, 31), 0, 2, 12, 16800)
JUNE = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


def with_quota(runtime: Runtime, *periods: Period) -> Runtime:
    settings = dataclasses.replace(runtime.settings, periods=periods)
    return Runtime(settings, runtime.engine, runtime.ledger, runtime.sheets, runtime.verification())


def approve(runtime: Runtime, reg_id: str) -> None:
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, reg_id, column)


def run(runtime: Runtime, day: int) -> None:
    sync(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        JUNE.replace(day=day),
        outbox=runtime.outbox(),
    )


def told(runtime: Runtime) -> list[tuple[str, str]]:
    return sorted((m.registration_id, m.event) for m in runtime.outbox().messages())


def test_the_quota_fills_and_the_line_moves(verifying) -> None:  # type: ignore[no-untyped-def]
    base, _fake, (a, b, c, d) = verifying
    runtime = with_quota(base, P2025)
    for reg in (a, b, c):
        approve(runtime, reg)
    run(runtime, 2)
    assert [runtime.ledger.get(r).state for r in (a, b, c)] == [
        TERVERIFIKASI,
        TERVERIFIKASI,
        DAFTAR_TUNGGU,
    ]
    state, note = status(runtime, c)
    assert state == DAFTAR_TUNGGU and "Kuota periode 2025 (2 orang) penuh" in note
    assert "urutan ke-1" in note
    assert told(runtime) == sorted(
        [(a, "TERVERIFIKASI"), (b, "TERVERIFIKASI"), (c, "DAFTAR TUNGGU")]
    )

    approve(runtime, d)  # later: behind c
    run(runtime, 3)
    assert "urutan ke-2" in status(runtime, d)[1] and "urutan ke-1" in status(runtime, c)[1]
    run(runtime, 4)  # nothing changed: nobody is told again
    assert len(told(runtime)) == 4

    tick(runtime, a, "Alasan Penolakan", "Bukan pekerja informal di Balangan")
    run(runtime, 5)
    assert runtime.ledger.get(a).state == DITOLAK
    assert runtime.ledger.get(c).state == TERVERIFIKASI  # the first in line took a's place
    assert runtime.ledger.get(d).state == DAFTAR_TUNGGU
    assert "urutan ke-1" in status(runtime, d)[1]
    assert (c, "TERVERIFIKASI") in told(runtime) and (a, "DITOLAK") in told(runtime)
    assert len([m for m in told(runtime) if m[0] == c]) == 2  # waiting, then its place
    assert runtime.verification().first_entries(c) == [DAFTAR_TUNGGU, TERVERIFIKASI]


def test_no_cap_and_no_period(verifying) -> None:  # type: ignore[no-untyped-def]
    base, _fake, (a, b, c, _d) = verifying
    uncapped = with_quota(base, dataclasses.replace(P2025, quota=0))
    for reg in (a, b, c):
        approve(uncapped, reg)
    run(uncapped, 2)
    assert {uncapped.ledger.get(r).state for r in (a, b, c)} == {TERVERIFIKASI}
    # Today in no period: approvals wait for one to begin.
    later = with_quota(base, dataclasses.replace(P2025, end=date(2025, 5, 31), months=5))
    approve(later, _d)
    run(later, 2)
    state, note = status(later, _d)
    assert state == DAFTAR_TUNGGU and "tidak termasuk periode anggaran" in note


@pytest.mark.parametrize(
    ("members", "quota", "admitted", "waiting"),
    [
        (0, 0, "abc", ""),
        (1, 2, "a", "bc"),
        (2, 2, "", "abc"),
        (5, 2, "", "abc"),
        (0, None, "", "abc"),
    ],
)
def test_admit(members: int, quota: int | None, admitted: str, waiting: str) -> None:
    result = admit(list("abc"), members, quota)
    assert "".join(result.admitted) == admitted and "".join(result.waiting) == waiting
