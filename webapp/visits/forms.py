"""The visit form's flat fields <-> the nested body the one write path takes.

The form only reshapes: every rule lives in webapp.visits.payload, so the page and the JSON API can
never disagree about what a valid visit is. Error paths of that validator ('checkin.lat') are mapped
back to form field names ('checkin_lat') so each message lands beside its field.
"""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from webapp.models import SQUAD_ROLES

CHECKIN_FIELDS = ("lat", "lon", "accuracy_m", "captured_at")
CHECKLIST_FIELDS = ("operating_state", "inventory_level", "fixed_assets", "abnormal", "abnormal_detail")

# Field names the form templates show an error beside; any other error goes to the form's summary.
PLACED_FIELDS = frozenset({
    "kind", "started_at", "squad", *(f"squad_{r}" for r in SQUAD_ROLES),
    "checkin", *(f"checkin_{f}" for f in CHECKIN_FIELDS),
    "effective", "application", "application_product", "application_amount", "deals", "next_step", "follow_up_date",
    "checklist", *(f"checklist_{f}" for f in CHECKLIST_FIELDS),
    "notes", *(f"notes_{r}" for r in SQUAD_ROLES), "note",
})


def _text(form: MultiDict[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def _number_or_text(value: str) -> float | str:
    """A number when it reads as one; otherwise the text itself, so the validator names the field."""
    try:
        return float(value)
    except ValueError:
        return value


def _yes(form: MultiDict[str, str], name: str) -> bool:
    return form.get(name) in ("yes", "on", "1", "true")


def checkin_from_form(form: MultiDict[str, str]) -> dict[str, Any] | None:
    """The hidden fields the check-in widget fills; all empty means the phone gave no location."""
    values = {field: _text(form, f"checkin_{field}") for field in CHECKIN_FIELDS}
    if not any(values.values()):
        return None
    checkin: dict[str, Any] = {field: (_number_or_text(v) if v else None) for field, v in values.items()
                               if field != "captured_at"}
    checkin["captured_at"] = values["captured_at"] or None
    return checkin


def visit_body_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as the API body: merchant_id, kind, squad, started_at, checkin, outcome, notes."""
    kind = _text(form, "kind")
    product, amount = _text(form, "application_product"), _text(form, "application_amount")
    application = None
    if product or amount:
        application = {"product": product, "amount": _number_or_text(amount) if amount else None}
    outcome: dict[str, Any] = {
        "effective": _yes(form, "effective"),
        "application": application,
        "deals": [code for code in form.getlist("deals") if code],
        "next_step": _text(form, "next_step"),
        "follow_up_date": _text(form, "follow_up_date") or None,
    }
    if kind == "post_loan":
        outcome["checklist"] = {
            "operating_state": _text(form, "checklist_operating_state") or None,
            "inventory_level": _text(form, "checklist_inventory_level") or None,
            "fixed_assets": _text(form, "checklist_fixed_assets") or None,
            "abnormal": _yes(form, "checklist_abnormal"),
            "abnormal_detail": _text(form, "checklist_abnormal_detail"),
        }
    merchant_id: Any = _text(form, "merchant_id")
    return {
        "merchant_id": int(merchant_id) if merchant_id.isdigit() else merchant_id,
        "kind": kind,
        "squad": {role: (_text(form, f"squad_{role}").lower() or None) for role in SQUAD_ROLES},
        "started_at": _text(form, "started_at"),
        "checkin": checkin_from_form(form),
        "outcome": outcome,
        "notes": {role: form.get(f"notes_{role}") or "" for role in SQUAD_ROLES},
    }


def confirmation_body_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """A squad member's confirmation: their own check-in and a note."""
    return {"checkin": checkin_from_form(form), "note": form.get("note") or ""}


def form_from_body(body: dict[str, Any]) -> MultiDict[str, str]:
    """A stored canonical body as form values: posting them back unchanged is a replay, not an edit."""
    form: MultiDict[str, str] = MultiDict()
    form["merchant_id"] = str(body["merchant_id"])
    form["kind"] = body.get("kind") or ""
    for role in SQUAD_ROLES:
        form[f"squad_{role}"] = (body.get("squad") or {}).get(role) or ""
        form[f"notes_{role}"] = (body.get("notes") or {}).get(role) or ""
    form["started_at"] = body.get("started_at") or ""
    checkin = body.get("checkin") or {}
    for field in CHECKIN_FIELDS:
        value = checkin.get(field)
        form[f"checkin_{field}"] = "" if value is None else str(value)
    outcome = body.get("outcome") or {}
    form["effective"] = "yes" if outcome.get("effective") else "no"
    application = outcome.get("application") or {}
    form["application_product"] = application.get("product") or ""
    amount = application.get("amount")
    form["application_amount"] = "" if amount is None else (
        str(int(amount)) if float(amount).is_integer() else str(amount))
    for code in outcome.get("deals") or []:
        form.add("deals", code)
    form["next_step"] = outcome.get("next_step") or ""
    form["follow_up_date"] = outcome.get("follow_up_date") or ""
    checklist = outcome.get("checklist") or {}
    for field in ("operating_state", "inventory_level", "fixed_assets", "abnormal_detail"):
        form[f"checklist_{field}"] = checklist.get(field) or ""
    form["checklist_abnormal"] = "yes" if checklist.get("abnormal") else "no"
    return form


def field_name(path: str) -> str:
    """'outcome.application.amount' -> 'application_amount'; 'checkin.lat' -> 'checkin_lat'."""
    if path.startswith("outcome."):
        path = path[len("outcome."):]
    return path.replace(".", "_")


def form_errors(errors: dict[str, str]) -> dict[str, str]:
    """Validator errors keyed by the form field they belong beside."""
    placed: dict[str, str] = {}
    for path, message in errors.items():
        placed.setdefault(field_name(path), message)
    return placed


def unplaced_errors(errors: dict[str, str]) -> list[str]:
    """Errors no field shows (a hidden started_at, a missing merchant): the form's summary lists them."""
    return [message for name, message in errors.items() if name not in PLACED_FIELDS]
