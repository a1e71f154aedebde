"""Error pages: HTML for people, JSON for the API; a 500 rolls the session back first."""
from __future__ import annotations

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.htmx_utils import is_api_request


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


def register_error_handlers(app: Flask) -> None:
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
