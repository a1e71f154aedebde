"""Flask-Login wired to server-side sessions, and what an expired session gets back."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, Response, jsonify, make_response, redirect, request, url_for
from flask_babel import gettext as _

from webapp.extensions import db, login_manager
from webapp.htmx_utils import is_api_request
from webapp.models import LoginSession, User
from webapp.models.base import utcnow
from webapp.models.login_session import hash_token


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # our own session rows do this job, per device
    login_manager.user_loader(load_user_from_session_token)
    login_manager.unauthorized_handler(unauthorized)


def load_user_from_session_token(token: str) -> User | None:
    """A cookie is honoured only while its session row is open and the user enabled."""
    row = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
    )
    if row is None or not row.user.is_enabled:
        return None
    row.user.session_token = token
    return row.user


def start_session(user: User) -> str:
    row, token = LoginSession.start(user)
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
    """When an admin disables a user, every device they were logged in on is logged out."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


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
