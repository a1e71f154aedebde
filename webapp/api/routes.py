"""The JSON API (v1): the write path for the offline outbox and any native client.

It takes the session cookie and an X-CSRFToken header. Errors are JSON; an ended session is a JSON
401, never a redirect to the login page (a queue would take the login page for success).
Optional headers: X-Client-Time (the device clock when the request was sent, for clock-skew checks),
X-Device-Id (a random id the app keeps per installation, to notice one phone checking in a squad) and
X-Expected-User (the outbox names the author of a queued item: a session of anyone else gets a 401, so an
item recorded by one manager is never stored as another's who logged in on the same phone).

A photo whose visit has not arrived yet is held (202) and attached when the visit arrives (webapp.sync.held).

Endpoints parse, call the write path, commit and answer. Refusals are ``webapp.errors.AppError``s raised by
the write paths; the app's one handler rolls back and answers them as JSON (``error``, ``message``, ``fields``).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.api.openapi import openapi_document
from webapp.api.photo_upload import upload_photo
from webapp.database import deferred_transactions, explicit_transactions
from webapp.errors import AppError, Invalid, NotFoundError
from webapp.extensions import db
from webapp.health.metrics import count_sync_outcome
from webapp.masking import mask_phone
from webapp.models import Merchant
from webapp.scope import get_visit_or_404, visible_merchants
from webapp.serving import whole_body_first
from webapp.sync.held import attach_held_photos
from webapp.visits.confirmations import put_confirmation
from webapp.visits.request_context import write_context
from webapp.visits.serialize import visit_json
from webapp.visits.write import put_visit
from webapp.write_kernel import parse_uuid

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)

STATUS_CODES = {"created": 201, "unchanged": 200, "updated": 200}


def id_or_422(value: str, name: str) -> str:
    parsed = parse_uuid(value)
    if parsed is None:
        raise Invalid({name: _("Not a UUID.")})
    return parsed


def json_body_or_422() -> Any:
    body = _json_body()
    if body is None:
        raise Invalid({"body": _("Not valid JSON.")}, _("The body is not valid JSON."))
    broken = _path_of_unencodable_text(body)
    if broken is not None:
        raise Invalid({broken or "body": _("Not valid text: it holds half of a character pair.")})
    return body


def _path_of_unencodable_text(body: Any) -> str | None:
    """The path (``notes.lead``) of the first string or key that UTF-8 cannot hold, or None. JSON may escape
    half of a surrogate pair (``"\\ud800"``); Python keeps it, and it would fail only when stored. Walked
    without recursion, since the body may be nested as deep as the parser allows."""
    pending: list[tuple[str, Any]] = [("", body)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if not _encodable(key):
                    return path
                pending.append((child, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@bp.before_request
def author_is_the_session_user() -> tuple[Response, int] | None:
    """A queued item names its author; the session of anyone else must not store it under their name."""
    expected = (request.headers.get("X-Expected-User") or "").strip().lower()
    if expected and current_user.is_authenticated and current_user.username.lower() != expected:
        return jsonify(error="wrong_user", message=_("This was recorded by another user. It is sent when they "
                                                     "log in on this phone.")), 401
    return None


def _json_body() -> Any:
    """The parsed JSON body, or None when it is not usable JSON. The parser raises RecursionError (not a
    ValueError, so silent=True lets it through as a 500) on a body nested a few thousand levels deep."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@bp.put("/visits/<visit_id>")
@login_required
def put_visit_endpoint(visit_id: str) -> tuple[Response, int]:
    parsed = id_or_422(visit_id, "id")
    if not request.is_json:
        raise AppError(_("Send the visit as JSON (Content-Type: application/json)."), status=415,
                       code="unsupported_media_type")
    result = put_visit(write_context(), parsed, json_body_or_422(), if_match=request.headers.get("If-Match"))
    # Built before the commit: nothing after it may fail.
    body, etag = visit_json(result.visit, current_user), result.visit.etag
    db.session.commit()
    status = STATUS_CODES[result.status]
    count_sync_outcome("visit", result.status)
    # Photos that came before this visit join it now; a replay of the visit retries what a crash interrupted.
    # Both steps after the commit are reads or their own transactions that never raise.
    with deferred_transactions():
        if attach_held_photos(parsed):
            body = _fresh_visit_json(parsed) or body
    response = jsonify(body)
    response.headers["ETag"] = etag
    return response, status


def _fresh_visit_json(visit_id: str) -> dict[str, Any] | None:
    """The visit as stored now (with the photos just attached), or None if it cannot be read at this moment."""
    try:
        body = visit_json(get_visit_or_404(current_user, visit_id), current_user)
        db.session.rollback()
        return body
    except Exception:
        db.session.rollback()
        log.warning("re-reading visit %s after attaching held photos failed", visit_id, exc_info=True)
        return None


@bp.get("/visits/<visit_id>")
@login_required
def get_visit_endpoint(visit_id: str) -> tuple[Response, int]:
    parsed = parse_uuid(visit_id)
    if parsed is None:
        raise NotFoundError()
    visit = get_visit_or_404(current_user, parsed)
    response = jsonify(visit_json(visit, current_user))
    response.headers["ETag"] = visit.etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response, 200


@bp.put("/visits/<visit_id>/photos/<photo_id>")
@whole_body_first
@explicit_transactions
@login_required
def put_photo_endpoint(visit_id: str, photo_id: str) -> tuple[Response, int]:
    """The upload takes the write lock only around its rows (webapp/api/photo_upload.py says why)."""
    parsed_visit = parse_uuid(visit_id)
    parsed_photo = parse_uuid(photo_id)
    if parsed_visit is None or parsed_photo is None:
        raise Invalid({"id": _("Not a UUID.")})
    return upload_photo(parsed_visit, parsed_photo)


@bp.put("/visits/<visit_id>/confirmations/<username>")
@login_required
def put_confirmation_endpoint(visit_id: str, username: str) -> tuple[Response, int]:
    parsed = id_or_422(visit_id, "id")  # like the other PUTs: a malformed id is the client's error
    result = put_confirmation(write_context(), parsed, username, json_body_or_422())
    db.session.commit()
    visit = get_visit_or_404(current_user, parsed)
    return jsonify(visit_json(visit, current_user)), STATUS_CODES[result.status]


@bp.get("/merchants")
@login_required
def merchants_endpoint() -> Response:
    """Every merchant the user may see, for the phone's offline copy; phones always masked here."""
    rows = db.session.scalars(visible_merchants(current_user).order_by(Merchant.id))
    response = jsonify(merchants=[
        {"id": m.id, "name": m.name, "address": m.address, "district": m.district, "industry": m.industry,
         "status": m.status, "lat": m.lat, "lon": m.lon, "phone": mask_phone(m.phone)}
        for m in rows
    ])
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


