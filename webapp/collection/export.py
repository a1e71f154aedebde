"""The case register (清收台账) as an Excel workbook: one row per case the reader may see.

Rows reach the sheet only through the app's one cell writer (``webapp.spreadsheet.append_row``): a name imported
as "=HYPERLINK(…)" stays text. No phone numbers leave in the file. The file name carries the date only.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import joinedload

from webapp.bank_time import local_datetime
from webapp.collection.file import case_state
from webapp.extensions import db
from webapp.labels import CASE_STATUS, CLOSE_REASON, DEADLINE_STATE, OPEN_REASON, REPORT_STATUS, label
from webapp.models import (
    CollectionCase,
    CollectionContact,
    Loan,
    OverdueReport,
    PaymentPromise,
    User,
)
from webapp.scope import case_condition
from webapp.spreadsheet import append_row

MAX_ROWS = 20_000


def register_filename(today: date) -> str:
    return f"collection-register-{today.isoformat()}.xlsx"


def _counts(case_ids: list[int]) -> tuple[dict[int, dict[str, int]], dict[int, datetime], dict[int, str]]:
    promises: dict[int, dict[str, int]] = {}
    last_contact: dict[int, datetime] = {}
    report: dict[int, str] = {}
    for start in range(0, len(case_ids), 500):
        part = case_ids[start:start + 500]
        for case_id, status, count in db.session.execute(
                sa.select(PaymentPromise.case_id, PaymentPromise.status, sa.func.count())
                .where(PaymentPromise.case_id.in_(part)).group_by(PaymentPromise.case_id, PaymentPromise.status)):
            promises.setdefault(case_id, {})[status] = int(count)
        for case_id, moment in db.session.execute(
                sa.select(CollectionContact.case_id, sa.func.max(CollectionContact.contacted_at))
                .where(CollectionContact.case_id.in_(part)).group_by(CollectionContact.case_id)):
            last_contact[case_id] = moment
        for case_id, status in db.session.execute(
                sa.select(OverdueReport.case_id, OverdueReport.status).where(OverdueReport.case_id.in_(part))
                .order_by(OverdueReport.id)):
            report[case_id] = status
    return promises, last_contact, report


def header() -> list[str]:
    return [_("Case"), _("Loan number"), _("Sub-branch"), _("Borrower"), _("Customer manager"), _("Opened"),
            _("How opened"), _("Days past due at opening"), _("Overdue at opening (yuan)"), _("Days past due now"),
            _("Overdue now (yuan)"), _("First contact due"), _("First contact"), _("First contact state"),
            _("Minutes late"), _("Last contact"), _("Promises kept"), _("Promises broken"), _("Promises open"),
            _("Overdue report"), _("Status"), _("Closed"), _("Close reason"), _("Close note")]


def rows(user: User, now: datetime) -> Iterable[list[Any]]:
    cases = db.session.scalars(
        sa.select(CollectionCase).where(case_condition(user))
        .options(joinedload(CollectionCase.loan).joinedload(Loan.borrower), joinedload(CollectionCase.owner),
                 joinedload(CollectionCase.sub_branch))
        .order_by(CollectionCase.opened_at.desc()).limit(MAX_ROWS)).unique().all()
    promises, last_contact, report = _counts([case.id for case in cases])
    for case in cases:
        state, late_by = case_state(case, now)
        counts = promises.get(case.id, {})
        loan = case.loan
        yield [case.id, loan.loan_number, case.sub_branch.name, loan.borrower.name, case.owner.display_name,
               local_datetime(case.opened_at), label(OPEN_REASON, case.open_reason), case.dpd_at_open,
               case.overdue_cents_at_open / 100, loan.days_past_due, loan.overdue_cents / 100,
               local_datetime(case.first_contact_due_at), local_datetime(case.first_contact_at),
               label(DEADLINE_STATE, state), int(late_by.total_seconds() // 60) if late_by else 0,
               local_datetime(last_contact.get(case.id)),
               counts.get("kept", 0), counts.get("broken", 0), counts.get("open", 0),
               label(REPORT_STATUS, report.get(case.id)), label(CASE_STATUS, case.status),
               local_datetime(case.closed_at), label(CLOSE_REASON, case.close_reason), case.close_note]


def build_register(user: User, now: datetime) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Collection cases")[:31]
    titles = header()
    append_row(sheet, titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(title) for title in titles]
    for row in rows(user, now):
        append_row(sheet, row)
        widths = [max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, row, strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width + 2), 40)
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
