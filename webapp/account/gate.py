"""While an admin requires a new password, the person can do nothing else: pages lead to the change form,
htmx requests redirect the whole page there, and JSON answers (the API, and the outbox's own questions such
as /sync/session) are 403 ``{"error": "password_change_required", "message": ..., "change_url":
"/account/password"}``. The outbox's session question failing that way makes it wait and try again later:
queued items stay queued (none is marked refused) and go out once the password is changed.
"""
from __future__ import annotations

from flask import jsonify, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.errors import Forbidden
from webapp.htmx_utils import is_api_request

# What a person who must change their password may still reach: the change itself, logging out, the
# language, and what carries no data of theirs (files, the app shell, health, the API's description).
ALLOWED_ENDPOINTS = frozenset({
    "account.password", "account.password_post", "auth.logout", "auth.login_post", "auth.set_language",
    "static", "pwa.manifest", "pwa.service_worker", "pwa.offline", "health.healthz", "api.openapi",
})

PASSWORD_CHANGE_REQUIRED = "password_change_required"


def password_change_gate() -> Response | None:
    """A before-request hook: None lets the request through."""
    if request.endpoint in ALLOWED_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    change_url = url_for("account.password")
    if is_api_request() or request.accept_mimetypes.best == "application/json":
        error = Forbidden(_("Choose a new password before going on: your administrator requires it."),
                          code=PASSWORD_CHANGE_REQUIRED, change_url=change_url)
        response = jsonify(error.to_json())
        response.status_code = error.status
        return response
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 403)
        response.headers["HX-Redirect"] = change_url
        return response
    return redirect(change_url, code=303)
