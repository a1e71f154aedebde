"""The inbox of one person: every source's items, sorted by urgency and due time."""
from __future__ import annotations

from datetime import datetime

from webapp.inbox.items import InboxItem
from webapp.inbox.sources import SOURCES
from webapp.models import User


def inbox_items(user: User, now: datetime) -> list[InboxItem]:
    items = [item for source in SOURCES for item in source(user, now)]
    return sorted(items, key=lambda item: item.sort_key)
