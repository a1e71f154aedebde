"""Masking of phone and ID numbers."""
from __future__ import annotations

import pytest

from webapp.masking import mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("+86 138 1234 1234", "138****1234"),
        ("0571-8888123", "057****8123"),
        ("88881234", "******34"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(raw: str | None, masked: str) -> None:
    assert mask_phone(raw) == masked


def test_masked_mobile_keeps_no_middle_digits() -> None:
    assert "1234" not in mask_phone("13812345678")[:7]
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110105199003071234", "110105********1234"),
        ("11010519900307123X", "110105********123X"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked
    if len(raw) == 18:
        assert "19900307" not in mask_id_number(raw)
