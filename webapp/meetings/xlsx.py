"""Excel exports of the weekly and monthly tables, in the layout a bank files: a title, the unit and period,
a header of target / actual / achievement per figure, one row per person (or sub-branch), a total, and
lines for who made and who checked the table.

Every row goes through ``webapp.spreadsheet.append_row``, the one cell writer: text a user typed (a name, a
team) is stored as text exactly as typed and never becomes a formula.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from webapp.metrics.definitions import Totals, achievement
from webapp.spreadsheet import append_row

Cell = str | int | float | None
THIN = Side(style="thin", color="999999")


@dataclass(frozen=True)
class TableRow:
    name: str
    totals: Totals
    targets: dict[str, int]


def _ratio(actual: float, target: int | None) -> float | None:
    found = achievement(actual, target)
    return None if found is None else found / 100.0


def figures_workbook(*, title: str, unit: str, period: tuple[date, date], made_on: date, rows: Sequence[TableRow],
                     total: TableRow, products: Sequence[str], product_label: Callable[[str], str],
                     name_header: str, working_days: int = 0) -> bytes:
    """One sheet: per row the three figures (target, actual, achievement), the conversion rates, consultations per
    working day (given the working days so far), deals by product."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Activity")[:31]
    groups = [(_("Consultations"), "consultations"), (_("Applications"), "applications"), (_("Deals"), "deals")]
    header_top: list[Cell] = [_("No."), name_header]
    header: list[Cell] = ["", ""]
    for label, _metric in groups:
        header_top += [label, "", ""]
        header += [_("Target"), _("Actual"), _("Achievement")]
    header_top += [_("Conversion"), "", ""]
    header += [_("Applications / consultations"), _("Deals / applications"), _("Consultations per working day")]
    header_top += [_("Deals by product")] + [""] * (len(products) - 1)
    header += [product_label(p) for p in products]
    width = len(header)
    _line(sheet, [title], bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    _line(sheet, [_("Unit: %(unit)s", unit=unit), "", "",
                     _("Period: %(start)s to %(end)s", start=period[0].isoformat(), end=period[1].isoformat()),
                     "", "", "", _("Made on: %(day)s", day=made_on.isoformat())])
    _line(sheet, [None])
    _line(sheet, header_top, bold=True)
    _line(sheet, header, bold=True)
    column = 3
    for _label, _metric in groups:
        sheet.merge_cells(start_row=4, start_column=column, end_row=4, end_column=column + 2)
        column += 3
    sheet.merge_cells(start_row=4, start_column=column, end_row=4, end_column=column + 2)
    if products:
        sheet.merge_cells(start_row=4, start_column=column + 3, end_row=4, end_column=column + 2 + len(products))
    for index, row in enumerate([*rows, total], start=1):
        values: list[Cell] = [index if row is not total else "", row.name]
        for _label, metric in groups:
            actual = row.totals.value(metric)
            values += [row.targets.get(metric), actual, _ratio(actual, row.targets.get(metric))]
        rates = (row.totals.application_rate, row.totals.deal_rate)
        values += [None if r is None else r / 100.0 for r in rates]
        people = max(1, len(rows)) if row is total else 1
        values.append(round(row.totals.consultations / working_days / people, 1) if working_days else None)
        values += [row.totals.by_product.get(p, 0) for p in products]
        row_number = _line(sheet, values, bold=row is total)
        for offset in (5, 8, 11, 12, 13):
            sheet.cell(row=row_number, column=offset).number_format = "0.0%"
    for line in sheet.iter_rows(min_row=4, max_row=sheet.max_row, max_col=width):
        for cell in line:
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    _line(sheet, [None])
    _line(sheet, [_("Made by:"), "", "", "", _("Checked by:")])
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 18
    for index in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    sheet.freeze_panes = "C6"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _line(sheet: Worksheet, values: Sequence[Cell], *, bold: bool = False, size: int = 11) -> int:
    """Appends one row through the one cell writer and styles it; answers its row number."""
    append_row(sheet, values)
    row = sheet.max_row
    if bold or size != 11:
        for cell in sheet[row]:
            cell.font = Font(bold=bold, size=size)
    return row
