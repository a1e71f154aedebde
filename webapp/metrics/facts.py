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

from webapp.extensions import db
from webapp.metrics.definitions import bank_day, credits_for, month_start, next_month, visit_contribution
from webapp.models import ActivityMonth, ActivitySubBranchMonth, SquadConfirmation, Visit, VisitCredit
from webapp.models.metrics import COUNTER_COLUMNS

# Advisory-lock namespaces (PostgreSQL's two-key form): (person or sub-branch, namespace + month number).
PERSON_LOCKS = 700_000_000
SUB_BRANCH_LOCKS = 710_000_000
GROUP_COLUMNS = ("user_id", "sub_branch_id", "district", "kind", "credit")
SUB_BRANCH_GROUP = ("sub_branch_id", "kind", "credit")


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
    sub_branches = sorted({(sub_branch_id, month) for _user, sub_branch_id, month in touched})
    _lock_cells(people, sub_branches)

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
    for sub_branch_id, month in sub_branches:
        recompute_sub_branch_cell(sub_branch_id, month)


def _lock_cells(people: list[tuple[int, date]], sub_branches: list[tuple[int, date]]) -> None:
    """On PostgreSQL, serialise writers of one person's or sub-branch's month: every writer takes all its locks
    at once, people before sub-branches and each in sorted order, so two writers never wait on each other in a
    circle. SQLite's write transactions already run one at a time (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for namespace, cells in ((PERSON_LOCKS, people), (SUB_BRANCH_LOCKS, sub_branches)):
        for key, month in cells:
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(
                key, namespace + month.year * 12 + month.month)))


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


def recompute_sub_branch_cell(sub_branch_id: int, month: date) -> None:
    """A sub-branch's monthly cells, as the sum of its people's monthly cells."""
    db.session.execute(sa.delete(ActivitySubBranchMonth).where(ActivitySubBranchMonth.sub_branch_id == sub_branch_id,
                                                               ActivitySubBranchMonth.month == month))
    cells = ActivityMonth.__table__.c
    keys = [cells[name] for name in SUB_BRANCH_GROUP]
    summed = sa.select(cells.month, *keys, *(sa.func.sum(cells[name]).label(name) for name in COUNTER_COLUMNS)) \
        .where(cells.sub_branch_id == sub_branch_id, cells.month == month).group_by(cells.month, *keys)
    db.session.execute(sa.insert(ActivitySubBranchMonth).from_select(
        ["month", *SUB_BRANCH_GROUP, *COUNTER_COLUMNS], summed))
