"""The whole assessment of one submission: every error and warning code, by table."""

from __future__ import annotations

from datetime import date

import pytest

from prens.config import Settings
from prens.rules.validation import assess, phone_shared_warning

TODAY = date(2026, 11, 21)

BASE = {
    "nama": "Siti Rahmah",
    "nik": "6311064507900003",
    "kk": "6311060101150002",
    "tanggal_lahir": "1990-07-05",
    "jenis_kelamin": "Perempuan",
    "telepon": "081234567890",
    "kecamatan": "Paringin",
    "desa": "Lasung Batu",
    "alamat": "RT 01 RW 02, Gang Damai",
    "pekerjaan": "Petani",
}


def answers(settings: Settings, **changes: object) -> dict[str, object]:
    fields = {**BASE, "persetujuan": [settings.consent_option], **changes}
    return {settings.questions[k]: v for k, v in fields.items() if v is not None}


def codes(settings: Settings, **changes: object) -> list[str]:
    return sorted(p.code for p in assess(answers(settings, **changes), settings, TODAY).problems)


def test_a_valid_submission_is_normalised(settings: Settings) -> None:
    result = assess(
        answers(
            settings,
            nama="  siti   rahmah ",
            telepon="0812-3456-7890",
            kecamatan="PARINGIN",
            desa="lasung batu",
        ),
        settings,
        TODAY,
    )
    assert result.valid and result.problems == []
    assert result.person == {
        "nama": "SITI RAHMAH",
        "nik": "6311064507900003",
        "kk": "6311060101150002",
        "tanggal_lahir": "1990-07-05",
        "jenis_kelamin": "Perempuan",
        "telepon": "+6281234567890",
        "kecamatan": "Paringin",
        "desa": "Lasung Batu",
        "kode_desa": "63.11.06.2007",
        "alamat": "RT 01 RW 02, Gang Damai",
        "pekerjaan": "Petani",
        "persetujuan": "Ya",
    }


WIDE_NIK = "".join(chr(ord(c) + 0xFEE0) for c in "6311064507900003")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"nama": ""}, ["required"]),
        ({"nama": None}, ["required"]),
        ({"nik": "   "}, ["required"]),
        ({"kk": ""}, ["required"]),
        ({"tanggal_lahir": ""}, ["required"]),
        ({"telepon": ""}, ["required"]),
        ({"kecamatan": ""}, ["required"]),
        ({"desa": ""}, ["required"]),
        ({"alamat": ""}, ["required"]),
        ({"pekerjaan": ""}, ["required"]),
        ({"nik": "6311090724010001"}, ["nik_date"]),  # the form's own example NIK
        ({"nik": "631106450790000"}, ["nik_format"]),
        ({"nik": "6311064507900000"}, ["nik_serial"]),
        ({"nik": "2011064507900003"}, ["nik_region"]),
        ({"kk": "6311064507900003"}, ["kk_equals_nik"]),
        ({"kk": "6371010101150002"}, ["kk_outside_region"]),
        ({"kk": "6311062212260002"}, ["kk_date"]),  # issued 22 Dec 2026: the future
        ({"kk": "63110601011500"}, ["kk_format"]),
        ({"tanggal_lahir": "31/07/1990"}, ["nik_dob_mismatch"]),  # day first: 31 July
        ({"tanggal_lahir": "31/02/1990"}, ["dob_format"]),  # neither reading is a date
        ({"nik": "1111111111111111"}, ["nik_placeholder"]),
        ({"nik": "1234567890123456"}, ["nik_placeholder"]),
        ({"kk": "1212121212121212"}, ["kk_placeholder"]),
        ({"tanggal_lahir": "2027-01-01"}, ["dob_format"]),  # in the future
        ({"telepon": "0526 2028 123"}, ["phone_not_mobile"]),
        ({"telepon": "12345"}, ["phone_format"]),
        ({"nama": "Siti 2"}, ["name_format"]),
        ({"kecamatan": "Tanjung"}, ["kecamatan_unknown"]),
        ({"desa": "Paringin Kota Lama"}, ["desa_unknown"]),
        ({"desa": "Muara Ninian"}, ["desa_unknown"]),  # a desa of Juai, not of Paringin
        ({"persetujuan": None}, ["consent_missing"]),
        ({"persetujuan": []}, ["consent_missing"]),
        ({"persetujuan": "Tidak"}, ["consent_missing"]),
        # warnings
        ({"tanggal_lahir": "1990-07-06"}, ["nik_dob_mismatch"]),
        ({"tanggal_lahir": "7/6/1990"}, ["nik_dob_mismatch"]),
        ({"jenis_kelamin": "Laki-laki"}, ["nik_sex_mismatch"]),
        ({"nik": "3273014507900003"}, ["nik_outside_region"]),  # moved from Bandung, old NIK
        ({"nama": "Hj. Siti Rahmah"}, ["name_title"]),
        # as people write them: no problem at all
        ({"tanggal_lahir": "05/07/1990"}, []),  # day first; the NIK says 5 July
        ({"tanggal_lahir": "5-7-1990"}, []),
        ({"tanggal_lahir": "05.07.1990"}, []),
        ({"tanggal_lahir": "5 Juli 1990"}, []),
        ({"tanggal_lahir": "05 jul 1990"}, []),
        ({"tanggal_lahir": "\uff10\uff15/\uff10\uff17/\uff11\uff19\uff19\uff10"}, []),
        ({"nik": WIDE_NIK}, []),  # full-width digits from a phone keyboard
        (
            {"telepon": "\u0660\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660"},
            [],
        ),
        ({"kecamatan": "Kec. Paringin"}, []),
        ({"kecamatan": "KECAMATAN PARINGIN"}, []),
        ({"desa": "Desa Lasung Batu"}, []),
    ],
)
def test_problem_codes(settings: Settings, changes: dict[str, object], expected: list[str]) -> None:
    assert codes(settings, **changes) == expected


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        ("2008-11-21", []),  # 18th birthday on the registration day: eligible
        ("2008-11-22", ["age_below_min"]),  # turns 18 tomorrow
        ("1961-11-22", []),  # 64, turns 65 tomorrow
        ("1961-11-21", ["age_above_max"]),  # 65th birthday on the registration day
    ],
)
def test_age_limits_on_the_registration_day(
    settings: Settings, born: str, expected: list[str]
) -> None:
    y, m, d = born.split("-")
    nik = f"631106{int(d) + 40:02d}{m}{y[2:]}0003"
    assert codes(settings, tanggal_lahir=born, nik=nik) == expected


