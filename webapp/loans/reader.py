"""Reading the core banking system's daily loan file: CSV (UTF-8 or GBK) or an Excel workbook (XLSX).

Rows come back as header -> cell text, numbered as a spreadsheet numbers them (the header is row 1), so
every error can name its row. A file that cannot be read at all raises LoanFileError.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

ENCODINGS = ("auto", "utf-8", "gbk")
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LoanFileError(ValueError):
    """The file as a whole cannot be imported; ``code`` names why, ``params`` fill the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


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
        raise LoanFileError("bad_encoding_choice")
    if len(data) > max_bytes:
        raise LoanFileError("too_large", limit_mb=round(max_bytes / (1024 * 1024)))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise LoanFileError("empty")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoanFileError("old_excel")
    text, codec = _decode(data, encoding)
    if _CONTROL_CHARS.search(text):
        raise LoanFileError("binary")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True)
    return _sheet("csv", codec, _numbered_csv(reader))


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    """A byte-order mark decides; otherwise the chosen encoding, or UTF-8 then GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codecs: tuple[str, ...] = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf") or encoding == "utf-8":
        codecs = ("utf-8-sig",)
    elif encoding == "gbk":
        codecs = ("gb18030",)
    else:
        codecs = ("utf-8-sig", "gb18030")
    if b"\x00" in data and codecs != ("utf-16",):
        raise LoanFileError("binary")
    for codec in codecs:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise LoanFileError("undecodable", encoding=encoding)


def _numbered_csv(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LoanFileError("malformed", row=number) from exc
        yield number, cells


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
        raise LoanFileError("bad_xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, [_xlsx_text(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _sheet("xlsx", "", rows)
    finally:
        workbook.close()


def _sheet(kind: str, encoding: str, records: Iterator[tuple[int, list[str]]]) -> Sheet:
    header: list[str] | None = None
    for _number, cells in records:
        if any(cell.strip() for cell in cells):
            header = [cell.strip().lstrip("\ufeff").rstrip("*").strip() for cell in cells]
            break
    if header is None:
        raise LoanFileError("empty")
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
        raise LoanFileError("no_rows")
    return Sheet(kind=kind, encoding=encoding, headers=header, rows=rows)
