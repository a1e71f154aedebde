"""Parsing and validating a visit body, the same for the JSON API and the htmx form.

The clean body is canonical (sorted keys, normalised values), so that "the same body again" can be
told from "a different body" by a hash, whatever key order or spacing the client used.
"""
from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from webapp.bank_time import parse_day
from webapp.models import SQUAD_ROLES, VISIT_KINDS
from webapp.postloan.visit_payload import parse_post_loan
from webapp.write_kernel import FieldErrors, Invalid, choice_field, text_field

DEAL_PRODUCTS = (
    "loan",
    "pension_account",
    "credit_card",
    "wealth_product",
    "bill_payment",
    "aggregated_qr",
    "merchant_acquiring",
    "account_opening",
)
OPERATING_STATES = ("normal", "reduced", "suspended", "closed")
INVENTORY_LEVELS = ("full", "normal", "low", "empty")
FIXED_ASSET_STATES = ("unchanged", "increased", "decreased")
MAX_NOTE = 2000
MAX_SHORT_TEXT = 500
MAX_AMOUNT = 100_000_000
MAX_ID = 2**31 - 1  # ids are 32-bit integers; a bigger number would overflow SQLite's driver (a 500)
FUTURE_LIMIT = timedelta(hours=24)
PAST_LIMIT = timedelta(days=60)
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def parse_time(
    value: Any, path: str, errors: FieldErrors, *, now: datetime | None, required: bool = True,
) -> str | None:
    """An ISO 8601 time with a zone, returned as UTC ISO text. With ``now`` it must also lie in the
    plausible window (not far in the future nor absurdly old); without, only its form is checked, so
    that a replay of a record accepted long ago is still recognised as the same record."""
    if value in (None, ""):
        if required:
            errors.add(path, _("Required."))
        return None
    if not isinstance(value, str):
        errors.add(path, _("Expected a date and time such as 2026-11-28T09:30:00+08:00."))
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.add(path, _("Expected a date and time such as 2026-11-28T09:30:00+08:00."))
        return None
    if moment.tzinfo is None:
        errors.add(path, _("The time must carry its time zone."))
        return None
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        # Year 1 or 9999 pushed past the calendar by its offset: a 500 here would crash the request.
        if moment.year > (now or datetime.now(UTC)).year:
            errors.add(path, _("This time is in the future. Check the phone's date and time."))
        else:
            errors.add(path, _("This time is more than 60 days ago."))
        return None
    if now is not None and not _within_window(moment, path, errors, now):
        return None
    return moment.isoformat(timespec="seconds")


def _within_window(moment: datetime, path: str, errors: FieldErrors, now: datetime) -> bool:
    if moment > now + FUTURE_LIMIT:
        errors.add(path, _("This time is in the future. Check the phone's date and time."))
        return False
    if moment < now - PAST_LIMIT:
        errors.add(path, _("This time is more than 60 days ago."))
        return False
    return True


def check_time_window(times: dict[str, str | None], *, now: datetime) -> None:
    """The plausibility window for times a write is about to store (path -> UTC ISO text from parse_time).
    Checked when a record is created or its times change, never on a replay of what is already stored."""
    errors = FieldErrors()
    for path, text in times.items():
        if text is not None:
            _within_window(datetime.fromisoformat(text), path, errors, now)
    if errors.items:
        raise Invalid(errors.items)


def body_times(body: dict[str, Any]) -> dict[str, str | None]:
    checkin = body.get("checkin")
    return {"started_at": body.get("started_at"),
            "checkin.captured_at": checkin["captured_at"] if checkin else None}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_checkin(value: Any, path: str, errors: FieldErrors, *, now: datetime | None) -> dict[str, Any] | None:
    """A phone's fix: WGS-84 lat/lon, accuracy radius in metres (95%), when the phone took it."""
    if value in (None, {}):
        return None
    if not isinstance(value, dict):
        errors.add(path, _("Expected the check-in as an object."))
        return None
    lat, lon, accuracy = _number(value.get("lat")), _number(value.get("lon")), _number(value.get("accuracy_m"))
    if lat is None or not -90 <= lat <= 90:
        errors.add(f"{path}.lat", _("Latitude must be a number between -90 and 90."))
    if lon is None or not -180 <= lon <= 180:
        errors.add(f"{path}.lon", _("Longitude must be a number between -180 and 180."))
    if accuracy is None or accuracy < 0 or accuracy > 100_000:
        errors.add(f"{path}.accuracy_m", _("Accuracy must be a number of metres, zero or more."))
    captured = parse_time(value.get("captured_at"), f"{path}.captured_at", errors, now=now)
    if lat is None or lon is None or accuracy is None or any(key.startswith(path + ".") for key in errors.items):
        return None
    return {"lat": round(lat, 7), "lon": round(lon, 7), "accuracy_m": round(accuracy, 1), "captured_at": captured}


