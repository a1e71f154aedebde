"""The merchant import's report in words: column names, file problems and row problems as an admin reads them.

webapp.admin.merchant_import reads and checks the file and answers with codes (``FileProblem``,
``RowError``); this module turns those into translated sentences for the import page.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.admin.merchant_import import STATUS_WORDS, RowError
from webapp.text_files import FileProblem, describe_shared_problem


@dataclass
class ReportLine:
    """One line of the error report, in words."""

    row: int
    column: str
    problem: str
    value: str


FIELD_LABELS = {
    "code": _l("Code"),
    "name": _l("Name"),
    "industry": _l("Industry"),
    "address": _l("Address"),
    "district": _l("District"),
    "contact_name": _l("Contact"),
    "phone": _l("Phone"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "location": _l("Location"),
    "status": _l("Status"),
    "owner": _l("Customer manager"),
    "sub_branch": _l("Sub-branch"),
    "row": _l("Whole row"),
}


def field_label(field_name: str) -> str:
    return str(FIELD_LABELS.get(field_name, field_name))


def describe_file_error(error: FileProblem) -> str:
    params = error.params
    match error.code:
        case "no_rows":
            return _("The file has a header row but no merchants.")
        case "too_large":
            return _("The file is larger than %(limit)s MB. Split it into smaller files.", limit=params["limit_mb"])
        case "too_many_rows":
            return _("The file has more than %(limit)s merchants. Split it into smaller files.",
                     limit=params["limit"])
        case "binary":
            return _("This is not a CSV text file.")
        case "spreadsheet":
            return _("This is an Excel workbook. Save it as CSV and upload that file.")
        case "missing_column":
            return _("The file has no %(column)s column. Its header row must name it (one of: %(names)s).",
                     column=field_label(str(params["field"])), names=params["names"])
        case "half_location_columns":
            return _("The file has a latitude or a longitude column, but not both.")
    return describe_shared_problem(error) or _("The file cannot be imported.")


def describe_row_error(error: RowError) -> str:
    params = error.params
    match error.code:
        case "required":
            return _("Missing.")
        case "too_long":
            return _("Longer than %(limit)s characters.", limit=params.get("limit", ""))
        case "invalid_phone":
            return _("Not a phone number.")
        case "invalid_status":
            return _("Not a known status. Use one of: %(words)s.",
                     words=", ".join([*STATUS_WORDS, *STATUS_WORDS.values()]))
        case "unknown_owner":
            return _("No customer manager or team lead of this sub-branch has this username or name.")
        case "ambiguous_owner":
            return _("More than one person of this sub-branch has this name: write their username.")
        case "not_a_number":
            return _("Latitude and longitude must be numbers.")
        case "half_a_location":
            return _("Give both latitude and longitude, or neither.")
        case "out_of_range":
            return _("Latitude or longitude is out of range (swapped?).")
        case "duplicate_code":
            return _("The same code as row %(row)s.", row=params["first_row"])
        case "too_many_cells":
            return _("More cells than the header has (a comma inside an address without quotes?).")
        case "unknown_sub_branch":
            return _("The sub-branch does not exist.")
    return _("Not accepted.")


def report_lines(errors: Sequence[RowError], columns: dict[str, str], limit: int | None = None) -> list[ReportLine]:
    """The error report in file order, naming each column as the file's header does."""
    ordered = sorted(errors, key=lambda e: e.row)
    if limit is not None:
        ordered = ordered[:limit]
    lines = []
    for error in ordered:
        if error.field == "location" and "lat" in columns:
            column = f"{columns['lat']} / {columns['lon']}"
        else:
            column = columns.get(error.field) or field_label(error.field)
        lines.append(ReportLine(row=error.row, column=column, problem=describe_row_error(error), value=error.value))
    return lines
