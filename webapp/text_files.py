"""The text files the bank's systems hand over (CSV exports, UTF-8 or GBK): one way to read them for every import.

A file that cannot be read as a whole raises ``FileProblem``: its ``code`` names why and its ``params`` fill the
message the import page shows. ``describe_shared_problem`` words the problems every import has alike.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from flask_babel import gettext as _

ENCODINGS = ("auto", "utf-8", "gbk")
# Control characters other than tab, LF and CR: a text file has none, a binary file renamed .csv many.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

NumberedRows = Iterator[tuple[int, list[str]]]


class FileProblem(ValueError):
    """The file as a whole cannot be imported; ``code`` names why, ``params`` fill the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def read_csv_rows(data: bytes, encoding: str) -> tuple[NumberedRows, str]:
    """The file's records numbered as a spreadsheet numbers its rows, and the codec that read it."""
    text, codec = decode_text(data, encoding)
    if CONTROL_CHARS.search(text):
        raise FileProblem("binary")
    text = text.lstrip("\ufeff")
    # strict: without it an unclosed quote silently swallows the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text), strict=True)
    return numbered_rows(reader), codec


def decode_text(data: bytes, encoding: str) -> tuple[str, str]:
    """A byte-order mark decides; otherwise the chosen encoding, or UTF-8 then GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codecs: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text"
    elif data.startswith(b"\xef\xbb\xbf") or encoding == "utf-8":
        codecs = ("utf-8-sig",)
    elif encoding == "gbk":
        codecs = ("gb18030",)
    else:
        codecs = ("utf-8-sig", "gb18030")
    if b"\x00" in data and codecs != ("utf-16",):
        raise FileProblem("binary")
    for codec in codecs:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise FileProblem("undecodable", encoding=encoding)


def csv_delimiter(text: str) -> str:
    """Comma, unless the header line is tab-separated (Excel's "Unicode text" export)."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    return "\t" if "\t" in first_line and "," not in first_line else ","


def numbered_rows(reader: Iterator[list[str]]) -> NumberedRows:
    """Records with their row number as a spreadsheet shows it; a CSV error names the row it starts on."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem("malformed", row=number) from exc
        yield number, cells


def describe_shared_problem(problem: FileProblem) -> str | None:
    """The words for a problem every import has alike; None for one the import words itself."""
    params = problem.params
    match problem.code:
        case "empty":
            return _("The file is empty.")
        case "undecodable":
            if params.get("encoding") == "auto":
                return _("The file is neither UTF-8 nor GBK text.")
            return _("The file cannot be read as %(encoding)s. Choose another encoding.",
                     encoding=str(params.get("encoding", "")).upper())
        case "malformed":
            return _("The file is not valid CSV near row %(row)s (a quote left open?).", row=params.get("row", ""))
        case "duplicate_column":
            return _("Two columns hold the same field: %(first)s and %(second)s.", first=params.get("first", ""),
                     second=params.get("second", ""))
    return None
