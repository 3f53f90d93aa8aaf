"""The import's rules (pure): numbers nobody else has, numbers never written over."""

from __future__ import annotations

from datetime import date

from prens.rules.bpjs import numbers_in as n
from prens.rules.bpjs.columns import NikCell


def reg(i: int, state: str = "BERKAS LENGKAP", name: str = "SITI") -> n.Match:
    return n.Match(f"BLG-{i:06d}", state, "accepted", name, "1990-07-05")


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
