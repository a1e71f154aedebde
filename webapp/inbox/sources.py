"""Every module's inbox source, listed once. A new module adds its source to SOURCES."""
from __future__ import annotations

from webapp.collection.inbox import collection_work
from webapp.inbox.field_work import pending_confirmations, sent_back_visits
from webapp.inbox.items import InboxSource
from webapp.meetings.talk_inbox import talk_actions, talk_suggestions
from webapp.postloan.inbox import postloan_checks, risk_warnings

SOURCES: tuple[InboxSource, ...] = (
    sent_back_visits,
    pending_confirmations,
    postloan_checks,
    risk_warnings,
    collection_work,
    talk_actions,
    talk_suggestions,
)
