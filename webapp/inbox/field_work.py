"""Inbox sources of the field core: visits sent back to their lead, squad visits waiting for a confirmation."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.inbox.items import InboxItem
from webapp.models import SquadConfirmation, User, Visit
from webapp.models.review import VisitReview
from webapp.roles import FIELD_ROLES
from webapp.scope import visit_condition

# A confirmation carries one's own check-in, so it is asked for while it can still be given near the visit.
CONFIRMATION_WINDOW = timedelta(days=7)


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
