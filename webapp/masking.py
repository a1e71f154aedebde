"""Masking of personal numbers for the roles that do not need them."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str | None) -> str:
    """138****1234 for a mobile; a short or odd number keeps only its last two digits."""
    if not phone:
        return ""
    digits = _DIGITS.sub("", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 country code
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 2:
        return "*" * len(digits)
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_id_number(id_number: str | None) -> str:
    """Resident ID 110105********1234: region and the last four, never the birth date."""
    if not id_number:
        return ""
    value = id_number.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
