"""Inbox sources of the field core: visits sent back to their lead, squad visits waiting for a confirmation,
location proposals for the team lead, sweep days I am assigned to."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from webapp.bank_time import bank_today, day_bounds
from webapp.checkins.proposals import pending_proposals
from webapp.extensions import db
from webapp.inbox.items import InboxItem
from webapp.labels import sweep_squad_name
from webapp.models import SquadConfirmation, SweepDay, SweepSquad, User, Visit
from webapp.models.review import VisitReview
from webapp.roles import FIELD_ROLES
from webapp.scope import sweep_day_condition, visit_condition
from webapp.today.worklist import visited_on

# A confirmation carries one's own check-in, so it is asked for while it can still be given near the visit.
CONFIRMATION_WINDOW = timedelta(days=7)
# A sweep day shows in its members' inboxes this long before it comes (and on the day itself).
SWEEP_NOTICE = timedelta(days=7)


def sent_back_visits(user: User, now: datetime) -> Iterator[InboxItem]:
    """A reviewer sent my visit back: correct it and resubmit (it leaves the inbox once resubmitted)."""
    if user.role not in FIELD_ROLES:
        return
    rows = db.session.execute(
        sa.select(Visit, VisitReview)
        .join(VisitReview, VisitReview.visit_id == Visit.id)
        .where(visit_condition(user), VisitReview.state == "sent_back",
               sa.or_(Visit.lead_id == user.id, Visit.created_by_id == user.id))
        .order_by(VisitReview.decided_at)
    ).all()
    for visit, review in rows:
        yield InboxItem(
            kind="visit_sent_back", key=visit.id, urgency="due", due_at=review.decided_at,
            title=_("Correct and resubmit the visit to %(merchant)s", merchant=visit.merchant.name),
            detail=review.reason, url=url_for("visits.show", visit_id=visit.id),
        )


def pending_confirmations(user: User, now: datetime) -> Iterator[InboxItem]:
    """I was the support or observer of a squad visit, or its lead named by someone else, and have not confirmed
    my part yet."""
    if user.role not in FIELD_ROLES:
        return
    mine = sa.select(SquadConfirmation.id).where(SquadConfirmation.visit_id == Visit.id,
                                                 SquadConfirmation.user_id == user.id)
    since = now - CONFIRMATION_WINDOW
    visits = db.session.scalars(
        sa.select(Visit)
        .where(visit_condition(user),
               sa.or_(Visit.support_id == user.id, Visit.observer_id == user.id, Visit.lead_id == user.id),
               Visit.created_by_id != user.id,
               Visit.started_at >= since, ~mine.exists())
        .order_by(Visit.started_at)
    )
    for visit in visits:
        yield InboxItem(
            kind="squad_confirmation", key=visit.id, urgency="due", due_at=visit.started_at,
            title=_("Confirm your part in the squad visit to %(merchant)s", merchant=visit.merchant.name),
            url=url_for("visits.show", visit_id=visit.id, _anchor="confirm-form"),
        )


def location_proposals(user: User, now: datetime) -> Iterator[InboxItem]:
    """A precise check-in proposed a place for an unlocated merchant: the team lead confirms or rejects it (never
    one who took part in the visit). It leaves the inbox once decided."""
    for proposal in pending_proposals(user):
        yield InboxItem(
            kind="location_proposal", key=str(proposal.id), urgency="due", due_at=proposal.created_at,
            title=_("Confirm or reject the location proposed for %(merchant)s", merchant=proposal.merchant.name),
            detail=_("Proposed by %(person)s, accuracy ±%(accuracy)d m", person=proposal.proposed_by.display_name,
                     accuracy=round(proposal.accuracy_m)),
            url=url_for("checkins.proposals", _anchor=f"proposal-{proposal.id}"),
        )


def assigned_sweep_days(user: User, now: datetime) -> Iterator[InboxItem]:
    """A sweep day in the coming week puts me in a squad: today's is due (its stops are on Today) until every
    stop of my squad is visited; a later one is for information. It leaves the inbox once the day is over or my
    squad's stops are all visited."""
    if user.role not in FIELD_ROLES:
        return
    today = bank_today(now)
    squads = db.session.scalars(
        sa.select(SweepSquad).join(SweepDay, SweepSquad.sweep_day_id == SweepDay.id)
        .where(sweep_day_condition(user), SweepDay.sweep_date >= today,
               SweepDay.sweep_date <= today + SWEEP_NOTICE,
               sa.or_(SweepSquad.lead_id == user.id, SweepSquad.support_id == user.id,
                      SweepSquad.observer_id == user.id))
        .order_by(SweepDay.sweep_date, SweepDay.id)
    )
    for squad in squads:
        day = squad.sweep_day
        stops = [stop.merchant_id for stop in day.stops if stop.squad_id == squad.id]
        if day.sweep_date == today:
            if stops and set(stops) <= visited_on(stops, today, day.sub_branch_id):
                continue
            url = url_for("today.index")
        else:
            url = url_for("sweeps.show", sweep_day_id=day.id)
        start, _end = day_bounds(day.sweep_date)
        yield InboxItem(
            kind="sweep_day", key=str(day.id), urgency="due" if day.sweep_date == today else "info", due_at=start,
            title=_("Sweep day %(date)s: %(title)s, %(squad)s, %(count)d stops",
                    date=format_date(day.sweep_date, "long"), title=day.label, squad=sweep_squad_name(squad),
                    count=len(stops)),
            url=url,
        )
