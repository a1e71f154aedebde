"""Collection's inbox source: what a person must do on collection cases, computed from the records.

Before listing, the cases the person may see are brought up to date with the clock (missed deadlines
escalate, promises past their date are judged), so the inbox never waits for a nightly job.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.bank_time import bank_today, day_bounds
from webapp.collection.refresh import bring_up_to_date
from webapp.extensions import db
from webapp.inbox.items import InboxItem, Urgency
from webapp.models import (
    CollectionCase,
    CollectionNotice,
    CommitteeAction,
    Loan,
    OverdueReport,
    PaymentPromise,
    SubBranchHead,
    User,
)
from webapp.roles import TEAM_LEAD
from webapp.scope import case_condition, visible_sub_branch_ids

# Notices that are work items of their own (a report to review, a report to rewrite) are not listed twice.
LISTED_NOTICES = ("case_opened", "first_contact_missed", "first_contact_late", "decision_recorded", "case_closed")
ACTION_SOON = timedelta(days=3)


def _borrower(case: CollectionCase) -> str:
    return case.loan.borrower.name


def _case_url(case_id: int, anchor: str | None = None) -> str:
    return url_for("collection.case_page", case_id=case_id, _anchor=anchor)


def _urgency(due_at: datetime, now: datetime) -> Urgency:
    return "overdue" if now > due_at else "due"


def notice_title(kind: str, borrower: str) -> str:
    titles = {
        "case_opened": _("New collection case: %(borrower)s", borrower=borrower),
        "first_contact_missed": _("First contact missed: %(borrower)s", borrower=borrower),
        "first_contact_late": _("First contact came late: %(borrower)s", borrower=borrower),
        "decision_recorded": _("Committee decision on %(borrower)s", borrower=borrower),
        "case_closed": _("Collection case closed: %(borrower)s", borrower=borrower),
    }
    return str(titles.get(kind, borrower))


def _notices(user: User) -> Iterator[InboxItem]:
    rows = db.session.execute(
        sa.select(CollectionNotice, CollectionCase).join(CollectionCase, CollectionCase.id == CollectionNotice.case_id)
        .where(CollectionNotice.recipient_id == user.id, CollectionNotice.seen_at.is_(None),
               CollectionNotice.kind.in_(LISTED_NOTICES), case_condition(user))
        .order_by(CollectionNotice.created_at)).all()
    for notice, case in rows:
        urgency: Urgency = "overdue" if notice.kind == "first_contact_missed" else "info"
        yield InboxItem(kind=f"collection_{notice.kind}", key=str(notice.id), urgency=urgency,
                        due_at=notice.created_at, title=notice_title(notice.kind, _borrower(case)),
                        detail=_("Open the case and mark it noted."), url=_case_url(case.id, "noted"))


def _my_open_cases(user: User) -> sa.Select[CollectionCase]:
    return visible_cases_of_owner(user).where(CollectionCase.status == "open")


def visible_cases_of_owner(user: User) -> sa.Select[CollectionCase]:
    return sa.select(CollectionCase).where(CollectionCase.owner_id == user.id, case_condition(user))


def _first_contacts(user: User, now: datetime) -> Iterator[InboxItem]:
    for case in db.session.scalars(_my_open_cases(user).where(CollectionCase.first_contact_at.is_(None))
                                   .order_by(CollectionCase.first_contact_due_at)):
        yield InboxItem(kind="collection_first_contact", key=str(case.id),
                        urgency=_urgency(case.first_contact_due_at, now), due_at=case.first_contact_due_at,
                        title=_("Contact %(borrower)s about the arrears", borrower=_borrower(case)),
                        detail=_("When will they pay, how much, how?"), url=_case_url(case.id, "contact"))


def _follow_ups(user: User, now: datetime) -> Iterator[InboxItem]:
    rows = db.session.execute(
        sa.select(PaymentPromise, CollectionCase).join(CollectionCase, CollectionCase.id == PaymentPromise.case_id)
        .where(CollectionCase.owner_id == user.id, CollectionCase.status == "open", case_condition(user),
               PaymentPromise.status == "broken", PaymentPromise.followed_up_at.is_(None))
        .order_by(PaymentPromise.follow_up_due_at)).all()
    for promise, case in rows:
        due = promise.follow_up_due_at or now
        yield InboxItem(kind="collection_follow_up", key=str(promise.id), urgency=_urgency(due, now), due_at=due,
                        title=_("Promise broken: follow up with %(borrower)s", borrower=_borrower(case)),
                        detail=_("Promised for %(day)s; the loan book shows no payment.",
                                 day=promise.promised_on.isoformat()),
                        url=_case_url(case.id, "contact"))


def _reports_to_review(user: User) -> Iterator[InboxItem]:
    if user.role != TEAM_LEAD and not db.session.scalar(
            sa.select(SubBranchHead.user_id).where(SubBranchHead.user_id == user.id).limit(1)):
        return
    team = sa.select(User.id).where(User.team_id == user.team_id, User.sub_branch_id == user.sub_branch_id)
    headed = sa.select(SubBranchHead.sub_branch_id).where(SubBranchHead.user_id == user.id)
    mine = sa.or_(CollectionCase.owner_id.in_(team) if user.team_id is not None else sa.false(),
                  CollectionCase.sub_branch_id.in_(headed))
    rows = db.session.execute(
        sa.select(OverdueReport, CollectionCase).join(CollectionCase, CollectionCase.id == OverdueReport.case_id)
        .where(OverdueReport.status == "submitted", CollectionCase.owner_id != user.id, mine, case_condition(user))
        .order_by(OverdueReport.submitted_at)).all()
    for report, case in rows:
        yield InboxItem(kind="collection_report_review", key=str(report.id), urgency="due", due_at=report.submitted_at,
                        title=_("Review the overdue report on %(borrower)s", borrower=_borrower(case)),
                        url=url_for("collection.report_page", case_id=case.id))


def _returned_reports(user: User) -> Iterator[InboxItem]:
    rows = db.session.execute(
        sa.select(OverdueReport, CollectionCase).join(CollectionCase, CollectionCase.id == OverdueReport.case_id)
        .where(OverdueReport.status == "returned", CollectionCase.owner_id == user.id,
               CollectionCase.status == "open", case_condition(user))
        .order_by(OverdueReport.reviewed_at)).all()
    for report, case in rows:
        yield InboxItem(kind="collection_report_returned", key=str(report.id), urgency="due", due_at=report.reviewed_at,
                        title=_("Rework the overdue report on %(borrower)s", borrower=_borrower(case)),
                        detail=report.review_note, url=url_for("collection.report_page", case_id=case.id))


def _updates_due(user: User, now: datetime) -> Iterator[InboxItem]:
    end_of_today = day_bounds(bank_today(now))[1]
    for case in db.session.scalars(_my_open_cases(user).where(CollectionCase.next_update_due_at.is_not(None),
                                                              CollectionCase.next_update_due_at < end_of_today)
                                   .order_by(CollectionCase.next_update_due_at)):
        due = case.next_update_due_at or now
        yield InboxItem(kind="collection_update_due", key=str(case.id), urgency=_urgency(due, now), due_at=due,
                        title=_("Post a progress update on %(borrower)s", borrower=_borrower(case)),
                        detail=_("The committee asked for one every %(days)s days.", days=case.update_every_days),
                        url=_case_url(case.id, "progress"))


def _actions(user: User, now: datetime) -> Iterator[InboxItem]:
    today = bank_today(now)
    rows = db.session.execute(
        sa.select(CommitteeAction, CollectionCase).join(CollectionCase, CollectionCase.id == CommitteeAction.case_id)
        .join(Loan, Loan.id == CollectionCase.loan_id)
        .where(CommitteeAction.owner_id == user.id, CommitteeAction.status == "open",
               CollectionCase.sub_branch_id.in_(visible_sub_branch_ids(user)))
        .order_by(CommitteeAction.due_on)).all()
    for action, case in rows:
        due_at = day_bounds(action.due_on)[1]
        urgency: Urgency = "overdue" if today > action.due_on else (
            "due" if action.due_on - today <= ACTION_SOON else "info")
        yield InboxItem(kind="collection_action", key=str(action.id), urgency=urgency, due_at=due_at,
                        title=_("Committee action on %(borrower)s: %(text)s", borrower=_borrower(case),
                                text=action.text[:80]),
                        url=_case_url(case.id, f"action-{action.id}"))


def collection_work(user: User, now: datetime) -> Iterator[InboxItem]:
    bring_up_to_date(visible_sub_branch_ids(user), now)
    yield from _notices(user)
    yield from _first_contacts(user, now)
    yield from _follow_ups(user, now)
    yield from _reports_to_review(user)
    yield from _returned_reports(user)
    yield from _updates_due(user, now)
    yield from _actions(user, now)
