from datetime import date

import pytest

from prens.rules.identity import check_kk, check_nik, digits_only, mask, two_digit_year

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("raw", "born", "sex"),
    [
        ("6311060507900003", date(1990, 7, 5), "L"),
        ("6311064507900003", date(1990, 7, 5), "P"),  # women: day + 40
        ("6311067112990001", date(1999, 12, 31), "P"),  # 71 = the 31st, a woman
        ("6311062902000001", date(2000, 2, 29), "L"),  # 29 February of a leap year
        ("6311066902000001", date(2000, 2, 29), "P"),
        ("6311061505260001", date(2026, 5, 15), "L"),  # YY equal to this year: 2026
        ("6311061505270001", date(1927, 5, 15), "L"),  # YY above this year: 1927
        ("63.1106.050790.0003", date(1990, 7, 5), "L"),  # separators people type
        ("6311 0605 0790 0003", date(1990, 7, 5), "L"),
        ("6311-06-050790-0003", date(1990, 7, 5), "L"),
        ("3273010101800001", date(1980, 1, 1), "L"),  # another province (Bandung)
        ("9401010101800001", date(1980, 1, 1), "L"),  # Papua Tengah (2022 province)
    ],
)
def test_valid_nik(raw: str, born: date, sex: str) -> None:
    nik, problems = check_nik(raw, TODAY)
    assert problems == []
    assert nik is not None
    assert (nik.number, nik.birth_date, nik.sex) == (digits_only(raw), born, sex)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("6311090724010001", "nik_date"),  # the form's own example: month 24
        ("631106050790000", "nik_format"),  # 15 digits
        ("63110605079000031", "nik_format"),  # 17 digits
        ("63110605079O0003", "nik_format"),  # a letter O
        ("6.311060507900003e15", "nik_format"),
        ("", "nik_format"),
        ("0011060507900003", "nik_region"),  # province 00
        ("2011060507900003", "nik_region"),  # no province 20
        ("6300060507900003", "nik_region"),  # kabupaten 00
        ("6311000507900003", "nik_region"),  # kecamatan 00
        ("6311060007900003", "nik_date"),  # day 00
        ("6311063507900003", "nik_date"),  # day 35: neither a man's nor a woman's day
        ("6311067207900003", "nik_date"),  # day 72 = 32nd
        ("6311060500900003", "nik_date"),  # month 00
        ("6311063102900003", "nik_date"),  # 31 February
        ("6311062902010001", "nik_date"),  # 29 February 2001
        ("6311060507900000", "nik_serial"),  # serial 0000
    ],
)
def test_invalid_nik(raw: str, code: str) -> None:
    nik, problems = check_nik(raw, TODAY)
    assert nik is None
    assert [p.code for p in problems] == [code]
    assert all(p.severity == "error" and p.field == "nik" for p in problems)


@pytest.mark.parametrize(
    ("raw", "nik", "code"),
    [
        ("6311060101150002", None, None),
        ("6311.0601.0115.0002", None, None),
        ("6311060101150002", "6311060101150002", "kk_equals_nik"),
        ("631106010115000", None, "kk_format"),
        ("6311060101150000", None, "kk_format"),  # serial 0000
        ("0011060101150002", None, "kk_format"),  # no province 00
        ("6311063102150002", None, "kk_date"),  # 31 February
        ("6311060113150002", None, "kk_date"),  # month 13
        ("6311062211260002", None, "kk_date"),  # issued 22 Nov 2026: after the 21st
        ("6311062111260002", None, None),  # issued today
        ("6371010101150002", None, "kk_outside_region"),  # Banjarmasin card: not domiciled here
    ],
)
def test_kk(raw: str, nik: str | None, code: str | None) -> None:
    number, problems = check_kk(raw, TODAY, nik, "63.11", "Kabupaten Balangan")
    assert [p.code for p in problems] == ([code] if code else [])
    if code is None:
        assert number == digits_only(raw)


def test_kk_outside_region_names_the_district() -> None:
    _, problems = check_kk("6371010101150002", TODAY, None, "63.11", "Kabupaten Balangan")
    assert "Kabupaten Balangan" in problems[0].message


@pytest.mark.parametrize(("yy", "year"), [(0, 2000), (26, 2026), (27, 1927), (99, 1999)])
def test_two_digit_year(yy: int, year: int) -> None:
    assert two_digit_year(yy, TODAY) == year


def test_mask_keeps_region_prefix_only() -> None:
    assert mask("6311064507900003") == "631106**********"
