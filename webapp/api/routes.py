"""The JSON API (v1): the write path for the offline outbox and any native client.

It takes the session cookie and an X-CSRFToken header. Errors are JSON; an ended session is a JSON
401, never a redirect to the login page (a queue would take the login page for success).
Optional headers: X-Client-Time (the device clock when the request was sent, for clock-skew checks)
and X-Device-Id (a random id the app keeps per installation, to notice one phone checking in a squad).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.api.openapi import openapi_document
from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import Merchant
from webapp.photos.pipeline import PhotoRejected
from webapp.photos.write import PhotoFields, put_photo
from webapp.scope import get_visit_or_404, visible_merchants
from webapp.visits.payload import Invalid, parse_uuid
from webapp.visits.serialize import photo_json, visit_json
from webapp.visits.request_context import write_context
from webapp.visits.write import Conflict, Forbidden, put_confirmation, put_visit

bp = Blueprint("api", __name__, url_prefix="/api/v1")

STATUS_CODES = {"created": 201, "unchanged": 200, "updated": 200}


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=code, message=message, **extra), status


def _invalid(error: Invalid) -> tuple[Response, int]:
    return _error(422, "invalid", _("Some fields need correcting."), fields=error.errors)


def _id_or_422(value: str, name: str) -> str | tuple[Response, int]:
    parsed = parse_uuid(value)
    if parsed is None:
        return _error(422, "invalid", _("Some fields need correcting."), fields={name: _("Not a UUID.")})
    return parsed


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
    parsed = _id_or_422(visit_id, "id")
    if not isinstance(parsed, str):
        return parsed
    if not request.is_json:
        return _error(415, "unsupported_media_type", _("Send the visit as JSON (Content-Type: application/json)."))
    body = _json_body()
    if body is None:
        return _error(422, "invalid", _("The body is not valid JSON."), fields={"body": _("Not valid JSON.")})
    try:
        result = put_visit(write_context(), parsed, body, if_match=request.headers.get("If-Match"))
    except Invalid as error:
        return _invalid(error)
    except Conflict as error:
        return _error(409, "conflict", error.message, etag=error.etag)
    except Forbidden as error:
        return _error(403, "forbidden", error.message)
    db.session.commit()
    response = jsonify(visit_json(result.visit))
    response.headers["ETag"] = result.visit.etag
    return response, STATUS_CODES[result.status]


@bp.get("/visits/<visit_id>")
@login_required
def get_visit_endpoint(visit_id: str) -> tuple[Response, int]:
    parsed = parse_uuid(visit_id)
    if parsed is None:
        return _error(404, "not_found", _("Not found."))
    visit = get_visit_or_404(current_user, parsed)
    response = jsonify(visit_json(visit))
    response.headers["ETag"] = visit.etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response, 200


@bp.put("/visits/<visit_id>/photos/<photo_id>")
@login_required
def put_photo_endpoint(visit_id: str, photo_id: str) -> tuple[Response, int]:
    parsed_visit = parse_uuid(visit_id)
    parsed_photo = parse_uuid(photo_id)
    if parsed_visit is None or parsed_photo is None:
        return _error(422, "invalid", _("Some fields need correcting."), fields={"id": _("Not a UUID.")})
    upload = request.files.get("file")
    if upload is None:
        return _error(422, "invalid", _("Some fields need correcting."), fields={"file": _("Attach the photo as 'file'.")})
    data = upload.read()
    fields = PhotoFields(
        category=request.form.get("category"),
        captured_at=request.form.get("captured_at"),
        exif_taken_at=request.form.get("exif_taken_at") or None,
        exif_lat=request.form.get("exif_lat") or None,
        exif_lon=request.form.get("exif_lon") or None,
    )
    try:
        result = put_photo(write_context(), parsed_visit, parsed_photo, data, fields)
    except Invalid as error:
        return _invalid(error)
    except PhotoRejected as error:
        return _error(error.status, error.code, error.message)
    except Conflict as error:
        return _error(409, "conflict", error.message)
    except Forbidden as error:
        return _error(403, "forbidden", error.message)
    db.session.commit()
    visit = get_visit_or_404(current_user, parsed_visit)
    photo = next(p for p in visit.photos if p.id == result.photo.id)
    return jsonify(photo_json(photo, visit.flags)), STATUS_CODES[result.status]


@bp.put("/visits/<visit_id>/confirmations/<username>")
@login_required
def put_confirmation_endpoint(visit_id: str, username: str) -> tuple[Response, int]:
    parsed = _id_or_422(visit_id, "id")  # like the other PUTs: a malformed id is the client's error
    if not isinstance(parsed, str):
        return parsed
    body = _json_body()
    if body is None:
        return _error(422, "invalid", _("The body is not valid JSON."), fields={"body": _("Not valid JSON.")})
    try:
        result = put_confirmation(write_context(), parsed, username, body)
    except Invalid as error:
        return _invalid(error)
    except Conflict as error:
        return _error(409, "conflict", error.message)
    except Forbidden as error:
        return _error(403, "forbidden", error.message)
    db.session.commit()
    visit = get_visit_or_404(current_user, parsed)
    return jsonify(visit_json(visit)), STATUS_CODES[result.status]


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


