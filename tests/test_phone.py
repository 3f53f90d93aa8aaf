import pytest

from prens.rules.phone import check_phone, whatsapp_target


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62 0812 3456 7890", "+6281234567890"),  # the national zero kept after +62
        ("81234567890", "+6281234567890"),  # a spreadsheet dropped the leading zero
        ("(0852) 5185.2902", "+6285251852902"),
        ("085386298339", "+6285386298339"),
    ],
)
def test_mobile_numbers_are_stored_in_e164(raw: str, e164: str) -> None:
    assert check_phone(raw) == (e164, [])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0526 2028 123", "phone_not_mobile"),  # a Balangan landline
        ("(0511) 3252 111", "phone_not_mobile"),  # Banjarmasin landline
        ("0812", "phone_format"),
        ("nomor saya 0812", "phone_format"),
        ("+1 650 253 0000", "phone_format"),  # not an Indonesian number
        ("-", "phone_format"),
    ],
)
def test_rejected_numbers(raw: str, code: str) -> None:
    number, problems = check_phone(raw)
    assert number is None
    assert [p.code for p in problems] == [code]


def test_whatsapp_target_drops_the_plus() -> None:
    assert whatsapp_target("+6281234567890") == "6281234567890"
