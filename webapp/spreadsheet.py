"""User text into spreadsheets, never as a formula: the one cell writer for every Excel sheet and CSV file.

A merchant name imported as ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` must not run when someone opens an
export (the OWASP rule: text starting with ``= + - @``, a tab or a carriage return is a formula to a
spreadsheet). Every export writes its rows through this module, never through ``csv`` or ``sheet.append``
directly, and every text value is neutralised, not only the fields someone thought of: a username, a code or
a note is user text too. Numbers, dates and booleans are written as what they are.

- CSV (``write_csv``): a formula-like field gets a leading apostrophe, the mark spreadsheets read as "text".
- Excel (``append_row``): every string is stored as a string cell, never a formula; a formula-like one also
  gets Excel's quote prefix, so editing the cell later does not turn it into a formula either. The text
  itself is kept as it was typed.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CellValue = str | int | float | bool | date | datetime | None


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_field(value: CellValue) -> str:
    """One CSV field that a spreadsheet shows as the text or number it is, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[CellValue]]) -> None:
    """A whole CSV file (CRLF line ends, as spreadsheets expect): every field through ``csv_field``."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_field(name) for name in header])
    for row in rows:
        writer.writerow([csv_field(value) for value in row])


def append_row(sheet: Worksheet, row: Iterable[CellValue]) -> None:
    """An Excel row whose strings are stored as strings: openpyxl would store ``=...`` as a formula. Control
    characters an Excel cell cannot hold (an imported name may carry them) are dropped rather than failing
    the whole export."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if looks_like_formula(cell.value):
                cell.quotePrefix = True


def build_workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[CellValue]]]]) -> bytes:
    """A workbook of simple tables, one sheet each (title, header row in bold, rows), columns sized to their
    text and the header frozen: the layout of the channel, peer and survey exports."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, header, rows in sheets:
        # Excel refuses these characters in a sheet's name, and names longer than 31.
        name = re.sub(r"[\[\]:*?/\\']", "", ILLEGAL_CHARACTERS_RE.sub("", title))[:31].strip()
        sheet = book.create_sheet(name or "-")
        append_row(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(name)) for name in header]
        for row in rows:
            append_row(sheet, row)
            widths = [max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, row, strict=False)]
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width + 2), 40)
        sheet.freeze_panes = "A2"
    if not book.worksheets:
        book.create_sheet("-")
    out = BytesIO()
    book.save(out)
    return out.getvalue()
