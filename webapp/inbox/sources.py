"""Every module's inbox source, listed once. A new module adds its source to SOURCES."""
from __future__ import annotations

from webapp.channels.inbox import leads_to_contact
from webapp.collection.inbox import collection_work
from webapp.inbox.field_work import (
    assigned_sweep_days,
    location_proposals,
    pending_confirmations,
    sent_back_visits,
)
from webapp.inbox.items import InboxSource
from webapp.meetings.talk_inbox import talk_actions, talk_suggestions
from webapp.postloan.inbox import postloan_checks, risk_warnings
from webapp.relations.inbox import fading_customer_items, screening_target_items

SOURCES: tuple[InboxSource, ...] = (
    sent_back_visits,
    pending_confirmations,
    location_proposals,
    assigned_sweep_days,
    postloan_checks,
    risk_warnings,
    collection_work,
    talk_actions,
    talk_suggestions,
    leads_to_contact,
    screening_target_items,
    fading_customer_items,
)
