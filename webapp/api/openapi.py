"""The OpenAPI 3 description of API v1, written by hand so that it says what the server promises."""
from __future__ import annotations

from typing import Any

from webapp.api.record_docs import record_paths, record_schemas
from webapp.models import CHECKIN_STATUSES, FLAG_CODES, PHOTO_CATEGORIES, VISIT_KINDS
from webapp.postloan.visit_payload import post_loan_schema
from webapp.visits.payload import DEAL_PRODUCTS, FIXED_ASSET_STATES, INVENTORY_LEVELS, OPERATING_STATES


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


# While an admin requires a new password, every call but this document answers 403 password_change_required.
PASSWORD_CHANGE = "a new password is required first (error password_change_required, change_url)"
CHANGE_REQUIRED = _error(PASSWORD_CHANGE[0].upper() + PASSWORD_CHANGE[1:])

# Every write checks X-CSRFToken before anything else (a session without the header is refused); a form whose
# field names cannot be read is refused before that.
CSRF_ERROR = _error("Missing or wrong X-CSRFToken header (csrf), or a form field without a readable name "
                    "(unreadable_form)")
SESSION_ERROR = _error("Session ended (unauthenticated), or X-Expected-User names another user (wrong_user)")
UUID_PARAM = {"schema": {"type": "string", "format": "uuid"}, "required": True, "in": "path"}
CLIENT_HEADERS = [
    {"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "The token of the page's <meta name=csrf-token>."},
    {"name": "X-Client-Time", "in": "header", "required": False, "schema": {"type": "string", "format": "date-time"},
     "description": "The device clock when this request was sent (not captured): used for the clock_skew flag."},
    {"name": "X-Device-Id", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 64},
     "description": "A random id the app keeps per installation: used for the squad_single_device flag."},
    {"name": "X-Expected-User", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "The username that recorded a queued item: a session of another user gets 401 wrong_user."},
]


