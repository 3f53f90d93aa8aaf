"""The lifecycle by tables: every state, every regression, conflicting verifier input."""

from __future__ import annotations

import pytest

from prens.rules.lifecycle import (
    ADVANCE,
    BERKAS_LENGKAP,
    DITOLAK,
    MENUNGGU,
    REGRESS,
    REJECT,
    REOPEN,
    TERDAFTAR,
    TERVERIFIKASI,
    VerifierView,
    entered,
    membership_issue,
    notes_of,
    state_of,
    ticked,
    transition,
)

T, F = True, False


def view(dinas=F, bpjs=F, berkas=F, kpj="", reason="", held_by=()) -> VerifierView:  # type: ignore[no-untyped-def]
    issue = membership_issue(kpj, "[0-9]{11}", list(held_by))
    return VerifierView((dinas, bpjs), (berkas,), kpj, reason, issue)


@pytest.mark.parametrize(
    ("v", "state"),
    [
        (view(), MENUNGGU),
        (view(dinas=T), MENUNGGU),  # one verifier is not enough
        (view(bpjs=T), MENUNGGU),
        (view(dinas=T, bpjs=T), TERVERIFIKASI),
        (view(dinas=T, bpjs=T, berkas=T), BERKAS_LENGKAP),
        (view(dinas=T, bpjs=T, berkas=T, kpj="25012345678"), TERDAFTAR),
        (view(reason="KTP bukan domisili Balangan"), DITOLAK),
        (view(dinas=T, bpjs=T, berkas=T, kpj="25012345678", reason="Meninggal dunia"), DITOLAK),
        (view(reason="   "), MENUNGGU),  # blank is not a reason
        (view(dinas=T, bpjs=T, kpj="25012345678"), TERVERIFIKASI),  # number before documents
        (view(berkas=T), MENUNGGU),  # documents before verification
        (view(dinas=T, bpjs=T, berkas=T, kpj="  "), BERKAS_LENGKAP),
        # A number the citizen would be told must be one: 11 digits, nobody else's.
        (view(dinas=T, bpjs=T, berkas=T, kpj="12345"), BERKAS_LENGKAP),
        (view(dinas=T, bpjs=T, berkas=T, kpj="250123456789"), BERKAS_LENGKAP),
        (view(dinas=T, bpjs=T, berkas=T, kpj="2501-234-5678"), TERDAFTAR),
        (view(dinas=T, bpjs=T, berkas=T, kpj="25012345678", held_by=["BLG-X"]), BERKAS_LENGKAP),
    ],
)
def test_state_of(v: VerifierView, state: str) -> None:
    assert state_of(v) == state


def test_a_district_with_one_verifier_or_three() -> None:
    assert state_of(VerifierView((T,), (), "", "")) == TERVERIFIKASI
    assert state_of(VerifierView((T, T, F), (T,), "", "")) == MENUNGGU
    assert state_of(VerifierView((), (T,), "", "")) == MENUNGGU  # no verifier column: never


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (view(), []),
        (view(dinas=T, bpjs=T, berkas=T, kpj="25012345678"), []),
        (view(dinas=T, bpjs=T, berkas=T, kpj="2501-234-5678"), []),  # separators are fine
        (view(dinas=T, bpjs=T, berkas=T, kpj="2501234"), ["tidak sesuai format (11 angka)"]),
        (view(dinas=T, bpjs=T, berkas=T, kpj="25012345678", held_by=["BLG-B"]), ["BLG-B"]),
        (view(dinas=T, reason="Sudah terdaftar di perusahaan"), ["ditolak tetapi"]),
        (view(reason="-"), ["perlu dijelaskan"]),
        (view(reason="x"), ["perlu dijelaskan"]),
        (view(berkas=T), ["Berkas diterima sebelum"]),
        (view(dinas=T, bpjs=T, kpj="25012345678"), ["Nomor kepesertaan diisi sebelum"]),
        (
            view(dinas=T, bpjs=T, berkas=T, kpj="123", reason="ok"),
            ["tidak sesuai format (11 angka)", "ditolak tetapi", "perlu dijelaskan"],
        ),
    ],
)
def test_soft_checks(v: VerifierView, expected: list[str]) -> None:
    notes = notes_of(v)
    assert len(notes) == len(expected)
    for note, fragment in zip(notes, expected, strict=True):
        assert fragment in note


@pytest.mark.parametrize(
    ("before", "after", "kind", "into"),
    [
        (MENUNGGU, MENUNGGU, None, []),
        (MENUNGGU, TERVERIFIKASI, ADVANCE, [TERVERIFIKASI]),
        (TERVERIFIKASI, BERKAS_LENGKAP, ADVANCE, [BERKAS_LENGKAP]),
        (BERKAS_LENGKAP, TERDAFTAR, ADVANCE, [TERDAFTAR]),
        (MENUNGGU, TERDAFTAR, ADVANCE, [TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR]),  # all at once
        (TERVERIFIKASI, MENUNGGU, REGRESS, []),  # a box unticked
        (TERDAFTAR, BERKAS_LENGKAP, REGRESS, []),  # number removed
        (TERDAFTAR, MENUNGGU, REGRESS, []),
        (BERKAS_LENGKAP, TERVERIFIKASI, REGRESS, []),
        (MENUNGGU, DITOLAK, REJECT, [DITOLAK]),
        (TERDAFTAR, DITOLAK, REJECT, [DITOLAK]),
        (DITOLAK, MENUNGGU, REOPEN, [MENUNGGU]),  # reason deleted
        (DITOLAK, TERVERIFIKASI, REOPEN, [TERVERIFIKASI]),
    ],
)
def test_transitions(before: str, after: str, kind: str | None, into: list[str]) -> None:
    assert transition(before, after) == kind
    assert entered(before, after) == into


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("TRUE", True),
        ("FALSE", False),
        ("", False),
        ("ya", True),
        ("Tidak", False),
        ("✓", True),
        (" x ", True),
        (0, False),
        (1, True),
    ],
)
def test_ticked(value: object, expected: bool) -> None:
    assert ticked(value) is expected


@pytest.mark.parametrize(
    ("pattern", "number", "fragment"),
    [
        ("[0-9]{11}", "12345", "(11 angka)"),
        ("[0-9]{13}", "25012345678", "(13 angka)"),
        ("[0-9]{13}", "2501234567890", ""),
        ("KPJ[0-9]{8}", "25012345678", "tidak sesuai format:"),
    ],
)
def test_the_membership_pattern_is_configuration(pattern: str, number: str, fragment: str) -> None:
    issue = membership_issue(number, pattern, [])
    assert (fragment in issue) if fragment else issue == ""
