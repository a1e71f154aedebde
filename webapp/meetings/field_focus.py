"""Focus items and risk cases the field core already knows: the team's sweep day, follow-ups due, and
post-loan visits that found something wrong. (Due post-loan checks and collection deadlines come from
their own modules, through webapp.meetings.providers.)"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from webapp.bank_time import day_bounds
from webapp.extensions import db
from webapp.meetings.hooks import FocusItem, RiskCase
from webapp.meetings.pipeline import follow_ups
from webapp.models import SweepDay, Team, User, Visit

TROUBLE_STATES = ("reduced", "suspended", "closed")


def sweep_day_focus(team: Team, people: Sequence[User], day: date) -> Iterator[FocusItem]:
    """The team's sweep day (拓展拜访日) today: its district, merchants and squads."""
    sweep_day = db.session.scalar(sa.select(SweepDay).where(SweepDay.team_id == team.id,
                                                            SweepDay.sub_branch_id == team.sub_branch_id,
                                                            SweepDay.sweep_date == day))
    if sweep_day is None:
        return
    yield FocusItem(kind="sweep_day", title=sweep_day.label,
                    detail=_("%(merchants)d merchants, %(squads)d squads", merchants=len(sweep_day.stops),
                             squads=len(sweep_day.squads)),
                    url=url_for("sweeps.board", sweep_day_id=sweep_day.id), count=len(sweep_day.stops))


def follow_up_focus(team: Team, people: Sequence[User], day: date) -> Iterator[FocusItem]:
    """Prospects whose follow-up date is today."""
    due = follow_ups([p.id for p in people], team.sub_branch_id, day, day)
    if due:
        names = ", ".join(sorted({entry.visit.merchant.name for entry in due})[:5])
        yield FocusItem(kind="follow_up", title=_("Follow-ups due today"), detail=names, count=len(due))


def post_loan_findings(team: Team, people: Sequence[User], start: date, end: date) -> Iterator[RiskCase]:
    """Post-loan visits of the period that found the business in trouble or something abnormal."""
    ids = [p.id for p in people]
    if not ids:
        return
    first, _ = day_bounds(start)
    stop, _ = day_bounds(end)
    visits = db.session.scalars(
        sa.select(Visit).where(Visit.sub_branch_id == team.sub_branch_id, Visit.kind == "post_loan",
                               Visit.started_at >= first, Visit.started_at < stop,
                               sa.or_(Visit.lead_id.in_(ids), Visit.support_id.in_(ids), Visit.observer_id.in_(ids)))
        .order_by(Visit.started_at).options(selectinload(Visit.merchant)).limit(200))
    for visit in visits:
        checklist = (visit.outcome or {}).get("checklist") or {}
        if checklist.get("abnormal") or checklist.get("operating_state") in TROUBLE_STATES:
            yield RiskCase(kind="post_loan_finding", title=visit.merchant.name,
                           detail=str(checklist.get("abnormal_detail") or ""),
                           url=url_for("visits.show", visit_id=visit.id), at=visit.started_at)
