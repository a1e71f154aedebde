"""The OpenAPI description of the field-record PUTs (webapp/api/records.py): leads, peer records, survey answers."""
from __future__ import annotations

from typing import Any

from webapp.models import PEER_SOURCES, PRODUCT_CATEGORIES, REPAYMENT_METHODS
from webapp.visits.payload import DEAL_PRODUCTS

_TEXT = {"type": "string"}
_WHEN = {"type": "string", "format": "date-time", "description": "When it was recorded on the phone (no zone: "
                                                                  "China time); not in the future"}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


def record_schemas() -> dict[str, Any]:
    return {
        "LeadBody": {"type": "object", "required": ["activity_id", "name", "phone", "need", "captured_at"],
                     "properties": {
                         "activity_id": {"type": "integer"}, "name": _text(100), "contact_name": _text(40),
                         "phone": {"type": "string", "pattern": r"^\+?[0-9][0-9\- ]{5,19}$"}, "need": _text(500),
                         "need_product": {"type": "string", "enum": list(DEAL_PRODUCTS), "nullable": True},
                         "industry": _text(40), "district": _text(60), "address": _text(200),
                         "assignee": {"type": "string", "description": "username; default the sender"},
                         "captured_at": _WHEN}},
        "Lead": {"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"}, "status": _TEXT, "activity_id": {"type": "integer"},
            "merchant_id": {"type": "integer"}, "existing_merchant": {"type": "boolean"}, "assignee": _TEXT}},
        "PeerRecordBody": {"type": "object", "required": ["bank", "product", "category", "source", "observed_on"],
                           "properties": {
                               "merchant_id": {"type": "integer", "nullable": True}, "district": _text(60),
                               "bank": _text(60), "product": _text(60),
                               "category": {"type": "string", "enum": list(PRODUCT_CATEGORIES)},
                               "rate": {"type": "string", "description": "annual rate in percent, e.g. 3.85"},
                               "repayment_method": {"type": "string", "enum": list(REPAYMENT_METHODS)},
                               "entry_threshold": _text(300), "max_amount": {"type": "string", "description": "yuan"},
                               "max_term_months": {"type": "integer", "minimum": 1, "maximum": 360},
                               "strengths": _text(500), "weaknesses": _text(500), "marketing_strategy": _text(500),
                               "source": {"type": "string", "enum": list(PEER_SOURCES)},
                               "observed_on": {"type": "string", "format": "date"}}},
        "PeerRecord": {"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"}, "status": _TEXT, "bank": _TEXT, "product": _TEXT,
            "district": _TEXT, "observed_on": {"type": "string", "format": "date"}}},
        "SurveyResponseBody": {"type": "object", "required": ["survey_id", "round", "merchant_id", "answered_at",
                                                              "answers"],
                               "properties": {
                                   "survey_id": {"type": "integer"}, "round": {"type": "integer"},
                                   "merchant_id": {"type": "integer"}, "answered_at": _WHEN,
                                   "answers": {"type": "object", "description": "question id -> a choice, a list of "
                                               "choices or months (1-12), a number, or text"}}},
        "SurveyResponse": {"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"}, "status": _TEXT, "survey_id": {"type": "integer"},
            "round": {"type": "integer"}, "merchant_id": {"type": "integer"}}},
    }


def _put(summary: str, body: str, answer: str, missing: str | None) -> dict[str, Any]:
    from webapp.api.openapi import CLIENT_HEADERS, CSRF_ERROR, PASSWORD_CHANGE, SESSION_ERROR, _error, _json

    responses: dict[str, Any] = {
        "201": _json(answer, "Stored"), "200": _json(answer, "The same body again"),
        "400": CSRF_ERROR, "401": SESSION_ERROR,
        "403": _error(f"Not a manager or team lead, or {PASSWORD_CHANGE}"),
        "409": _error("Another body under this id (or, for answers, the merchant answered this round)"),
        "415": _error("Not JSON"), "422": _error("Invalid fields"),
    }
    if missing is not None:
        responses["404"] = _error(missing)
    return {
        "summary": summary, "parameters": CLIENT_HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}},
        "responses": responses,
    }


def record_paths() -> dict[str, Any]:
    from webapp.api.openapi import UUID_PARAM

    return {
        "/leads/{lead_id}": {"parameters": [{"name": "lead_id", **UUID_PARAM}], "put": _put(
            "A lead captured at a marketing activity: becomes an assigned prospect merchant", "LeadBody", "Lead",
            "Unknown activity, or out of scope")},
        "/peer-records/{record_id}": {"parameters": [{"name": "record_id", **UUID_PARAM}], "put": _put(
            "A peer bank's product as heard during a visit or at a desk", "PeerRecordBody", "PeerRecord", None)},
        "/survey-responses/{response_id}": {"parameters": [{"name": "response_id", **UUID_PARAM}], "put": _put(
            "A merchant's answers to a needs survey in one round", "SurveyResponseBody", "SurveyResponse",
            "Unknown survey, or out of scope")},
    }
