"""The JSON API (v1) for the field records a phone's outbox sends besides visits: leads captured at a marketing
activity, peer records and survey answers. Each is a PUT under the id the phone made, answered 201 when stored,
200 when the same body came again, 409 when another body has that id; refusals are the app's one JSON error
answer. The same session, CSRF and X-Expected-User rules as the rest of the API (webapp.api.routes)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.api.routes import STATUS_CODES, author_is_the_session_user, id_or_422, json_body_or_422
from webapp.channels.leads import put_lead
from webapp.errors import AppError
from webapp.extensions import db
from webapp.health.metrics import count_sync_outcome
from webapp.market.peers import put_peer_record
from webapp.market.surveys import put_survey_response
from webapp.visits.request_context import write_context

bp = Blueprint("records_api", __name__, url_prefix="/api/v1")
bp.before_request(author_is_the_session_user)


def _json_or_415(what: str) -> Any:
    if not request.is_json:
        raise AppError(_("Send the %(what)s as JSON (Content-Type: application/json).", what=what), status=415,
                       code="unsupported_media_type")
    return json_body_or_422()


def _answer(kind: str, status: str, body: dict[str, Any]) -> tuple[Response, int]:
    db.session.commit()
    count_sync_outcome(kind, status)
    return jsonify(body), STATUS_CODES[status]


@bp.put("/leads/<lead_id>")
@login_required
def put_lead_endpoint(lead_id: str) -> tuple[Response, int]:
    parsed = id_or_422(lead_id, "id")
    result = put_lead(write_context(), parsed, _json_or_415(_("lead")))
    lead = result.lead
    body = {"id": lead.id, "status": result.status, "activity_id": lead.activity_id, "merchant_id": lead.merchant_id,
            "existing_merchant": lead.existing_merchant, "assignee": lead.assignee.username}
    return _answer("lead", result.status, body)


@bp.put("/peer-records/<record_id>")
@login_required
def put_peer_record_endpoint(record_id: str) -> tuple[Response, int]:
    parsed = id_or_422(record_id, "id")
    result = put_peer_record(write_context(), parsed, _json_or_415(_("peer record")))
    record = result.record
    body = {"id": record.id, "status": result.status, "bank": record.bank, "product": record.product,
            "district": record.district, "observed_on": record.observed_on.isoformat()}
    return _answer("peer_record", result.status, body)


@bp.put("/survey-responses/<response_id>")
@login_required
def put_survey_response_endpoint(response_id: str) -> tuple[Response, int]:
    parsed = id_or_422(response_id, "id")
    result = put_survey_response(write_context(), parsed, _json_or_415(_("survey answers")))
    response = result.response
    body = {"id": response.id, "status": result.status, "survey_id": response.survey_id,
            "round": response.round.number, "merchant_id": response.merchant_id}
    return _answer("survey_response", result.status, body)
