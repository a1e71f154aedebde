"""Amounts as people read them: the loan book keeps whole fen (分) in integers, pages and reports show yuan."""
from __future__ import annotations

from flask import Flask


def yuan(cents: int | None) -> str:
    """Fen as yuan with two decimals and thousands separators (1234567 -> "12,345.67"); nothing for no amount."""
    return "" if cents is None else f"{cents / 100:,.2f}"


def register_money_filters(app: Flask) -> None:
    """``yuan(cents)`` for every template: loan and collection pages show amounts the same way."""
    app.add_template_global(yuan, "yuan")
