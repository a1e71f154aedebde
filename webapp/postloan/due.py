"""A person's checks that need doing: the manager's due and overdue list (Today, the inbox, the due page).

One index range per manager ((assignee, status, window start)), so the list costs what the manager's own
open checks cost, whatever the size of the book.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Loan, ScheduledCheck, User
from webapp.postloan.schedule import check_state

UPCOMING_DAYS = 14


@dataclass(frozen=True)
class DueCheck:
    check: ScheduledCheck
    state: str  # due or overdue (upcoming in the upcoming list)

    @property
    def loan(self) -> Loan:
        return self.check.loan


def open_checks(user: User, today: date, *, mode: str | None = None, upcoming_days: int = 0) -> list[DueCheck]:
    """The user's open checks whose window has opened (or opens within ``upcoming_days``), due first."""
    query = (
        sa.select(ScheduledCheck)
        .where(ScheduledCheck.assignee_id == user.id, ScheduledCheck.status == "open",
               ScheduledCheck.window_start <= date.fromordinal(today.toordinal() + upcoming_days),
               ScheduledCheck.sub_branch_id == user.sub_branch_id)
        .options(joinedload(ScheduledCheck.loan).joinedload(Loan.borrower))
        .order_by(ScheduledCheck.due_on, ScheduledCheck.id)
    )
    if mode is not None:
        query = query.where(ScheduledCheck.mode == mode)
    return [DueCheck(c, check_state(c.status, c.window_start, c.due_on, today)) for c in db.session.scalars(query)]


def due_checks(user: User, today: date, *, mode: str | None = None) -> list[DueCheck]:
    return open_checks(user, today, mode=mode)
