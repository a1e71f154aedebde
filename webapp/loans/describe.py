"""The loan file's problems in words."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp.text_files import FileProblem, describe_shared_problem


def describe_file_error(error: FileProblem) -> str:
    params = error.params
    match error.code:
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
        case "missing_column":
            return _("The file has no %(column)s column (one of: %(names)s).", column=params.get("field", ""),
                     names=params.get("names", ""))
        case "borrower":
            return _("Row %(row)s: the new borrower cannot be created (%(detail)s).", row=params.get("row", ""),
                     detail=params.get("detail", ""))
        case "bad_encoding_choice":
            return _("Not one of the allowed values.")
    return describe_shared_problem(error) or _("The file cannot be imported.")
