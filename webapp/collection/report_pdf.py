"""The overdue report (逾期报告) as a PDF in Chinese, for the credit committee's file.

The page set-up and the CJK font are every bank document's (``webapp.pdf.BankDocument``).
Phones are masked whoever prints: a file travels further than a page. The file name carries the date and
the report's number only.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import BANK_ZONE, local_datetime
from webapp.collection.file import case_state
from webapp.extensions import db
from webapp.labels import (
    ARREARS_CAUSE,
    CONTACT_CHANNEL,
    DEADLINE_STATE,
    DECISION_OUTCOME,
    OPEN_REASON,
    PERSON_KIND,
    PROMISE_METHOD,
    PROMISE_STATUS,
    PROPOSAL,
    REPORT_STATUS,
    label,
)
from webapp.masking import mask_phone
from webapp.models import (
    CollectionContact,
    CommitteeDecision,
    OverdueReport,
    PaymentPromise,
    User,
)
from webapp.money import yuan


def report_filename(report: OverdueReport) -> str:
    day = (report.submitted_at or report.updated_at).astimezone(BANK_ZONE).date().isoformat()
    return f"overdue-report-{day}-{report.id}.pdf"


def report_pdf(report: OverdueReport, *, generated_by: User, now: datetime) -> bytes:
    from webapp.pdf import BankDocument

    case = report.case
    loan = case.loan
    pdf = BankDocument(f"{_('Overdue report')} {loan.loan_number}", generated_by=generated_by, now=now)
    heading, line = pdf.heading, pdf.text_line

    heading(_("Overdue report"), 16)
    line("", f"{loan.borrower.name} ({loan.borrower.code or '—'}) · {case.sub_branch.name}")
    line(_("Status"), label(REPORT_STATUS, report.status))
    line(_("Written by"), f"{report.author.display_name} · {local_datetime(report.submitted_at or report.updated_at)}")
    if report.reviewed_by is not None:
        line(_("Reviewed by"), f"{report.reviewed_by.display_name} · {local_datetime(report.reviewed_at)}"
             + (f" · {report.review_note}" if report.review_note else ""))

    heading(_("The loan"))
    line(_("Loan number"), loan.loan_number)
    line(_("Product"), loan.product)
    line(_("Amount"), f"{yuan(loan.amount_cents)} · {_('Balance')} {yuan(loan.balance_cents)}")
    line(_("Disbursed / matures"), f"{loan.disbursed_on.isoformat()} / {loan.matures_on.isoformat()}")
    line(_("Overdue"), _("%(days)s days, %(amount)s yuan", days=loan.days_past_due, amount=yuan(loan.overdue_cents)))
    line(_("Last repayment"), loan.last_repayment_on.isoformat() if loan.last_repayment_on else "—")
    line(_("Customer manager"), case.owner.display_name)
    for person in loan.persons:
        line(label(PERSON_KIND, person.relation), f"{person.name} {mask_phone(person.phone)}")

    heading(_("The case"))
    state = case_state(case, now)[0]
    line(_("Opened"), f"{local_datetime(case.opened_at)} · {label(OPEN_REASON, case.open_reason)}")
    line(_("First contact"), f"{label(DEADLINE_STATE, state)} · {_('due')} {local_datetime(case.first_contact_due_at)}"
         + (f" · {local_datetime(case.first_contact_at)}" if case.first_contact_at else ""))
    contacts = db.session.scalars(sa.select(CollectionContact).where(CollectionContact.case_id == case.id)
                                  .order_by(CollectionContact.contacted_at)).all()
    for contact in contacts:
        reached = _("reached") if contact.reached else _("not reached")
        text = f"{label(CONTACT_CHANNEL, contact.channel)} · {label(PERSON_KIND, contact.person)} · {reached}"
        if contact.cause:
            text += f" · {label(ARREARS_CAUSE, contact.cause)}"
        if contact.answer:
            text += f" · {contact.answer}"
        line(local_datetime(contact.contacted_at), text)
    promises = db.session.scalars(sa.select(PaymentPromise).where(PaymentPromise.loan_id == loan.id)
                                  .order_by(PaymentPromise.promised_on)).all()
    if promises:
        heading(_("Promises to pay"))
        for promise in promises:
            line(promise.promised_on.isoformat(), f"{yuan(promise.amount_cents)} · "
                 f"{label(PROMISE_METHOD, promise.method)} · {label(PROMISE_STATUS, promise.status)}")

    heading(_("Analysis of the situation"))
    line(_("Cause"), label(ARREARS_CAUSE, report.cause))
    line("", report.situation)
    heading(_("Proposal"))
    line(_("Proposal"), label(PROPOSAL, report.proposal))
    if report.proposal_detail:
        line("", report.proposal_detail)
    if report.attachments:
        heading(_("Attachments"))
        for attachment in report.attachments:
            line("", f"{attachment.file_name} · {attachment.size // 1024 + 1} kB · sha256 {attachment.sha256[:16]}")
    decisions = db.session.scalars(sa.select(CommitteeDecision).where(CommitteeDecision.report_id == report.id)).all()
    for decision in decisions:
        heading(_("Credit committee of %(day)s", day=decision.meeting.held_on.isoformat()))
        line(_("Decision"), label(DECISION_OUTCOME, decision.outcome) if decision.outcome else _("Not decided yet"))
        if decision.text:
            line("", decision.text)
        for action in decision.actions:
            line(_("Action"), f"{action.text} · {action.owner.display_name} · {action.due_on.isoformat()}")
    return pdf.finished()
