"""Keeping the metric facts and monthly roll-ups in step with the visits, from the visit write path.

``refresh_visit_metrics(visit)`` is the one call webapp.visits.write makes after it created or changed a
visit or recorded a squad confirmation. It rebuilds that visit's fact rows from the visit as it now stands
and recomputes every monthly cell (person, month) the visit fed before or feeds now, from the fact rows, and
then the sub-branch's monthly cells from the people's.
Nothing is added to a running total, so the result is right whatever happened before: a replay, a new
version that moved the visit to another day or squad, a confirmation, a visit synced days late (it counts
on the day it was made, China time). No nightly job exists that could be forgotten.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from webapp.extensions import db
from webapp.metrics.definitions import bank_day, credits_for, month_start, next_month, visit_contribution
from webapp.models import ActivityMonth, ActivitySubBranchMonth, SquadConfirmation, Visit, VisitCredit
from webapp.models.metrics import COUNTER_COLUMNS

# Advisory-lock namespaces (PostgreSQL's two-key form): (person or sub-branch, namespace + month number).
PERSON_LOCKS = 700_000_000
SUB_BRANCH_LOCKS = 710_000_000
GROUP_COLUMNS = ("user_id", "sub_branch_id", "district", "kind", "credit")
SUB_BRANCH_GROUP = ("sub_branch_id", "kind", "credit")
_PENDING = "metrics_sub_branch_months"  # Session.info: the sub-branch months to recompute at commit


def refresh_visit_metrics(visit: Visit) -> None:
    """Rewrite the visit's facts and the monthly cells they touch (before and after the change)."""
    before = {(user_id, sub_branch_id, month_start(day)) for user_id, sub_branch_id, day in db.session.execute(
        sa.select(VisitCredit.user_id, VisitCredit.sub_branch_id, VisitCredit.day)
        .where(VisitCredit.visit_id == visit.id))}
    confirmed = db.session.scalars(sa.select(SquadConfirmation.user_id).where(
        SquadConfirmation.visit_id == visit.id))
    day = bank_day(visit.started_at)
    credits = credits_for(visit.lead_id, visit.support_id, visit.observer_id, confirmed)
    touched = before | {(user_id, visit.sub_branch_id, month_start(day)) for user_id, _credit in credits}
    people = sorted({(user_id, month) for user_id, _sub, month in touched})
    _lock_cells(db.session(), PERSON_LOCKS, people)

    db.session.execute(sa.delete(VisitCredit).where(VisitCredit.visit_id == visit.id))
    contribution = visit_contribution(visit.outcome, visit.checkin_status)
    district = visit.merchant.district if visit.merchant is not None else ""
    for user_id, credit in credits:
        db.session.add(VisitCredit(visit_id=visit.id, user_id=user_id, day=day, credit=credit,
                                   sub_branch_id=visit.sub_branch_id, merchant_id=visit.merchant_id,
                                   district=district or "", kind=visit.kind, **contribution))
    db.session.flush()
    for user_id, month in people:
        recompute_month_cell(user_id, month)
    pending: set[tuple[int, date]] = db.session().info.setdefault(_PENDING, set())
    pending.update((sub_branch_id, month) for _user, sub_branch_id, month in touched)


def _lock_cells(session: Session, namespace: int, cells: list[tuple[int, date]]) -> None:
    """On PostgreSQL, serialise writers of one person's or sub-branch's month, each writer taking its cells in
    sorted order: people's in the write, sub-branches' at commit (after every person lock a writer takes), so
    two writers never wait on each other in a circle. SQLite's write transactions already run one at a time
    (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key, month in cells:
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(key, namespace + month.year * 12 + month.month)))


@sa.event.listens_for(Session, "before_commit")
def _recompute_sub_branches(session: Session) -> None:
    """The sub-branch months this transaction touched, recomputed from the people's cells as it commits.

    Every visit of a sub-branch feeds its month: locked in the write, that month would stay locked to the
    commit, and a sweep day's writers would queue on it for the rest of each other's write (12 ms a visit on
    PostgreSQL at 100 phones of one sub-branch). Locked here, it is held only while the transaction commits.
    A recompute reads only committed and own rows, so an extra one (a savepoint rolled back) changes nothing."""
    cells = sorted(session.info.pop(_PENDING, None) or ())
    _lock_cells(session, SUB_BRANCH_LOCKS, cells)
    for sub_branch_id, month in cells:
        recompute_sub_branch_cell(session, sub_branch_id, month)


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction rolled back or closed without committing has no month to recompute."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def recompute_month_cell(user_id: int, month: date) -> None:
    """One person's monthly cells, as the sum of their fact rows of that month."""
    db.session.execute(sa.delete(ActivityMonth).where(ActivityMonth.user_id == user_id,
                                                      ActivityMonth.month == month))
    facts = VisitCredit.__table__.c
    summed = sa.select(
        sa.literal(month, sa.Date()).label("month"),
        *(facts[name] for name in GROUP_COLUMNS),
        *(sa.func.sum(facts[name]).label(name) for name in COUNTER_COLUMNS),
    ).where(facts.user_id == user_id, facts.day >= month, facts.day < next_month(month)).group_by(
        *(facts[name] for name in GROUP_COLUMNS))
    db.session.execute(sa.insert(ActivityMonth).from_select(
        ["month", *GROUP_COLUMNS, *COUNTER_COLUMNS], summed))


def recompute_sub_branch_cell(session: Session, sub_branch_id: int, month: date) -> None:
    """A sub-branch's monthly cells, as the sum of its people's monthly cells."""
    session.execute(sa.delete(ActivitySubBranchMonth).where(ActivitySubBranchMonth.sub_branch_id == sub_branch_id,
                                                            ActivitySubBranchMonth.month == month))
    cells = ActivityMonth.__table__.c
    keys = [cells[name] for name in SUB_BRANCH_GROUP]
    summed = sa.select(cells.month, *keys, *(sa.func.sum(cells[name]).label(name) for name in COUNTER_COLUMNS)) \
        .where(cells.sub_branch_id == sub_branch_id, cells.month == month).group_by(cells.month, *keys)
    session.execute(sa.insert(ActivitySubBranchMonth).from_select(
        ["month", *SUB_BRANCH_GROUP, *COUNTER_COLUMNS], summed))