def _outcome(value: Any, kind: str | None, errors: FieldErrors) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        errors.add("outcome", _("Expected the outcome as an object."))
        return {}
    effective = value.get("effective", False)
    if not isinstance(effective, bool):
        errors.add("outcome.effective", _("Expected yes or no."))
        effective = False
    application = None
    raw_app = value.get("application")
    if raw_app not in (None, {}):
        if not isinstance(raw_app, dict):
            errors.add("outcome.application", _("Expected the application as an object."))
        else:
            product = text_field(raw_app.get("product"), "outcome.application.product", errors, 60)
            amount = _number(raw_app.get("amount"))
            if not product:
                errors.add("outcome.application.product", _("Name the product applied for."))
            if amount is None or amount <= 0 or amount > MAX_AMOUNT:
                errors.add("outcome.application.amount", _("The amount must be a positive number of yuan."))
            else:
                application = {"product": product, "amount": round(amount, 2)}
    deals_raw = value.get("deals") or []
    deals: list[str] = []
    if not isinstance(deals_raw, list):
        errors.add("outcome.deals", _("Expected a list of products."))
    else:
        for item in deals_raw:
            if item not in DEAL_PRODUCTS:
                errors.add("outcome.deals", _("Unknown product: %(code)s.", code=str(item)[:40]))
            elif item not in deals:
                deals.append(item)
    follow_up = value.get("follow_up_date")
    follow_up_date = None
    if follow_up not in (None, ""):
        try:
            follow_up_date = parse_day(str(follow_up)).isoformat()
        except ValueError as fault:
            errors.add("outcome.follow_up_date", str(fault))
    outcome: dict[str, Any] = {
        "effective": effective,
        "application": application,
        "deals": sorted(deals),
        "next_step": text_field(value.get("next_step"), "outcome.next_step", errors, MAX_SHORT_TEXT),
        "follow_up_date": follow_up_date,
    }
    checklist = value.get("checklist")
    if kind == "post_loan" and checklist not in (None, {}):
        if not isinstance(checklist, dict):
            errors.add("outcome.checklist", _("Expected the checklist as an object."))
        else:
            abnormal = checklist.get("abnormal", False)
            if not isinstance(abnormal, bool):
                errors.add("outcome.checklist.abnormal", _("Expected yes or no."))
                abnormal = False
            outcome["checklist"] = {
                "operating_state": choice_field(checklist.get("operating_state"), "outcome.checklist.operating_state",
                                           errors, OPERATING_STATES, required=True),
                "inventory_level": choice_field(checklist.get("inventory_level"), "outcome.checklist.inventory_level",
                                           errors, INVENTORY_LEVELS, required=True),
                "fixed_assets": choice_field(checklist.get("fixed_assets"), "outcome.checklist.fixed_assets",
                                        errors, FIXED_ASSET_STATES, required=True),
                "abnormal": abnormal,
                "abnormal_detail": text_field(checklist.get("abnormal_detail"), "outcome.checklist.abnormal_detail",
                                         errors, MAX_NOTE),
            }
            if abnormal and not outcome["checklist"]["abnormal_detail"]:
                errors.add("outcome.checklist.abnormal_detail", _("Describe what was abnormal."))
    elif kind == "post_loan":
        errors.add("outcome.checklist", _("A post-loan inspection needs the on-site checklist."))
    return outcome


def _squad(value: Any, errors: FieldErrors) -> dict[str, str | None]:
    if not isinstance(value, dict):
        errors.add("squad", _("Expected the squad as an object with lead, support and observer."))
        return {"lead": None, "support": None, "observer": None}
    squad: dict[str, str | None] = {}
    for role in ("lead", "support", "observer"):
        name = value.get(role)
        if name in (None, ""):
            squad[role] = None
            continue
        if not isinstance(name, str) or not USERNAME_RE.match(name):
            errors.add(f"squad.{role}", _("Not a username."))
            squad[role] = None
            continue
        squad[role] = name.lower()
    if squad["lead"] is None and "squad.lead" not in errors.items:
        errors.add("squad.lead", _("Required."))
    named = [n for n in squad.values() if n]
    if len(named) != len(set(named)):
        errors.add("squad", _("One person cannot take two roles in a squad."))
    return squad


def parse_visit_body(raw: Any, *, now: datetime | None) -> dict[str, Any]:
    """The clean, canonical visit body; raises Invalid with every field error found."""
    errors = FieldErrors()
    if not isinstance(raw, dict):
        raise Invalid({"body": _("Expected a JSON object.")})
    merchant_id = raw.get("merchant_id")
    if isinstance(merchant_id, str) and merchant_id.isdigit():
        merchant_id = int(merchant_id)
    if not isinstance(merchant_id, int) or isinstance(merchant_id, bool) or not 0 < merchant_id <= MAX_ID:
        errors.add("merchant_id", _("Required: the merchant's id."))
    kind = choice_field(raw.get("kind"), "kind", errors, VISIT_KINDS, required=True)
    notes_raw = raw.get("notes") or {}
    notes: dict[str, str] = {}
    if not isinstance(notes_raw, dict):
        errors.add("notes", _("Expected the notes as an object with lead, support and observer."))
    else:
        for role in SQUAD_ROLES:
            text = text_field(notes_raw.get(role), f"notes.{role}", errors, MAX_NOTE)
            if text:
                notes[role] = text
    body = {
        "merchant_id": merchant_id,
        "kind": kind,
        "squad": _squad(raw.get("squad"), errors),
        "started_at": parse_time(raw.get("started_at"), "started_at", errors, now=now),
        "checkin": parse_checkin(raw.get("checkin"), "checkin", errors, now=now),
        "outcome": _outcome(raw.get("outcome"), kind, errors),
        "notes": notes,
    }
    # Added only when sent: a body without it keeps the form (and hash) it always had.
    post_loan = parse_post_loan(raw.get("post_loan"), kind, errors)
    if post_loan is not None:
        body["post_loan"] = post_loan
    if errors.items:
        raise Invalid(errors.items)
    return body


def parse_confirmation_body(raw: Any, *, now: datetime | None) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        raise Invalid({"body": _("Expected a JSON object.")})
    body = {
        "checkin": parse_checkin(raw.get("checkin"), "checkin", errors, now=now),
        "note": text_field(raw.get("note"), "note", errors, MAX_NOTE),
    }
    if errors.items:
        raise Invalid(errors.items)
    return body
