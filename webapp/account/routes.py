"""A person's own account: their signed-in devices, and changing their password.

Nothing here names another person: every route acts on the signed-in user, and a session id of anyone
else answers 404 like one that never existed.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.account.gate import password_change_gate
from webapp.account.password import CONFIRM, CURRENT, NEW, change_own_password
from webapp.auth import throttle
from webapp.auth.password_policy import MAX_PASSWORD, password_hint
from webapp.auth.routes import log_out_here
from webapp.auth.sessions import end_other_sessions, end_own_session, live_sessions
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models.login_session import hash_token
from webapp.write_kernel import WriteContext

bp = Blueprint("account", __name__, url_prefix="/account")
bp.before_app_request(password_change_gate)


@bp.before_request
@login_required
def _signed_in_only() -> None:
    """Every route here is about the signed-in person."""


@bp.get("/sessions")
def sessions() -> str:
    rows = live_sessions(current_user)
    current_hash = hash_token(current_user.session_token or "")
    return render_template("account/sessions.html", sessions=rows, current_hash=current_hash)


@bp.post("/sessions/<int:session_id>/end", endpoint="end_session")
def end_session_route(session_id: int) -> Response:
    """Log out one device; ending this very one is logging out."""
    current_hash = hash_token(current_user.session_token or "")
    own = {row.id: row.token_hash for row in live_sessions(current_user)}
    if own.get(session_id) == current_hash:
        return log_out_here()
    end_own_session(current_user, session_id)
    db.session.commit()
    flash(_("That device was logged out."), "info")
    return redirect(url_for("account.sessions"), code=303)


@bp.post("/sessions/end-others", endpoint="end_other_sessions")
def end_other_sessions_route() -> Response:
    ended = end_other_sessions(current_user, current_user.session_token)
    db.session.commit()
    flash(_("%(count)s other devices were logged out.", count=ended), "info")
    return redirect(url_for("account.sessions"), code=303)


@bp.get("/password")
def password() -> str:
    return _password_page({})[0]


@bp.post("/password")
def password_post() -> tuple[str, int] | Response:
    """Throttled like the login: a wrong current password counts as a failed attempt on the account."""
    locked = throttle.refusal(throttle.ACCOUNT, current_user.username)
    if locked is not None:
        return _refused(locked)
    form = request.form
    ctx = WriteContext(actor=current_user, now=datetime.now(UTC))
    try:
        ended = change_own_password(ctx, form.get(CURRENT, "")[:MAX_PASSWORD + 1],
                                    form.get(NEW, "")[:MAX_PASSWORD + 1], form.get(CONFIRM, "")[:MAX_PASSWORD + 1])
    except Invalid as error:
        db.session.rollback()
        if CURRENT in error.fields:
            refused = throttle.failed_attempt(current_user.username, request.remote_addr or "")
            if refused is not None:
                return _refused(refused)
        return _password_page(error.fields, 422)
    db.session.commit()
    throttle.forget_account_failures(current_user.username)
    if ended:
        flash(_("Your password was changed, and %(count)s other devices were logged out.", count=ended), "info")
    else:
        flash(_("Your password was changed."), "info")
    return redirect(url_for("home.index"), code=303)


def _password_page(errors: dict[str, str], status: int = 200, notice: str | None = None) -> tuple[str, int]:
    return render_template("account/password.html", errors=errors, notice=notice, hint=password_hint(),
                           forced=current_user.must_change_password, max_length=MAX_PASSWORD), status


def _refused(refused: throttle.Refusal) -> Response:
    response = make_response(*_password_page({}, 429, notice=throttle.refusal_message(refused)))
    response.headers["Retry-After"] = str(refused.retry_after_seconds)
    return response
