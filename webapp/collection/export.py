"""The case register (清收台账) as an Excel workbook: one row per case the reader may see.

User text reaches a cell only through ``safe_cell`` (no shared cell writer exists yet; the security work will
make one for every export): a name imported as "=HYPERLINK(…)" stays text. No phone numbers leave in the
file. The file name carries the date only.
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

from webapp.bank_time import BANK_ZONE
from webapp.collection.file import case_state
from webapp.extensions import db
from webapp.labels import COLLECTION_LABELS
from webapp.models import (
    CollectionCase,
    CollectionContact,
    Loan,
    OverdueReport,
    PaymentPromise,
    User,
)
from webapp.scope import case_condition

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 20_000


def safe_cell(value: Any) -> Any:
    """Numbers and dates as they are; text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if value is None or isinstance(value, (int, float, date, datetime)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _label(table: str, code: str | None) -> str:
    return str(COLLECTION_LABELS[table].get(code or "", code or ""))


def _local(moment: datetime | None) -> str:
    return moment.astimezone(BANK_ZONE).strftime("%Y-%m-%d %H:%M") if moment else ""


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
               _local(case.opened_at), _label("open_reason", case.open_reason), case.dpd_at_open,
               case.overdue_cents_at_open / 100, loan.days_past_due, loan.overdue_cents / 100,
               _local(case.first_contact_due_at), _local(case.first_contact_at), _label("deadline", state),
               int(late_by.total_seconds() // 60) if late_by else 0, _local(last_contact.get(case.id)),
               counts.get("kept", 0), counts.get("broken", 0), counts.get("open", 0),
               _label("report_status", report.get(case.id)), _label("case_status", case.status),
               _local(case.closed_at), _label("close_reason", case.close_reason), case.close_note]


def build_register(user: User, now: datetime) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Collection cases")[:31]
    titles = header()
    sheet.append([safe_cell(title) for title in titles])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(title) for title in titles]
    for row in rows(user, now):
        sheet.append([safe_cell(value) for value in row])
        widths = [max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, row, strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width + 2), 40)
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
