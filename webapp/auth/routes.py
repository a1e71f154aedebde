"""Logging in and out, and choosing the language."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.auth.forms import LoginForm
from webapp.auth.sessions import end_session, start_session
from webapp.extensions import db, limiter
from webapp.models import User
from webapp.redirects import local_path, local_path_or

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.get("/login")
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/login.html", form=LoginForm(), next=_next_path())


@bp.post("/login")
@limiter.limit(_login_limit, methods=["POST"])
def login_post() -> tuple[str, int] | Response:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, next=_next_path()), 422
    username, password = (form.username.data or "").strip(), form.password.data or ""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.is_enabled or not user.check_password(password):
        # One message for an unknown user, a wrong password and a disabled account.
        form.form_errors.append(_("Wrong username or password."))
        return render_template("auth/login.html", form=form, next=_next_path()), 401
    session.clear()
    start_session(user)
    login_user(user)
    db.session.commit()
    return redirect(_next_path() or url_for("home.index"), code=303)


@bp.post("/logout")
@login_required
def logout() -> Response:
    end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), code=303)


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
