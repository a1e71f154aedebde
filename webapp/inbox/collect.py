"""The inbox of one person: every source's items, sorted by urgency and due time."""
from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context

from webapp.inbox.items import InboxItem
from webapp.inbox.sources import SOURCES
from webapp.models import User


def inbox_items(user: User, now: datetime) -> list[InboxItem]:
    items = [item for source in SOURCES for item in source(user, now)]
    return sorted(items, key=lambda item: item.sort_key)


def request_inbox(user: User, now: datetime) -> list[InboxItem]:
    """The inbox, computed once per request: the tab's count and a page listing the items (Today) share it."""
    if not has_request_context():
        return inbox_items(user, now)
    cached: list[InboxItem] | None = g.get("xw_inbox")
    if cached is None:
        cached = g.xw_inbox = inbox_items(user, now)
    return cached
