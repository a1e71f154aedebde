"""Which language a page speaks: Simplified Chinese first, English when the user chose it."""
from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_login import current_user
from sqlalchemy.exc import OperationalError


def select_locale() -> str:
    languages: list[str] = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command (the nightly import) speaks the default language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    own = _signed_in_locale()
    if own in languages:
        return str(own)
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _signed_in_locale() -> str | None:
    """The user's own language; none when loading the user is what failed (the busy-database error page is
    rendered in the same request and must not fail the same way again)."""
    try:
        return str(current_user.locale) if current_user.is_authenticated else None
    except OperationalError:
        return None
