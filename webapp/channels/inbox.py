"""Inbox source: leads assigned to me that nobody has visited since they were captured."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.inbox.items import InboxItem
from webapp.models import Lead, User, Visit
from webapp.roles import FIELD_ROLES
from webapp.scope import lead_condition

# A lead is worth most in the first days; it leaves the inbox once visited, or after a month (it is then a
# prospect like any other, and the fading-customer and screening lists take over).
LEAD_WINDOW = timedelta(days=30)
CONTACT_WITHIN = timedelta(days=2)


def leads_to_contact(user: User, now: datetime) -> Iterator[InboxItem]:
    if user.role not in FIELD_ROLES:
        return
    visited = sa.select(Visit.id).where(Visit.merchant_id == Lead.merchant_id, Visit.started_at >= Lead.captured_at)
    leads = db.session.scalars(sa.select(Lead).where(
        lead_condition(user), Lead.assignee_id == user.id, Lead.captured_at >= now - LEAD_WINDOW, ~visited.exists())
        .order_by(Lead.captured_at))
    for lead in leads:
        due = lead.captured_at + CONTACT_WITHIN
        yield InboxItem(
            kind="lead_assigned", key=lead.id, urgency="overdue" if due < now else "due", due_at=due,
            title=_("Contact the lead %(name)s from %(activity)s", name=lead.name, activity=lead.activity.title),
            detail=lead.need, url=url_for("merchants.show", merchant_id=lead.merchant_id))
