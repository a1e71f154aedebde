"""Flask-Login wired to server-side sessions, and what an expired session gets back.

A session row is honoured while it is open, used within the idle timeout (SESSION_IDLE_TIMEOUT, measured
from its last activity) and younger than the absolute lifetime (SESSION_ABSOLUTE_LIFETIME, from the
login). The cookie is permanent, set at login for the absolute lifetime; the row decides.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, Response, current_app, jsonify, make_response, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy.sql.dml import Update

from webapp.auth.devices import address_hint, device_summary
from webapp.database import holds_write_lock, write_if_free
from webapp.errors import NotFoundError
from webapp.extensions import db, login_manager
from webapp.htmx_utils import is_api_request
from webapp.models import LoginSession, User
from webapp.models.base import utcnow
from webapp.models.login_session import hash_token

log = logging.getLogger(__name__)

# Last activity is written at most this often per session: a phone's burst of requests costs one write.
TOUCH_EVERY = timedelta(seconds=60)
# How long a request waits for SQLite's write lock to record its activity before giving the write up.
TOUCH_WAIT_MS = 200
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # our own session rows do this job, per device
    login_manager.user_loader(load_user_from_session_token)
    login_manager.unauthorized_handler(unauthorized)
    # The signed cookie may live as long as a session can; the row's idle and absolute limits decide.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=int(app.config["SESSION_ABSOLUTE_LIFETIME"]))


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(seconds=int(config["SESSION_IDLE_TIMEOUT"])),
            timedelta(seconds=int(config["SESSION_ABSOLUTE_LIFETIME"])))


def session_is_live(row: LoginSession, now: datetime) -> bool:
    idle, absolute = _limits()
    return row.ended_at is None and now - row.last_seen_at < idle and now - row.created_at < absolute


def load_user_from_session_token(token: str) -> User | None:
    """A cookie is honoured only while its session row is live and the user enabled; use slides it."""
    row = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
    )
    if row is None or not row.user.is_enabled:
        return None
    now = utcnow()
    if not session_is_live(row, now):
        _write_session(sa.update(LoginSession).where(LoginSession.id == row.id, LoginSession.ended_at.is_(None))
                       .values(ended_at=now))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _write_session(sa.update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
    user: User = row.user
    user.session_token = token
    return user


def _write_session(statement: Update) -> None:
    """Record activity or an expiry without making the request a writer, and without ever failing it.

    A write request whose transaction already holds SQLite's write lock (BEGIN IMMEDIATE, see
    webapp.database) carries the write in that transaction: a second connection would wait on the request's
    own lock. Every other request (reads, and views that take the lock themselves only around their rows,
    such as the photo upload) writes in a short transaction of its own: in the request's transaction the
    write would upgrade a reader, which SQLite refuses under concurrency, and would hold the lock through the
    photo pipeline. Losing one such write only delays a time, so a busy database is logged, never raised.
    """
    if request.method not in READ_ONLY_METHODS and holds_write_lock():
        db.session.execute(statement)
        return
    if not write_if_free(db.engine, statement, TOUCH_WAIT_MS):
        log.warning("session activity not recorded (database busy)")


def start_session(user: User) -> str:
    row, token = LoginSession.start(user, device=device_summary(request.headers.get("User-Agent", "")),
                                    address_hint=address_hint(request.remote_addr))
    db.session.add(row)
    user.session_token = token
    return token


def end_session(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(user: User) -> None:
    """When an admin disables a user or sets their password, every device they were logged in on is logged out."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_other_sessions(user: User, keep_token: str | None) -> int:
    """Every device but this one; returns how many were ended."""
    result = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
               LoginSession.token_hash != hash_token(keep_token or ""))
        .values(ended_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_own_session(user: User, session_id: int) -> None:
    """One of the user's own open sessions; anyone else's, or one already ended, is 404 like a missing one."""
    row = db.session.scalar(sa.select(LoginSession).where(
        LoginSession.id == session_id, LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)))
    if row is None or not session_is_live(row, utcnow()):
        raise NotFoundError()
    row.ended_at = utcnow()


def live_sessions(user: User) -> list[LoginSession]:
    """The devices page: the user's live sessions, most recently used first."""
    now = utcnow()
    idle, absolute = _limits()
    return list(db.session.scalars(
        sa.select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
               LoginSession.last_seen_at > now - idle, LoginSession.created_at > now - absolute)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ))


def unauthorized() -> Response:
    """JSON 401 for the API (an offline queue must not take a login page for success); a whole-page
    redirect for htmx (never the login form swapped into a fragment); a plain redirect otherwise."""
    login_url = url_for("auth.login", next=_safe_next())
    if is_api_request():
        response = jsonify(error="unauthenticated", message=_("Your session has ended. Please log in again."))
        response.status_code = 401
        return response
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)  # type: ignore[return-value]


def _safe_next() -> str | None:
    """Only a path on this site, and without its query: a query may carry search terms."""
    if request.method != "GET":
        return None
    return request.path
