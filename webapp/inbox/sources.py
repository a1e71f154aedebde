"""Every module's inbox source, listed once. A new module adds its source to SOURCES."""
from __future__ import annotations

from webapp.collection.inbox import collection_work
from webapp.inbox.field_work import pending_confirmations, sent_back_visits
from webapp.inbox.items import InboxSource

SOURCES: tuple[InboxSource, ...] = (
    sent_back_visits,
    pending_confirmations,
    collection_work,
)
