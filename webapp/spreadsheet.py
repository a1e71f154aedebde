"""User text into spreadsheets, never as a formula: the one encoder for CSV fields and Excel cells.

A merchant name imported as ``=HYPERLINK(...)`` must not run when someone opens an export (the OWASP rule:
text starting with ``= + - @``, a tab or a carriage return is a formula to a spreadsheet).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str | None) -> str:
    """A CSV field that a spreadsheet shows as text: a leading apostrophe keeps a formula-like value inert."""
    value = text or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def append_row(sheet: Worksheet, row: Iterable[Any]) -> None:
    """An Excel row whose strings are stored as strings: openpyxl would store ``=...`` as a formula."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
