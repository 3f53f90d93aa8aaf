"""Indonesian mobile phone numbers (pure), parsed with Google's phonenumbers."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from prens.rules.digits import ascii_digits
from prens.rules.problems import Problem, problem

_NOISE = re.compile(r"[\s.\-()/]+")


def check_phone(raw: str, field: str = "telepon") -> tuple[str | None, list[Problem]]:
    """Check a typed phone number; return it in E.164 (``+628...``) when it is a valid mobile."""
    text = _NOISE.sub("", ascii_digits(raw))
    if text.startswith("+6208"):  # "+62 08...": the national zero kept after the country code
        text = "+62" + text[4:]
    elif text.startswith("628"):
        text = "+" + text
    elif text.startswith("8"):  # a spreadsheet dropped the leading zero
        text = "0" + text
    try:
        number = phonenumbers.parse(text, "ID")
    except NumberParseException:
        return None, [problem(field, "phone_format")]
    # number_type is UNKNOWN exactly when the number is not valid; asking it alone walks the
    # metadata once instead of twice (is_valid_number, then number_type).
    kind = (
        phonenumbers.number_type(number) if number.country_code == 62 else PhoneNumberType.UNKNOWN
    )
    if kind == PhoneNumberType.UNKNOWN:
        return None, [problem(field, "phone_format")]
    if kind != PhoneNumberType.MOBILE:
        return None, [problem(field, "phone_not_mobile")]
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), []


def whatsapp_target(e164: str) -> str:
    """The form WhatsApp gateways want: ``628...`` without the plus."""
    return e164.lstrip("+")


def national(e164: str) -> str:
    """+6281234567890 -> 081234567890: how people write (and read) phone numbers. Every
    worksheet and file shows this form; the ledger keeps E.164, for the messaging providers."""
    return "0" + e164[3:] if e164.startswith("+62") else e164
