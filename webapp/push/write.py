"""A device's push subscription: the one write path for subscribing and unsubscribing (the More page's switch).

The server later POSTs to the endpoint a browser gives, so only push services' hosts are accepted
(``PUSH_ENDPOINT_HOSTS``): an endpoint may not make the server call into the bank's own network. A device that
subscribes again (a new key, another person signed in on it) updates its row; what is already in the person's
inbox when they subscribe is marked as told, so subscribing never floods the phone with old items.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.models import PushedItem, PushSubscription
from webapp.push.inbox import PUSH_KINDS
from webapp.write_kernel import FieldErrors, WriteContext


def _allowed_host(host: str) -> bool:
    for entry in current_app.config["PUSH_ENDPOINT_HOSTS"]:
        allowed = str(entry).lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


def _endpoint(value: Any, errors: FieldErrors) -> str:
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text) if text else None
    host = (parts.hostname or "").lower() if parts else ""
    secure = parts is not None and (parts.scheme == "https" or (parts.scheme == "http" and
                                                                 current_app.config.get("PUSH_ALLOW_HTTP")))
    if not text or len(text) > 1000 or not secure or not host or not _allowed_host(host):
        errors.add("endpoint", _("This browser's push service is not one the app sends to."))
    return text


def _key(value: Any, path: str, size: int, errors: FieldErrors) -> str:
    """A base64url key of the given decoded size (65 bytes for p256dh, 16 for auth)."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)) if text and len(text) < 200 else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        errors.add(path, _("Not a push subscription key."))
    return text


def subscribe(ctx: WriteContext, body: Any) -> tuple[PushSubscription, bool]:
    """Store this device's subscription for the actor; (the row, whether it is new). Flushes, never commits."""
    errors = FieldErrors()
    data: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    keys: Mapping[str, Any] = data.get("keys") if isinstance(data.get("keys"), Mapping) else {}  # type: ignore[assignment]
    endpoint = _endpoint(data.get("endpoint"), errors)
    p256dh = _key(keys.get("p256dh"), "keys.p256dh", 65, errors)
    auth = _key(keys.get("auth"), "keys.auth", 16, errors)
    errors.raise_if_any()
    row = db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    created = row is None
    if row is None:
        row = PushSubscription(endpoint=endpoint, created_at=ctx.now)
        db.session.add(row)
    row.user_id, row.p256dh, row.auth, row.failures = ctx.actor.id, p256dh, auth, 0
    row.device_id = (ctx.device_id or "")[:64]
    db.session.flush()
    _mark_told(ctx.actor.id, ctx)
    return row, created


def _mark_told(user_id: int, ctx: WriteContext) -> None:
    told = {(kind, key) for kind, key in db.session.execute(
        sa.select(PushedItem.kind, PushedItem.key).where(PushedItem.user_id == user_id))}
    for item in inbox_items(ctx.actor, ctx.now):
        if item.kind in PUSH_KINDS and (item.kind, item.key[:100]) not in told:
            db.session.add(PushedItem(user_id=user_id, kind=item.kind, key=item.key[:100], pushed_at=ctx.now))
    db.session.flush()


def unsubscribe(ctx: WriteContext, body: Any) -> bool:
    """Forget this device's subscription (only the actor's own); whether there was one. Flushes."""
    endpoint = body.get("endpoint") if isinstance(body, Mapping) else None
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        errors = FieldErrors()
        errors.fail("endpoint", _("Which subscription? The endpoint is missing."))
    removed = db.session.execute(sa.delete(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == ctx.actor.id))
    db.session.flush()
    return bool(getattr(removed, "rowcount", 0))


def subscriptions_of(user_id: int) -> list[PushSubscription]:
    return list(db.session.scalars(sa.select(PushSubscription).where(PushSubscription.user_id == user_id)
                                   .order_by(PushSubscription.created_at)))


def last_sent(user_id: int) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.max(PushSubscription.last_sent_at))
                             .where(PushSubscription.user_id == user_id))
