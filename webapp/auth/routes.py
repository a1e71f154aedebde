"""Logging in and out, and choosing the language."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.auth import throttle
from webapp.auth.forms import LoginForm
from webapp.auth.passwords import credentials_valid
from webapp.auth.sessions import end_session, start_session
from webapp.extensions import db
from webapp.models import User
from webapp.redirects import local_path, local_path_or

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/login.html", form=LoginForm(), next=_next_path())


@bp.post("/login")
def login_post() -> tuple[str, int] | Response:
    """Throttled by failures only (webapp.auth.throttle), one hash check per attempt whoever is named."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, next=_next_path()), 422
    username, password = (form.username.data or "").strip(), form.password.data or ""
    address = request.remote_addr or ""
    locked = throttle.refusal(throttle.ACCOUNT, username)
    if locked is not None:
        return _refused(form, locked)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if not credentials_valid(user, password):
        # One message for an unknown user, a wrong password and a disabled account.
        form.form_errors.append(_("Wrong username or password."))
        refused = throttle.failed_attempt(username, address)
        if refused is not None:
            return _refused(form, refused)
        return render_template("auth/login.html", form=form, next=_next_path()), 401
    assert user is not None  # credentials_valid is False without an enabled user
    throttle.forget_account_failures(username)
    session.clear()
    session.permanent = True  # the cookie slides with use; the session row enforces idle and absolute limits
    start_session(user)
    login_user(user)
    db.session.commit()
    return redirect(_next_path() or url_for("home.index"), code=303)


def _refused(form: LoginForm, refused: throttle.Refusal) -> Response:
    """429 with the time to try again, in words and in Retry-After."""
    form.form_errors.append(throttle.refusal_message(refused))
    response = make_response(render_template("auth/login.html", form=form, next=_next_path()), 429)
    response.headers["Retry-After"] = str(refused.retry_after_seconds)
    return response


def log_out_here() -> Response:
    """The one logout: this device's session row ends (so the cookie is worth nothing even if kept), the
    cookie is cleared, and the login page follows. Also what "log out this device" on the devices page does."""
    end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/logout")
@login_required
def logout() -> Response:
    return log_out_here()


@bp.post("/language")
def set_language() -> Response:
    """Remembered on the user when logged in (so it follows them to another phone), else in the session."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(local_path_or(request.form.get("next"), url_for("home.index")), code=303)


def _next_path() -> str | None:
    """A local path only: an open redirect would let a phishing link bounce through our login."""
    return local_path(request.values.get("next"))
