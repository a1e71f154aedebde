"""The sweep day as an Excel workbook the bank can file: a summary sheet and one row per assigned merchant.

Phones leave the server masked whoever downloads the file, because a file travels further than a page.
The file name carries the date and the plan's number only, nothing about a person or a merchant.
"""
from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from webapp.bank_time import BANK_ZONE
from webapp.labels import squad_name
from webapp.masking import mask_phone
from webapp.models import SweepDay
from webapp.spreadsheet import append_row
from webapp.sweeps.board import Board, Figures


def export_filename(sweep_day: SweepDay) -> str:
    return f"sweep-day-{sweep_day.sweep_date.isoformat()}-{sweep_day.id}.xlsx"


def _yes(flag: bool) -> str:
    return _("Yes") if flag else _("No")


def _write_rows(sheet: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    append_row(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for index, title in enumerate(header, start=1):
        width = max([len(str(title))] + [len(str(r[index - 1])) for r in rows if r[index - 1] is not None])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width + 2), 40)
    sheet.freeze_panes = "A2"


def _figures_row(name: str, members: str, f: Figures) -> list[Any]:
    return [name, members, f.assigned, f.visited, f.coverage_pct, f.consultations, f.target_consultations,
            f.applications, f.target_applications, f.deals, f.target_deals]


def build_workbook(board: Board, *, role_label: Callable[[str], str], status_label: Callable[[str], str],
                   deal_label: Callable[[str], str]) -> bytes:
    sweep_day = board.sweep_day
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    append_row(summary, [_("Sweep day"), sweep_day.label])
    append_row(summary, [_("Date"), sweep_day.sweep_date.isoformat()])
    append_row(summary, [_("Sub-branch"), sweep_day.sub_branch.name])
    append_row(summary, [_("Team"), sweep_day.team.name])
    append_row(summary, [_("District"), sweep_day.district])
    append_row(summary, [])
    figures_header = [_("Squad"), _("Members"), _("Assigned"), _("Visited"), _("Coverage %"),
                      _("Consultations"), _("Target"), _("Applications"), _("Target"), _("Deals"), _("Target")]
    figure_rows = [
        _figures_row(
            squad_name(group.squad.number if group.squad else None),
            ", ".join(f"{p.display_name} ({role_label(r)})" for r, p in group.squad.members()) if group.squad else "",
            group.figures,
        )
        for group in board.squads
    ]
    figure_rows.append(_figures_row(_("Overall"), "", board.overall))
    _write_rows(summary, figures_header, figure_rows)

    merchants = book.create_sheet(_("Merchants")[:31])
    header = [_("Squad"), _("Order"), _("Merchant code"), _("Merchant"), _("Industry"), _("District"), _("Address"),
              _("Status"), _("Phone (masked)"), _("Visited"), _("First visit"), _("Visited by"), _("Consultation"),
              _("Application"), _("Deals"), _("Next step"), _("Follow-up date")]
    rows: list[list[Any]] = []
    for group in board.squads:
        for stop in group.stops:
            merchant = stop.merchant
            result = board.result(merchant.id)
            visited = result is not None and result.visited
            started = result.first_started_at if result else None
            rows.append([
                squad_name(group.squad.number if group.squad else None),
                stop.position + 1,
                merchant.code or "",
                merchant.name,
                merchant.industry,
                merchant.district,
                merchant.address,
                status_label(merchant.status),
                mask_phone(merchant.phone) if merchant.phone else "",
                _yes(visited),
                started.astimezone(BANK_ZONE).strftime("%H:%M") if started else "",
                ", ".join(result.visitors) if result else "",
                _yes(bool(result and result.consultation)),
                _yes(bool(result and result.application)),
                ", ".join(deal_label(d) for d in sorted(result.deals)) if result else "",
                result.next_step if result else "",
                result.follow_up_date or "" if result else "",
            ])
    _write_rows(merchants, header, rows)

    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
