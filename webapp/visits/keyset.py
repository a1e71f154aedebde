"""Keyset pages of visits, newest first: the cursor names the last visit shown, never an offset.

A page costs the same at the end of a long history as at its start, and a visit synced late from a phone
cannot shift the rows of the next page. The order is ``(started_at desc, id desc)``; the cursor is that pair
as text (``20261203T091000123456~<visit id>``), so it can travel in a link.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from webapp.models import Visit
from webapp.write_kernel import parse_uuid

Cursor = tuple[datetime, str]
_CURSOR_RE = re.compile(r"^\d{8}T\d{12}~[0-9a-fA-F-]{36}$")
_MOMENT = "%Y%m%dT%H%M%S%f"
_SelectT = TypeVar("_SelectT", bound=sa.Select[Any])
_ItemT = TypeVar("_ItemT")


def newest_first(query: _SelectT) -> _SelectT:
    return query.order_by(Visit.started_at.desc(), Visit.id.desc())


def cursor_of(visit: Visit) -> str:
    return f"{visit.started_at.astimezone(UTC).strftime(_MOMENT)}~{visit.id}"


def parse_cursor(value: str | None) -> Cursor | None:
    """The position a cursor names, or None for a missing or malformed one (which starts at the top)."""
    if not value or not _CURSOR_RE.match(value):
        return None
    moment, _sep, visit_id = value.partition("~")
    try:
        started = datetime.strptime(moment, _MOMENT).replace(tzinfo=UTC)
    except ValueError:
        return None
    parsed = parse_uuid(visit_id)
    return (started, parsed) if parsed else None


def after_cursor(query: _SelectT, cursor: Cursor | None) -> _SelectT:
    """The visits that come after the cursor's in newest-first order."""
    if cursor is None:
        return query
    started, last_id = cursor
    return query.where(sa.or_(Visit.started_at < started, sa.and_(Visit.started_at == started, Visit.id < last_id)))


def split_page(items: Sequence[_ItemT], page_size: int) -> tuple[list[_ItemT], bool]:
    """A page of at most ``page_size`` from ``page_size + 1`` fetched, and whether more follow."""
    return list(items[:page_size]), len(items) > page_size
