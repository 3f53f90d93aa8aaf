"""The import's rules (pure): numbers nobody else has, numbers never written over."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prens.rules.bpjs import numbers_in as n
from prens.rules.bpjs.columns import NikCell
from prens.rules.registration import Registration

AT = datetime(2026, 1, 5, tzinfo=UTC)


def reg(i: int, state: str = "BERKAS LENGKAP", name: str = "SITI") -> Registration:
    return Registration(
        id=f"BLG-{i:06d}",
        response_key=f"r{i}",
        submitted_at=AT,
        received_at=AT,
        status="accepted",
        person={"nama": name, "tanggal_lahir": "1990-07-05"},
        answers={},
        problems=[],
        duplicate_of=None,
        corrects=None,
        state=state,
        seq=i,
    )


def line(
    row: int, nik: str, number: str, name: str | None = None, born: date | None = None
) -> n.ImportLine:
    return n.ImportLine(row, NikCell(nik, False), number, name, born)


def test_a_number_another_registration_has_is_invalid() -> None:
    regs = {"A" * 16: reg(1), "B" * 16: reg(2)}
    current = {"BLG-000002": "25000000001"}
    (o,) = n.plan([line(2, "A" * 16, "25000000001")], regs, current, "[0-9]{11}")
    assert o.code == n.INVALID_NUMBER and "BLG-000002" in o.detail


def test_one_number_for_two_people_in_the_file_sets_neither() -> None:
    regs = {"A" * 16: reg(1), "B" * 16: reg(2)}
    lines = [line(2, "A" * 16, "25000000001"), line(3, "B" * 16, "25000000001")]
    assert [o.code for o in n.plan(lines, regs, {}, "[0-9]{11}")] == [n.INVALID_NUMBER] * 2


def test_rejected_and_terdaftar() -> None:
    regs = {"A" * 16: reg(1, "DITOLAK"), "B" * 16: reg(2, "TERDAFTAR")}
    lines = [line(2, "A" * 16, "25000000001"), line(3, "B" * 16, "25000000002")]
    out = n.plan(lines, regs, {"BLG-000002": "2500-0000-002"}, "[0-9]{11}")
    assert [o.code for o in out] == [n.NOT_ELIGIBLE, n.SAME]
    assert "ditolak" in out[0].detail


def test_date_of_birth_is_the_second_check() -> None:
    regs = {"A" * 16: reg(1)}
    (o,) = n.plan(
        [line(2, "A" * 16, "25000000001", "siti", date(1991, 7, 5))], regs, {}, "[0-9]{11}"
    )
    assert o.code == n.NAME_MISMATCH and "05-07-1991" in o.detail
    (o,) = n.plan(
        [line(2, "A" * 16, "25000000001", "Siti", date(1990, 7, 5))], regs, {}, "[0-9]{11}"
    )
    assert o.code == n.SET
