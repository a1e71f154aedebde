"""Sending pushes: queued in the write's transaction, sent only after it committed, never able to fail it.

A write path that tells someone something calls ``queue_push`` (collection's ``notify`` does; the inbox watcher,
``webapp.push.inbox``, does for new inbox items). The messages wait in the session and go once the transaction
committed (a rolled-back write tells nobody), from a thread of their own with its own database session: a slow
or unreachable push service delays no response, and pruning a subscription the push service says is gone (404,
410) is a write of its own, whose failure is logged, never the request's. ``PUSH_SYNC`` waits for the thread
(tests, the CLI). Payloads carry a title, a line and the path to open: no phone or ID number.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, url_for
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import PushSubscription
from webapp.push.keys import private_key_pem

log = logging.getLogger(__name__)
PENDING = "xw_pushes"
# Set by webapp.push.inbox: work to do after the commit, with the app, in the sending thread.
AFTER_COMMIT_WORK = "xw_push_work"
GONE = (404, 410)
MAX_FAILURES = 20


@dataclass(frozen=True)
class PushMessage:
    """What one person is told: shown as a notification, opening ``url`` when tapped; ``tag`` replaces an
    earlier notification about the same thing instead of piling up."""

    user_id: int
    title: str
    body: str
    url: str
    tag: str


def path_for(endpoint: str, **values: Any) -> str:
    """A page's path for a push, also from a command or the nightly import (no request to build it in)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def queue_push(message: PushMessage) -> None:
    """Send after the current transaction commits (nothing is sent for a write that rolls back)."""
    db.session.info.setdefault(PENDING, []).append(message)


def queue_after_commit(work: Callable[[], list[PushMessage]]) -> None:
    """Run ``work`` (it reads the committed data and says what to send) in the sending thread."""
    db.session.info.setdefault(AFTER_COMMIT_WORK, []).append(work)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    messages: list[PushMessage] = session.info.pop(PENDING, [])
    work: list[Callable[[], list[PushMessage]]] = session.info.pop(AFTER_COMMIT_WORK, [])
    if not messages and not work:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("PUSH_ENABLED", True):
        return
    thread = threading.Thread(target=_send_all, args=(app, messages, work), name="xw-push", daemon=True)
    thread.start()
    if app.config.get("PUSH_SYNC"):
        thread.join()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(AFTER_COMMIT_WORK, None)


def _send_all(app: Flask, messages: list[PushMessage], work: list[Callable[[], list[PushMessage]]]) -> None:
    with app.test_request_context("/"):
        try:
            for job in work:
                messages = [*messages, *job()]
            deliver(messages)
        except Exception:  # a push is a courtesy: the inbox still holds everything
            log.exception("push delivery failed")
            db.session.rollback()
        finally:
            db.session.remove()


def payload(message: PushMessage) -> str:
    return json.dumps({k: v for k, v in asdict(message).items() if k != "user_id"}, ensure_ascii=False)


def deliver(messages: list[PushMessage]) -> dict[str, int]:
    """Send each message to every subscription of its person now; returns counts by outcome. Commits the
    subscriptions' bookkeeping (sent time, failures, removal of those gone)."""
    counts = {"sent": 0, "gone": 0, "failed": 0}
    if not messages:
        return counts
    config = current_app.config
    vapid = Vapid.from_pem(private_key_pem().encode("ascii"))
    claims = {"sub": str(config["PUSH_VAPID_SUBJECT"])}
    by_user = {m.user_id for m in messages}
    subscriptions = list(db.session.scalars(sa.select(PushSubscription).where(PushSubscription.user_id.in_(by_user))))
    for message in messages:
        for subscription in (s for s in subscriptions if s.user_id == message.user_id):
            outcome = _send_one(subscription, message, vapid, claims)
            counts[outcome] += 1
    for subscription in subscriptions:
        if subscription.failures < 0 or subscription.failures > MAX_FAILURES:
            db.session.delete(subscription)
    db.session.commit()
    return counts


def _send_one(subscription: PushSubscription, message: PushMessage, vapid: Any, claims: dict[str, str]) -> str:
    config = current_app.config
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    try:
        webpush(info, data=payload(message), vapid_private_key=vapid, vapid_claims=dict(claims),
                ttl=int(config["PUSH_TTL_S"]), timeout=float(config["PUSH_TIMEOUT_S"]),
                headers={"Urgency": "high"})
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else 0
        if status in GONE:
            subscription.failures = -1  # removed below: the browser unsubscribed or the endpoint expired
            return "gone"
        subscription.failures += 1
        log.warning("push to subscription %s failed: %s", subscription.id, status or error)
        return "failed"
    except Exception as error:  # the network: a timeout, a refused connection
        subscription.failures += 1
        log.warning("push to subscription %s failed: %s", subscription.id, type(error).__name__)
        return "failed"
    subscription.failures = 0
    subscription.last_sent_at = datetime.now(UTC)
    return "sent"
