from datetime import date

import pytest

from prens.rules.dates import age_on, parse_date


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1990-07-05", "mdy", date(1990, 7, 5)),  # what a DATE question sends the Apps Script
        ("7/5/1990", "mdy", date(1990, 7, 5)),  # the responses sheet, m/d/yyyy
        ("07/05/1990", "mdy", date(1990, 7, 5)),
        ("12/31/1999", "mdy", date(1999, 12, 31)),
        ("7/5/1990", "dmy", date(1990, 5, 7)),
        (" 1990-07-05 ", "mdy", date(1990, 7, 5)),
        ("2000-02-29", "mdy", date(2000, 2, 29)),
        ("2001-02-29", "mdy", None),
        ("31/12/1999", "mdy", date(1999, 12, 31)),  # day first: the one reading that is a date
        ("23-04-1989", "mdy", date(1989, 4, 23)),
        ("23.04.1989", "dmy", date(1989, 4, 23)),
        ("1990/07/05", "mdy", None),
        ("31/02/1999", "mdy", None),  # neither reading
        ("5 Juli 1990", "mdy", date(1990, 7, 5)),
        ("17 Agustus 1987", "mdy", date(1987, 8, 17)),
        ("17 Agt 1987", "mdy", date(1987, 8, 17)),
        ("17-agu-1987", "mdy", date(1987, 8, 17)),
        ("17 Peb 1987", "mdy", date(1987, 2, 17)),
        ("17 Sebelas 1987", "mdy", None),
        ("\uff11\uff17/\uff10\uff18/\uff11\uff19\uff18\uff17", "dmy", date(1987, 8, 17)),
        ("\u0661\u0667 Agustus \u0661\u0669\u0668\u0667", "mdy", date(1987, 8, 17)),
        ("", "mdy", None),
    ],
)
def test_parse_date(text: str, order: str, expected: date | None) -> None:
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 11, 21), date(2026, 11, 21), 18),  # 18th birthday on the registration day
        (date(2008, 11, 22), date(2026, 11, 21), 17),  # the day before it
        (date(1961, 11, 21), date(2026, 11, 21), 65),  # 65th birthday on the registration day
        (date(1961, 11, 22), date(2026, 11, 21), 64),
        (date(2000, 2, 29), date(2018, 2, 28), 17),  # born 29 Feb: not yet 18 on 28 Feb
        (date(2000, 2, 29), date(2018, 3, 1), 18),  # ...18 on 1 March of a common year
        (date(2000, 2, 29), date(2024, 2, 29), 24),  # ...and on 29 Feb of a leap year
    ],
)
def test_age_on(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


def test_an_ambiguous_day_and_month_is_settled_by_the_nik() -> None:
    # 05/07/1990: 7 May or 5 July. The NIK's date decides; without it, the form's order.
    assert parse_date("05/07/1990", "mdy", date(1990, 7, 5)) == date(1990, 7, 5)
    assert parse_date("05/07/1990", "mdy", date(1990, 5, 7)) == date(1990, 5, 7)
    assert parse_date("05/07/1990", "mdy") == date(1990, 5, 7)
    assert parse_date("05/07/1990", "dmy") == date(1990, 7, 5)
    # Neither reading the NIK's: the form's order, and the mismatch is warned of elsewhere.
    assert parse_date("05/07/1990", "dmy", date(1991, 1, 1)) == date(1990, 7, 5)