def test_born_29_february(settings: Settings) -> None:
    on = date(2026, 2, 28)
    fields = answers(
        settings, tanggal_lahir="2008-02-29", nik="6311066902080003", kk="6311060101150002"
    )
    assert [p.code for p in assess(fields, settings, on).problems] == ["age_below_min"]
    assert assess(fields, settings, date(2026, 3, 1)).problems == []


def test_consent_checkbox_answers_a_list_or_a_string(settings: Settings) -> None:
    assert codes(settings, persetujuan=settings.consent_option) == []
    assert codes(settings, persetujuan=["  " + settings.consent_option.upper()]) == []


def test_question_titles_match_despite_spacing_and_case(settings: Settings) -> None:
    loose = {" ".join(k.lower().split()) + " ": v for k, v in answers(settings).items()}
    assert assess(loose, settings, TODAY).problems == []


def test_several_errors_are_all_reported(settings: Settings) -> None:
    assert codes(
        settings, nik="123", telepon="0526 2028 123", kecamatan="Tanjung", persetujuan=None
    ) == ["consent_missing", "kecamatan_unknown", "nik_format", "phone_not_mobile"]


def test_messages_are_indonesian_and_never_repeat_the_numbers(settings: Settings) -> None:
    result = assess(
        answers(settings, nik="6311090724010001", kk="6371010101150002", telepon="0526 2028 123"),
        settings,
        TODAY,
    )
    for p in result.problems:
        assert "6311090724010001" not in p.message and "6371010101150002" not in p.message
        assert "0526" not in p.message
    assert "Kabupaten Balangan" in next(
        p.message for p in result.problems if p.code == "kk_outside_region"
    )


@pytest.mark.parametrize(("others", "warned"), [(0, False), (2, False), (3, True), (10, True)])
def test_phone_shared(settings: Settings, others: int, warned: bool) -> None:
    warning = phone_shared_warning(others, settings)
    assert (warning is not None) == warned
    if warning:
        assert warning.code == "phone_shared" and warning.severity == "warning"


def test_a_shipped_alias_matches_its_desa(settings: Settings) -> None:
    result = assess(
        answers(settings, kecamatan="Tebing Tinggi", desa="Simpang Nadung"), settings, TODAY
    )
    assert result.person["desa"] == "Simpang Nadong" and result.valid
