"""On-time completion of post-loan checks: for a team per manager (from the team's own checks) and for a
branch per sub-branch (from the tally, so the cost does not grow with the book).

Of the checks due in a period (up to today), on time are those done on or before their due date; waived
checks are left out of the rate; open ones past their due date count against it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import CheckTally, CheckTallyTotal, ScheduledCheck, User
from webapp.roles import FIELD_ROLES


@dataclass
class Completion:
    due: int = 0  # due in the period, waived ones included
    on_time: int = 0
    late: int = 0
    waived: int = 0
    overdue_open: int = 0  # open and past due (in the period for a rate; any time for the board's count)

    @property
    def rate(self) -> float | None:
        """Done on time, over what had to be done (waived checks excepted); None when nothing was due."""
        counted = self.due - self.waived
        return None if counted <= 0 else self.on_time / counted

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"

    @staticmethod
    def total(parts: Sequence[Completion]) -> Completion:
        return Completion(sum(p.due for p in parts), sum(p.on_time for p in parts), sum(p.late for p in parts),
                          sum(p.waived for p in parts), sum(p.overdue_open for p in parts))


@dataclass
class ManagerCompletion:
    user: User
    completion: Completion
    due_now: int  # open with the window open and not past due


def team_completion(lead: User, first: date, last: date, today: date) -> list[ManagerCompletion]:
    members = list(db.session.scalars(sa.select(User).where(
        User.team_id == lead.team_id, User.sub_branch_id == lead.sub_branch_id, User.role.in_(FIELD_ROLES),
        User.is_enabled.is_(True)).order_by(User.username)))
    check = ScheduledCheck
    period = db.session.execute(
        sa.select(check.assignee_id, sa.func.count(),
                  sa.func.sum(sa.case((sa.and_(check.status == "done", check.done_on <= check.due_on), 1), else_=0)),
                  sa.func.sum(sa.case((sa.and_(check.status == "done", check.done_on > check.due_on), 1), else_=0)),
                  sa.func.sum(sa.case((check.status == "waived", 1), else_=0)),
                  sa.func.sum(sa.case((sa.and_(check.status == "open", check.due_on < today), 1), else_=0)))
        .where(check.assignee_id.in_([m.id for m in members]), check.due_on >= first, check.due_on <= last)
        .group_by(check.assignee_id)).all()
    figures = {row[0]: Completion(*(int(v or 0) for v in row[1:])) for row in period}
    due_now = dict(db.session.execute(
        sa.select(check.assignee_id, sa.func.count())
        .where(check.assignee_id.in_([m.id for m in members]), check.status == "open", check.window_start <= today,
               check.due_on >= today).group_by(check.assignee_id)).all())
    return [ManagerCompletion(m, figures.get(m.id, Completion()), int(due_now.get(m.id, 0))) for m in members]


def branch_completion(sub_branch_ids: list[int], first: date, last: date,
                      today: date) -> list[tuple[int, Completion]]:
    tally = CheckTally
    in_period = db.session.execute(
        sa.select(tally.sub_branch_id,
                  sa.func.sum(tally.open_count + tally.done_on_time + tally.done_late + tally.waived),
                  sa.func.sum(tally.done_on_time), sa.func.sum(tally.done_late), sa.func.sum(tally.waived))
        .where(tally.sub_branch_id.in_(sub_branch_ids), tally.due_on >= first, tally.due_on <= last)
        .group_by(tally.sub_branch_id)).all()
    # Overdue now = all open checks minus those not yet due (a few weeks of rows), not a scan of the history.
    totals = dict(db.session.execute(sa.select(CheckTallyTotal.sub_branch_id, CheckTallyTotal.open_count)
                                     .where(CheckTallyTotal.sub_branch_id.in_(sub_branch_ids))).all())
    not_yet_due = dict(db.session.execute(
        sa.select(tally.sub_branch_id, sa.func.sum(tally.open_count))
        .where(tally.sub_branch_id.in_(sub_branch_ids), tally.due_on >= today)
        .group_by(tally.sub_branch_id)).all())
    overdue = {sid: int(totals.get(sid, 0) or 0) - int(not_yet_due.get(sid, 0) or 0) for sid in sub_branch_ids}
    figures = {row[0]: Completion(*(int(v or 0) for v in row[1:])) for row in in_period}
    result = []
    for sid in sub_branch_ids:
        completion = figures.get(sid, Completion())
        completion.overdue_open = int(overdue.get(sid, 0) or 0)
        result.append((sid, completion))
    return result
