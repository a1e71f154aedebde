"""Inbox sources of customer relations: my fading customers, and the screening targets given to me that nothing
has come of yet."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from webapp.inbox.items import InboxItem
from webapp.models import User
from webapp.relations.fading import fading_customers
from webapp.relations.outcomes import open_targets_of
from webapp.roles import FIELD_ROLES

# A run's targets stay in the inbox this long; after that the run's page and the manager's list keep them.
TARGET_WINDOW = timedelta(days=60)
# Fading customers in the inbox: the longest-silent first, a handful (Today and /relations/fading list them all).
INBOX_FADING = 10


def fading_customer_items(user: User, now: datetime) -> Iterator[InboxItem]:
    if user.role not in FIELD_ROLES:
        return
    for fading in fading_customers(user, now)[:INBOX_FADING]:
        yield InboxItem(kind="fading_customer", key=str(fading.merchant.id), urgency="info",
                        title=_("Get in touch with %(name)s: no contact for %(days)d days", name=fading.merchant.name,
                                days=fading.days),
                        url=url_for("relations.timeline", merchant_id=fading.merchant.id))


def screening_target_items(user: User, now: datetime) -> Iterator[InboxItem]:
    if user.role not in FIELD_ROLES:
        return
    for target, _outcome in open_targets_of(user.id, now - TARGET_WINDOW):
        yield InboxItem(kind="screening_target", key=str(target.id), urgency="due", due_at=target.run.run_at,
                        title=_("Contact %(name)s: %(model)s", name=target.merchant.name, model=target.run.model.name),
                        detail=target.run.model.purpose,
                        url=url_for("relations.targets", _anchor=f"target-{target.id}"))
