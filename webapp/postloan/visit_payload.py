"""The post-loan part of a visit body: which loan and scheduled check the visit fulfils, and the checklist of
the three places the guide names (premises compared with the last check, residence, related persons), with
the use of funds.

Optional and additive: a body without ``post_loan`` is exactly the body it always was (same clean form, same
hash), so visits queued on phones before this existed replay unchanged. The same shape comes from the JSON
API, the offline outbox (static/js/postloan-visit.js) and the server-rendered form (``post_loan_from_form``).
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp.models import PERSON_KINDS
from webapp.write_kernel import FieldErrors, choice_field, text_field

INVENTORY_COMPARISONS = ("higher", "same", "lower", "much_lower")
CONTACT_MODES = ("met", "called", "unreachable")
MAX_PERSONS = 10
FORM_PERSON_ROWS = 3
MAX_TEXT = 500
MAX_ID = 2**31 - 1


def _id(value: Any, path: str, errors: FieldErrors, *, required: bool) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if value in (None, ""):
        if required:
            errors.add(path, _("Required."))
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        errors.add(path, _("Not a valid id."))
        return None
    return value


def _text(value: Any, path: str, errors: FieldErrors, *, required: bool = False) -> str:
    return text_field(value, path, errors, MAX_TEXT, required=required)


def _yes_no(value: Any, path: str, errors: FieldErrors, *, required: bool = False) -> bool | None:
    if value in (None, ""):
        if required:
            errors.add(path, _("Required."))
        return None
    if not isinstance(value, bool):
        errors.add(path, _("Expected yes or no."))
        return None
    return value


def parse_post_loan(raw: Any, kind: str | None, errors: FieldErrors) -> dict[str, Any] | None:
    """The clean post-loan block, or None when the body has none. Only a post-loan visit may carry one."""
    if raw in (None, {}):
        return None
    if kind != "post_loan":
        errors.add("post_loan", _("Only a post-loan inspection is linked to a loan."))
        return None
    if not isinstance(raw, dict):
        errors.add("post_loan", _("Expected the post-loan part as an object."))
        return None
    block: dict[str, Any] = {
        "loan_id": _id(raw.get("loan_id"), "post_loan.loan_id", errors, required=True),
        "check_id": _id(raw.get("check_id"), "post_loan.check_id", errors, required=False),
        "inventory_vs_last": choice_field(raw.get("inventory_vs_last"), "post_loan.inventory_vs_last", errors,
                                     INVENTORY_COMPARISONS),
        "residence": _residence(raw.get("residence"), errors),
        "related_persons": _persons(raw.get("related_persons"), errors),
        "use_of_funds": _funds(raw.get("use_of_funds"), errors),
    }
    return block


def _residence(raw: Any, errors: FieldErrors) -> dict[str, Any] | None:
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        errors.add("post_loan.residence", _("Expected the residence check as an object."))
        return None
    visited = _yes_no(raw.get("visited"), "post_loan.residence.visited", errors, required=True)
    lives = _yes_no(raw.get("still_lives_there"), "post_loan.residence.still_lives_there", errors)
    note = _text(raw.get("note"), "post_loan.residence.note", errors)
    if lives is False and not note:
        errors.add("post_loan.residence.note", _("Say what you learned about the move."))
    return {"visited": visited, "still_lives_there": lives, "note": note}


def _persons(raw: Any, errors: FieldErrors) -> list[dict[str, Any]]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        errors.add("post_loan.related_persons", _("Expected a list of persons."))
        return []
    if len(raw) > MAX_PERSONS:
        errors.add("post_loan.related_persons", _("At most %(limit)d persons.", limit=MAX_PERSONS))
        return []
    persons = []
    for index, item in enumerate(raw):
        path = f"post_loan.related_persons.{index}"
        if not isinstance(item, dict):
            errors.add(path, _("Expected a person as an object."))
            continue
        relation = choice_field(item.get("relation"), f"{path}.relation", errors, PERSON_KINDS)
        if relation is None and f"{path}.relation" not in errors.items:
            errors.add(f"{path}.relation", _("Required."))
        contact = choice_field(item.get("contact"), f"{path}.contact", errors, CONTACT_MODES)
        if contact is None and f"{path}.contact" not in errors.items:
            errors.add(f"{path}.contact", _("Required."))
        name = _text(item.get("name"), f"{path}.name", errors)
        said = _text(item.get("said"), f"{path}.said", errors)
        if contact in ("met", "called") and not said:
            errors.add(f"{path}.said", _("Write down what they said."))
        persons.append({"relation": relation, "name": name[:40], "contact": contact, "said": said})
    return persons


def _funds(raw: Any, errors: FieldErrors) -> dict[str, Any] | None:
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        errors.add("post_loan.use_of_funds", _("Expected the use of funds as an object."))
        return None
    return {
        "spent_on": _text(raw.get("spent_on"), "post_loan.use_of_funds.spent_on", errors, required=True),
        "matches_purpose": _yes_no(raw.get("matches_purpose"), "post_loan.use_of_funds.matches_purpose", errors,
                                   required=True),
        "note": _text(raw.get("note"), "post_loan.use_of_funds.note", errors),
    }


# The form's flat fields. Names are the validator's paths with "_" for ".", so errors land beside them.

def _yes_no_field(form: MultiDict[str, str], name: str) -> bool | str | None:
    value = (form.get(name) or "").strip()
    return {"yes": True, "no": False, "": None}.get(value, value)


def post_loan_from_form(form: MultiDict[str, str]) -> dict[str, Any] | None:
    """The post-loan block from the visit form, or None when the form links no loan."""
    def text(name: str) -> str:
        return (form.get(f"post_loan_{name}") or "").strip()

    if not text("loan_id"):
        return None
    residence: dict[str, Any] | None = None
    if text("residence_visited") or text("residence_still_lives_there") or text("residence_note"):
        residence = {"visited": _yes_no_field(form, "post_loan_residence_visited"),
                     "still_lives_there": _yes_no_field(form, "post_loan_residence_still_lives_there"),
                     "note": text("residence_note")}
    persons = []
    for index in range(FORM_PERSON_ROWS):
        row = {key: text(f"related_persons_{index}_{key}") for key in ("relation", "name", "contact", "said")}
        if any(row.values()):
            persons.append({key: (value or None) if key in ("relation", "contact") else value
                            for key, value in row.items()})
    funds: dict[str, Any] | None = None
    if text("use_of_funds_spent_on") or text("use_of_funds_matches_purpose"):
        funds = {"spent_on": text("use_of_funds_spent_on"),
                 "matches_purpose": _yes_no_field(form, "post_loan_use_of_funds_matches_purpose"),
                 "note": text("use_of_funds_note")}
    return {"loan_id": text("loan_id"), "check_id": text("check_id") or None,
            "inventory_vs_last": text("inventory_vs_last") or None, "residence": residence,
            "related_persons": persons, "use_of_funds": funds}


def form_from_post_loan(block: dict[str, Any] | None) -> dict[str, str]:
    """A stored block as form values (the edit page), so posting it back unchanged is a replay."""
    if not block:
        return {}
    values = {"post_loan_loan_id": str(block.get("loan_id") or ""),
              "post_loan_check_id": str(block.get("check_id") or ""),
              "post_loan_inventory_vs_last": block.get("inventory_vs_last") or ""}
    word = {True: "yes", False: "no", None: ""}
    residence = block.get("residence") or {}
    values["post_loan_residence_visited"] = word[residence.get("visited")] if residence else ""
    values["post_loan_residence_still_lives_there"] = word[residence.get("still_lives_there")] if residence else ""
    values["post_loan_residence_note"] = residence.get("note") or ""
    for index, person in enumerate((block.get("related_persons") or [])[:FORM_PERSON_ROWS]):
        for key in ("relation", "name", "contact", "said"):
            values[f"post_loan_related_persons_{index}_{key}"] = person.get(key) or ""
    funds = block.get("use_of_funds") or {}
    values["post_loan_use_of_funds_spent_on"] = funds.get("spent_on") or ""
    values["post_loan_use_of_funds_matches_purpose"] = word[funds.get("matches_purpose")] if funds else ""
    values["post_loan_use_of_funds_note"] = funds.get("note") or ""
    return values


PLACED_FIELDS = frozenset({
    "post_loan", "post_loan_loan_id", "post_loan_check_id", "post_loan_inventory_vs_last",
    "post_loan_residence_visited", "post_loan_residence_still_lives_there", "post_loan_residence_note",
    "post_loan_use_of_funds_spent_on", "post_loan_use_of_funds_matches_purpose", "post_loan_use_of_funds_note",
    *(f"post_loan_related_persons_{i}_{key}" for i in range(FORM_PERSON_ROWS)
      for key in ("relation", "name", "contact", "said")),
})


def post_loan_schema() -> dict[str, Any]:
    """The OpenAPI description of the post-loan part (webapp.api.openapi includes it in VisitBody)."""
    yes_no = {"type": "boolean", "nullable": True}
    text = {"type": "string", "maxLength": MAX_TEXT}
    return {
        "type": "object", "nullable": True, "required": ["loan_id"],
        "description": "Only for kind post_loan, and optional: the loan and the scheduled check the visit fulfils "
                       "(without check_id, the loan's on-site check due first), and the checklist of the three "
                       "places. A body without it is the body it always was (same hash).",
        "properties": {
            "loan_id": {"type": "integer"},
            "check_id": {"type": "integer", "nullable": True},
            "inventory_vs_last": {"type": "string", "enum": list(INVENTORY_COMPARISONS), "nullable": True},
            "residence": {"type": "object", "nullable": True, "required": ["visited"], "properties": {
                "visited": {"type": "boolean"}, "still_lives_there": yes_no, "note": text}},
            "related_persons": {"type": "array", "maxItems": MAX_PERSONS, "items": {
                "type": "object", "required": ["relation", "contact"], "properties": {
                    "relation": {"type": "string", "enum": list(PERSON_KINDS)},
                    "name": {"type": "string", "maxLength": 40},
                    "contact": {"type": "string", "enum": list(CONTACT_MODES)},
                    "said": {**text, "description": "required when met or called"}}}},
            "use_of_funds": {"type": "object", "nullable": True, "required": ["spent_on", "matches_purpose"],
                             "properties": {"spent_on": text, "matches_purpose": {"type": "boolean"},
                                            "note": text}},
        },
    }
