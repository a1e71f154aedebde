"""The loan file's problems in words."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp.loans.reader import LoanFileError


def describe_file_error(error: LoanFileError) -> str:
    params = error.params
    match error.code:
        case "empty":
            return _("The file is empty.")
        case "no_rows":
            return _("The file has a header row but no loans.")
        case "too_large":
            return _("The file is larger than %(limit)s MB.", limit=params.get("limit_mb", ""))
        case "binary":
            return _("This is neither a CSV text file nor an XLSX workbook.")
        case "old_excel":
            return _("This is an old Excel file (.xls). Save it as XLSX or CSV.")
        case "bad_xlsx":
            return _("The workbook cannot be read. Save it again as XLSX or CSV.")
        case "undecodable":
            if params.get("encoding") == "auto":
                return _("The file is neither UTF-8 nor GBK text.")
            return _("The file cannot be read as %(encoding)s. Choose another encoding.",
                     encoding=str(params.get("encoding", "")).upper())
        case "malformed":
            return _("The file is not valid CSV near row %(row)s (a quote left open?).", row=params.get("row", ""))
        case "missing_column":
            return _("The file has no %(column)s column (one of: %(names)s).", column=params.get("field", ""),
                     names=params.get("names", ""))
        case "duplicate_column":
            return _("Two columns hold the same field: %(first)s and %(second)s.", first=params.get("first", ""),
                     second=params.get("second", ""))
        case "borrower":
            return _("Row %(row)s: the new borrower cannot be created (%(detail)s).", row=params.get("row", ""),
                     detail=params.get("detail", ""))
        case "bad_encoding_choice":
            return _("Not one of the allowed values.")
    return _("The file cannot be imported.")
