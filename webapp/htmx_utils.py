"""The one predicate for partial responses, and response helpers for htmx."""
from __future__ import annotations

from flask import request

from webapp.extensions import htmx


def wants_partial() -> bool:
    """An htmx swap asked for a fragment: not a boosted navigation, not a history restore (both need the page)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# The JSON endpoints: the API, and what the outbox and the service worker ask under /sync/.
JSON_PATHS = ("/api/", "/sync/session", "/sync/offline-pages", "/sync/known", "/push/")


def is_api_request() -> bool:
    """JSON clients (the offline outbox among them) get JSON errors, never an HTML page or a redirect."""
    return request.path.startswith(JSON_PATHS)
