"""What an inbox item is, and the registry of the modules that produce them.

An item is computed from the records, never stored: it exists while there is something to do and is gone
the moment it is done (the visit resubmitted, the confirmation sent, the check recorded). Each module that
creates work for a person writes a *source*: a function ``(user, now) -> Iterable[InboxItem]`` that queries
only through ``webapp.scope`` and lists only what that user must act on. Sources are listed once, in
``webapp.inbox.sources.SOURCES``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from webapp.models import User

# The order the list is sorted in: what is late first, then what is due, then the rest.
Urgency = Literal["overdue", "due", "info"]
URGENCY_ORDER: tuple[Urgency, ...] = ("overdue", "due", "info")


@dataclass(frozen=True)
class InboxItem:
    """One thing a person must do. ``kind`` is a stable code with a label in ``webapp.labels.INBOX_KIND``."""

    kind: str
    key: str  # unique within the kind: the id of the record the action is about
    title: str  # what to do, translated, with no phone or ID number in it
    url: str  # where it is done
    urgency: Urgency = "due"
    due_at: datetime | None = None
    detail: str = ""

    @property
    def sort_key(self) -> tuple[int, float, str, str]:
        due = self.due_at.timestamp() if self.due_at is not None else float("inf")
        return (URGENCY_ORDER.index(self.urgency), due, self.kind, self.key)


InboxSource = Callable[["User", datetime], Iterable[InboxItem]]