def openapi_document() -> dict[str, Any]:
    checkin = {
        "type": "object", "required": ["lat", "lon", "accuracy_m", "captured_at"],
        "properties": {
            "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS-84"},
            "lon": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS-84"},
            "accuracy_m": {"type": "number", "minimum": 0, "description": "95% radius in metres"},
            "captured_at": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "小微外勤 API", "version": "1",
                 "description": "Idempotent writes keyed by client-made UUIDs. Session cookie plus X-CSRFToken."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "xw_session"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "etag": {"type": "string", "nullable": True},
                    "change_url": {"type": "string", "description": "With password_change_required: the page "
                                   "where the user chooses a new password."}}},
                "Checkin": checkin,
                "VisitBody": {
                    "type": "object", "required": ["merchant_id", "kind", "squad", "started_at"],
                    "properties": {
                        "merchant_id": {"type": "integer"},
                        "kind": {"type": "string", "enum": list(VISIT_KINDS)},
                        "squad": {"type": "object", "required": ["lead"], "properties": {
                            "lead": {"type": "string"}, "support": {"type": "string", "nullable": True},
                            "observer": {"type": "string", "nullable": True}}},
                        "started_at": {"type": "string", "format": "date-time"},
                        "checkin": {**checkin, "nullable": True},
                        "outcome": {"type": "object", "properties": {
                            "effective": {"type": "boolean"},
                            "application": {"type": "object", "nullable": True, "properties": {
                                "product": {"type": "string", "maxLength": 60},
                                "amount": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}},
                            "deals": {"type": "array", "items": {"type": "string", "enum": list(DEAL_PRODUCTS)}},
                            "next_step": {"type": "string", "maxLength": 500},
                            "follow_up_date": {"type": "string", "format": "date", "nullable": True},
                            "checklist": {"type": "object", "description": "required for post_loan", "properties": {
                                "operating_state": {"type": "string", "enum": list(OPERATING_STATES)},
                                "inventory_level": {"type": "string", "enum": list(INVENTORY_LEVELS)},
                                "fixed_assets": {"type": "string", "enum": list(FIXED_ASSET_STATES)},
                                "abnormal": {"type": "boolean"},
                                "abnormal_detail": {"type": "string", "maxLength": 2000}}}}},
                        "notes": {"type": "object", "properties": {
                            role: {"type": "string", "maxLength": 2000} for role in ("lead", "support", "observer")}},
                        "post_loan": post_loan_schema(),
                    },
                },
                "Flag": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "code": {"type": "string", "enum": list(FLAG_CODES)}, "detail": {"type": "string"},
                    "evidence": {"type": "object", "description": (
                        "What the flag found. photo_reused/photo_same_scene: verdict, why, transform (scale, "
                        "rotation_deg, mirrored, shows, crop), region (this/other polygons, fractions of each "
                        "photo), figures, photos (this/other with thumb_url and display_url). report_copied: both "
                        "texts and their shared spans. Ids of visits, photos and reports the reader may not open "
                        "are left out and counted instead (visits_hidden, matches_hidden, other_visit_hidden, "
                        "other_hidden, earlier_hidden).")},
                    "photo_id": {"type": "string", "nullable": True},
                    "checkin_id": {"type": "integer", "nullable": True,
                                   "description": "The check-in this flag rates (check-in flags only)"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "superseded_at": {"type": "string", "format": "date-time", "nullable": True,
                                      "description": "Set when a later body replaced the check-in it rates"}}},
                "CheckinRecord": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "by": {"type": "string", "description": "whose phone sent it"},
                    "visit_version": {"type": "integer"},
                    "status": {"type": "string", "enum": list(CHECKIN_STATUSES)},
                    "distance_m": {"type": "number", "nullable": True},
                    "accuracy_m": {"type": "number", "nullable": True},
                    "lat": {"type": "number", "nullable": True}, "lon": {"type": "number", "nullable": True},
                    "captured_at": {"type": "string", "format": "date-time", "nullable": True},
                    "received_at": {"type": "string", "format": "date-time"},
                    "superseded_at": {"type": "string", "format": "date-time", "nullable": True}}},
                "Photo": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "category": {"type": "string", "enum": list(PHOTO_CATEGORIES)},
                    "sha256": {"type": "string"}, "phash": {"type": "string"},
                    "flags": {"type": "array", "items": {"$ref": "#/components/schemas/Flag"}},
                    "display_url": {"type": "string"}, "thumb_url": {"type": "string"}}},
                "Visit": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "merchant_id": {"type": "integer"},
                    "kind": {"type": "string", "enum": list(VISIT_KINDS)},
                    "checkin": {"type": "object", "properties": {
                        "status": {"type": "string", "enum": list(CHECKIN_STATUSES)},
                        "distance_m": {"type": "number", "nullable": True},
                        "accuracy_m": {"type": "number", "nullable": True}}},
                    "checkins": {"type": "array", "items": {"$ref": "#/components/schemas/CheckinRecord"},
                                 "description": "Every check-in of the visit, oldest first; all but the newest "
                                                "superseded"},
                    "flags": {"type": "array", "items": {"$ref": "#/components/schemas/Flag"},
                              "description": "Flags about the visit's evidence as it stands"},
                    "superseded_flags": {"type": "array", "items": {"$ref": "#/components/schemas/Flag"},
                                         "description": "Flags of check-ins a later body replaced, kept"},
                    "photos": {"type": "array", "items": {"$ref": "#/components/schemas/Photo"}},
                    "squad": {"type": "object"}, "outcome": {"type": "object"}, "notes": {"type": "object"},
                    "version": {"type": "integer"}, "etag": {"type": "string"}}},
                "Held": {"type": "object", "properties": {
                    "status": {"type": "string", "enum": ["held"]}, "id": {"type": "string", "format": "uuid"},
                    "visit_id": {"type": "string", "format": "uuid"}, "sha256": {"type": "string"},
                    "message": {"type": "string"}}},
                **record_schemas(),
                "Merchant": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "address": {"type": "string"},
                    "district": {"type": "string"}, "lat": {"type": "number", "nullable": True},
                    "lon": {"type": "number", "nullable": True}, "phone": {"type": "string", "description": "masked"}}},
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/visits/{visit_id}": {
                "parameters": [{"name": "visit_id", **UUID_PARAM}],
                "put": {
                    "summary": "Create or replay a visit; update it with If-Match",
                    "parameters": [*CLIENT_HEADERS, {"name": "If-Match", "in": "header", "required": False,
                                                      "schema": {"type": "string"}}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/VisitBody"}}}},
                    "responses": {
                        "201": _json("Visit", "Created"), "200": _json("Visit", "Same body again, or updated"),
                        "400": CSRF_ERROR, "401": SESSION_ERROR,
                        "403": _error(f"Not allowed for this user, or {PASSWORD_CHANGE}"),
                        "404": _error("Unknown merchant or visit, or out of scope"),
                        "409": _error("Exists with a different body; etag names the current version"),
                        "415": _error("Not JSON"), "422": _error("Invalid fields"),
                    },
                },
                "get": {"summary": "The visit with rating, flags, photos, squad and version",
                        "responses": {"200": _json("Visit", "The visit"), "401": SESSION_ERROR,
                                      "403": CHANGE_REQUIRED, "404": _error("Unknown or out of scope")}},
            },
            "/visits/{visit_id}/photos/{photo_id}": {
                "parameters": [{"name": "visit_id", **UUID_PARAM}, {"name": "photo_id", **UUID_PARAM}],
                "put": {
                    "summary": "Upload one photo of a visit (idempotent by photo id and bytes)",
                    "parameters": CLIENT_HEADERS,
                    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["file", "category", "captured_at"], "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "category": {"type": "string", "enum": list(PHOTO_CATEGORIES)},
                            "captured_at": {"type": "string", "format": "date-time"},
                            "exif_taken_at": {"type": "string", "description": "EXIF time read on the phone; "
                                              "without a zone it is China time"},
                            "exif_lat": {"type": "number"}, "exif_lon": {"type": "number"},
                            "exif_device": {"type": "string", "maxLength": 120}}}}}},
                    "responses": {
                        "201": _json("Photo", "Stored"), "200": _json("Photo", "Same bytes again"),
                        "202": {"description": "The visit has not arrived yet: the photo is held durably and "
                                               "attached when it does (same bytes again: 202 again)",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Held"}}}},
                        "400": CSRF_ERROR, "401": SESSION_ERROR,
                        "403": _error(f"Not a squad member, or {PASSWORD_CHANGE}"),
                        "404": _error("Visit out of scope (or unknown, for a role that records no visits)"),
                        "409": _error("Different bytes for this id"),
                        "413": _error("Too large"), "415": _error("Not a JPEG, PNG or HEIC"),
                        "429": _error("Too many photos of this user are held waiting for their visits"),
                        "422": _error("Corrupt, truncated, too many pixels, or invalid fields"),
                    },
                },
            },
            "/visits/{visit_id}/confirmations/{username}": {
                "parameters": [{"name": "visit_id", **UUID_PARAM},
                               {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
                "put": {
                    "summary": "A support or observer confirms their part with their own check-in",
                    "parameters": CLIENT_HEADERS,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "checkin": {**checkin, "nullable": True},
                            "note": {"type": "string", "maxLength": 2000}}}}}},
                    "responses": {
                        "201": _json("Visit", "Confirmed"), "200": _json("Visit", "Same confirmation again"),
                        "400": CSRF_ERROR, "401": SESSION_ERROR,
                        "403": _error(f"Not this user, or not support/observer, or {PASSWORD_CHANGE}"),
                        "404": _error("Unknown visit or out of scope"), "409": _error("Confirmed differently before"),
                        "422": _error("Invalid fields"),
                    },
                },
            },
            "/merchants": {
                "get": {"summary": "The merchants the user may see (phones masked)",
                        "responses": {"200": {"description": "Merchants", "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"merchants": {"type": "array", "items": {
                                "$ref": "#/components/schemas/Merchant"}}}}}}},
                            "401": SESSION_ERROR, "403": CHANGE_REQUIRED}},
            },
            **record_paths(),
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        },
    }
