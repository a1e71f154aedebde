"""The customer file on a case (调阅客户档案): everything the guide says to read before calling, gathered
through the scope, with phones shown as the reader may see them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.collection.deadlines import DeadlineState, deadline_state, lateness
from webapp.collection.reports import report_in_progress
from webapp.extensions import db
from webapp.models import (
    CaseEvent,
    CaseVisit,
    CheckReport,
    CollectionCase,
    CollectionContact,
    CollectionNotice,
    CommitteeAction,
    CommitteeDecision,
    LoanHistory,
    OverdueReport,
    PaymentPromise,
    ProgressUpdate,
    RiskWarning,
    ScheduledCheck,
    User,
    Visit,
)
from webapp.models.base import table_of
from webapp.scope import case_phone_for, visit_condition
from webapp.write_kernel import rows_changed

HISTORY_ROWS = 60
RECENT_VISITS = 15


@dataclass(frozen=True)
class PersonLine:
    relation: str
    name: str
    phone: str


@dataclass
class CaseFile:
    case: CollectionCase
    state: DeadlineState
    late_by: timedelta | None
    borrower_phone: str
    persons: list[PersonLine]
    history: list[LoanHistory]
    visits: list[Visit]
    linked_visit_ids: list[str]
    warnings: list[RiskWarning]
    check_reports: list[tuple[CheckReport, ScheduledCheck]]
    contacts: list[CollectionContact]
    promises: list[PaymentPromise]  # every promise on this loan, earlier cases included
    report: OverdueReport | None
    decisions: list[CommitteeDecision]
    actions: list[CommitteeAction]
    updates: list[ProgressUpdate]
    events: list[CaseEvent]
    my_notices: list[CollectionNotice] = field(default_factory=list)


def case_state(case: CollectionCase, now: datetime) -> tuple[DeadlineState, timedelta | None]:
    return (deadline_state(case.first_contact_due_at, case.first_contact_at, now),
            lateness(case.first_contact_due_at, case.first_contact_at, now))


def build_file(user: User, case: CollectionCase, now: datetime) -> CaseFile:
    loan = case.loan
    state, late_by = case_state(case, now)
    linked = list(db.session.scalars(sa.select(CaseVisit.visit_id).where(CaseVisit.case_id == case.id)))
    latest_report = report_in_progress(case) or db.session.scalar(
        sa.select(OverdueReport).where(OverdueReport.case_id == case.id).order_by(OverdueReport.id.desc()).limit(1))
    return CaseFile(
        case=case, state=state, late_by=late_by,
        borrower_phone=case_phone_for(user, case, loan.borrower.phone),
        persons=[PersonLine(p.relation, p.name, case_phone_for(user, case, p.phone)) for p in loan.persons],
        history=list(db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == loan.id)
                                        .order_by(LoanHistory.as_of.desc()).limit(HISTORY_ROWS))),
        visits=list(db.session.scalars(sa.select(Visit).where(Visit.merchant_id == loan.borrower_id,
                                                              visit_condition(user))
                                       .order_by(Visit.started_at.desc()).limit(RECENT_VISITS))),
        linked_visit_ids=linked,
        warnings=list(db.session.scalars(sa.select(RiskWarning).where(RiskWarning.loan_id == loan.id)
                                         .order_by(RiskWarning.raised_at.desc()))),
        check_reports=[(r, c) for r, c in db.session.execute(
            sa.select(CheckReport, ScheduledCheck).join(ScheduledCheck, ScheduledCheck.id == CheckReport.check_id)
            .where(ScheduledCheck.loan_id == loan.id).order_by(CheckReport.written_at.desc()))],
        contacts=list(db.session.scalars(sa.select(CollectionContact).where(CollectionContact.case_id == case.id)
                                         .order_by(CollectionContact.contacted_at.desc()))),
        promises=list(db.session.scalars(sa.select(PaymentPromise).where(PaymentPromise.loan_id == loan.id)
                                         .order_by(PaymentPromise.promised_on.desc(), PaymentPromise.id.desc()))),
        report=latest_report,
        decisions=list(db.session.scalars(sa.select(CommitteeDecision).where(CommitteeDecision.case_id == case.id)
                                          .order_by(CommitteeDecision.id))),
        actions=list(db.session.scalars(sa.select(CommitteeAction).where(CommitteeAction.case_id == case.id)
                                        .order_by(CommitteeAction.due_on, CommitteeAction.id))),
        updates=list(db.session.scalars(sa.select(ProgressUpdate).where(ProgressUpdate.case_id == case.id)
                                        .order_by(ProgressUpdate.at.desc()))),
        events=list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
                                       .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()))),
        my_notices=list(db.session.scalars(sa.select(CollectionNotice).where(
            CollectionNotice.case_id == case.id, CollectionNotice.recipient_id == user.id,
            CollectionNotice.seen_at.is_(None)).order_by(CollectionNotice.created_at))),
    )


def mark_noted(user: User, case: CollectionCase, now: datetime) -> int:
    """The reader has read what they were told about this case: their notices leave the inbox."""
    table = table_of(CollectionNotice)
    return rows_changed(sa.update(table).where(
        table.c.case_id == case.id, table.c.recipient_id == user.id, table.c.seen_at.is_(None)).values(seen_at=now))
