"""The one error model: domain errors carry their HTTP meaning; the API answers them as JSON, pages as HTML.

Every write path raises an ``AppError`` (or a subclass) for anything the client must correct or learn. A
view never maps exceptions to statuses by hand: the JSON API lets them reach the handler registered here,
which rolls the session back and answers ``{"error": code, "message": ..., "fields": {...}}``; a page view
catches ``AppError`` only to show its form again, through ``webapp.pages.form_error`` (the errors beside
their fields, 422 for htmx); anything else reaches the same handler, which renders the error page. A 500
rolls the session back first.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.htmx_utils import is_api_request


class AppError(Exception):
    """A request the server refuses for a reason the client can read; nothing of it was stored.

    ``status`` is the HTTP status, ``code`` a stable machine-readable word, ``message`` the sentence for the
    person (already translated), ``fields`` the per-field errors keyed by the field's path (``checkin.lat``),
    ``extra`` further JSON members of the API answer (an ``etag``, a ``retry_after``).
    """

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str | None = None, *, fields: dict[str, str] | None = None,
                 status: int | None = None, code: str | None = None, **extra: Any) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.fields: dict[str, str] = dict(fields or {})
        self.extra: dict[str, Any] = extra
        self.message: str = message if message is not None else default_message(self.status)
        super().__init__(self.message)

    @property
    def field(self) -> str | None:
        """The first field at fault, for a form that marks one field."""
        return next(iter(self.fields), None)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r})"


class Invalid(AppError):
    """Field errors (422): the body or form needs correcting; ``fields`` says where."""

    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or _("Some fields need correcting."), fields=fields)

    @property
    def errors(self) -> dict[str, str]:
        return self.fields


class Conflict(AppError):
    """The record exists in another form (409); ``etag`` tells the client what it would overwrite."""

    status = 409
    code = "conflict"

    def __init__(self, message: str | None = None, *, etag: str | None = None, code: str | None = None,
                 fields: dict[str, str] | None = None) -> None:
        extra: dict[str, Any] = {"etag": etag} if etag is not None else {}
        super().__init__(message, code=code, fields=fields, **extra)
        self.etag = etag


class Forbidden(AppError):
    """The role or the person may not do this (403); out-of-scope records are 404s, never this."""

    status = 403
    code = "forbidden"


class NotFoundError(AppError):
    """Not there, or not in the caller's scope (404): the two are never told apart."""

    status = 404
    code = "not_found"


class TooMany(AppError):
    """A bound was reached (429): wait, or do something else first."""

    status = 429
    code = "too_many"


def default_message(status: int) -> str:
    return _messages().get(status, _("Error"))


def _messages() -> dict[int, str]:
    return {
        400: _("The request was not understood."),
        401: _("Your session has ended. Please log in again."),
        403: _("Your role does not allow this."),
        404: _("Not found."),
        405: _("This action is not allowed here."),
        409: _("This record was changed elsewhere."),
        413: _("The upload is too large."),
        415: _("This type of file is not accepted."),
        422: _("Some fields need correcting."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on the server. Nothing was saved; please try again."),
    }


def error_response(status: int, code: str | None = None, message: str | None = None) -> tuple[Response | str, int]:
    text = message or _messages().get(status, _("Error"))
    if is_api_request():
        return jsonify(error=code or str(status), message=text), status
    return render_template("errors/error.html", status=status, message=text), status


def app_error_response(error: AppError) -> tuple[Response | str, int]:
    """The answer to a refused request, after rolling back whatever the request had begun to write."""
    db.session.rollback()
    if is_api_request():
        return jsonify(error.to_json()), error.status
    return render_template("errors/error.html", status=error.status, message=error.message), error.status


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, app_error_response)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[Response | str, int]:
        # A logged-out or expired cookie has no CSRF secret either, so the CSRF check fails before
        # login_required can answer. An offline queue must learn "log in again" (401), not "bad request".
        if is_api_request() and not current_user.is_authenticated:
            return error_response(401, "unauthenticated")
        return error_response(400, "csrf", _("The form expired or came from elsewhere. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return error_response(error.code)

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[Response | str, int]:
        db.session.rollback()
        return error_response(500, "server_error")
