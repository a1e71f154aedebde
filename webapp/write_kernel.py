"""What every record's write path shares: who writes and when, client-made ids, field errors, body hashes.

A write path (``webapp/visits/write.py``, ``webapp/photos/write.py``, and each new module's ``write.py``) is
a set of plain functions ``put_x(ctx: WriteContext, record_id, raw_body) -> XWrite`` used alike by the htmx
forms, the JSON API and the CLI. They validate with a ``FieldErrors`` collector and raise its ``Invalid``,
raise ``Conflict``/``Forbidden`` (``webapp.errors``) for the rest, flush but never commit: the caller
commits once, so a refusal leaves nothing half-written. The same body again is recognised by its
``canonical_hash`` and changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from sqlalchemy.exc import IntegrityError

from webapp.errors import Conflict, Forbidden, Invalid
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.models import User

__all__ = [
    "Conflict", "FieldErrors", "Forbidden", "Invalid", "WriteContext",
    "canonical_hash", "insert_or_winner", "parse_uuid",
]

_RowT = TypeVar("_RowT")


@dataclass(frozen=True)
class WriteContext:
    """Who writes, from which device, and what their clock said when the request was sent."""

    actor: User
    now: datetime
    client_time: datetime | None = None
    device_id: str | None = None


@dataclass
class FieldErrors:
    """Collects one message per field path while a body is validated, then raises them together."""

    items: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.items.setdefault(path, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise Invalid(self.items)

    def fail(self, path: str, message: str) -> NoReturn:
        self.add(path, message)
        raise Invalid(self.items)


def parse_uuid(value: object) -> str | None:
    """The canonical lower-case form of a client-made id, or None when it is not a UUID."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None


def canonical_hash(body: dict[str, Any]) -> str:
    """The hash of a clean body: sorted keys and fixed separators, so key order and spacing do not matter."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def insert_or_winner(row: object, find_winner: Callable[[], _RowT | None]) -> _RowT | None:
    """Insert ``row`` under a savepoint; None when it went in.

    When a concurrent request inserted the same key first, the savepoint is rolled back and the row that
    won is returned (``find_winner``), for the caller to judge like a replay. An integrity error that no
    winner explains is a real fault and propagates.
    """
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        winner = find_winner()
        if winner is None:
            raise
        return winner
    return None
