"""Amounts as people read them: the loan book keeps whole fen (分) in integers, pages and reports show yuan."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Flask


def yuan(cents: int | None) -> str:
    """Fen as yuan with two decimals and thousands separators (1234567 -> "12,345.67"); nothing for no amount."""
    return "" if cents is None else f"{cents / 100:,.2f}"


def cny(amount: object) -> str:
    """An amount in yuan as a person reads it, whatever the language: 300000.0 -> "¥300,000", 1234.5 ->
    "¥1,234.50". A visit's application amount is stored in yuan as the phone sent it; text that is not a number
    is shown as it is rather than hidden."""
    if amount is None or amount == "" or isinstance(amount, bool):
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    if not value.is_finite():
        return str(amount)
    if value == value.to_integral_value():
        return f"¥{int(value):,}"
    return f"¥{value.quantize(Decimal('0.01')):,}"


def register_money_filters(app: Flask) -> None:
    """``yuan(cents)`` and ``cny(yuan)`` for every template: pages, the PDF and exports show amounts one way."""
    app.add_template_global(yuan, "yuan")
    app.add_template_global(cny, "cny")
