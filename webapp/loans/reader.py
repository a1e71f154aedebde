"""Reading the core banking system's daily loan file: CSV (UTF-8 or GBK) or an Excel workbook (XLSX).

Rows come back as header -> cell text, numbered as a spreadsheet numbers them (the header is row 1), so
every error can name its row. A file that cannot be read at all raises FileProblem.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from webapp.text_files import ENCODINGS, FileProblem, NumberedRows, read_csv_rows

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass
class SheetRow:
    row: int
    cells: list[str]  # stripped cell text, in the order of Sheet.headers
    extra_cells: int = 0


@dataclass
class Sheet:
    kind: str  # csv or xlsx
    encoding: str
    headers: list[str]  # as the file writes them ("" for a column without a header)
    rows: list[SheetRow]

    def cell(self, row: SheetRow, header: str) -> str:
        """One cell by its header (for reading a row by name; the import reads by position)."""
        return row.cells[self.headers.index(header)]


def read_loan_file(data: bytes, encoding: str = "auto", *, max_bytes: int = DEFAULT_MAX_BYTES) -> Sheet:
    if encoding not in ENCODINGS:
        raise FileProblem("bad_encoding_choice")
    if len(data) > max_bytes:
        raise FileProblem("too_large", limit_mb=round(max_bytes / (1024 * 1024)))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileProblem("empty")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old_excel")
    records, codec = read_csv_rows(data, encoding)
    return _sheet("csv", codec, records)


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileProblem("bad_xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, [_xlsx_text(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _sheet("xlsx", "", rows)
    finally:
        workbook.close()


def _sheet(kind: str, encoding: str, records: NumberedRows) -> Sheet:
    header: list[str] | None = None
    for _number, cells in records:
        if any(cell.strip() for cell in cells):
            header = [cell.strip().lstrip("\ufeff").rstrip("*").strip() for cell in cells]
            break
    if header is None:
        raise FileProblem("empty")
    rows: list[SheetRow] = []
    width = len(header)
    padding = [""] * width
    for number, cells in records:
        stripped = [cell.strip() for cell in cells]
        if not any(stripped):
            continue
        values = (stripped + padding)[:width] if len(stripped) != width else stripped
        extra = sum(1 for cell in stripped[width:] if cell)
        rows.append(SheetRow(number, values, extra))
    if not rows:
        raise FileProblem("no_rows")
    return Sheet(kind=kind, encoding=encoding, headers=header, rows=rows)
