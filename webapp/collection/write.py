"""The one write path for contacts and promises to pay (the case page's form; the same function for any
other caller). Keyed by the id the form made, so a double tap or a resubmitted form finds the contact it
made. Validates with ``FieldErrors``, raises ``Conflict``/``Forbidden``, flushes, never commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import BANK_ZONE, bank_today, day_bounds
from webapp.collection.cases import record_event
from webapp.collection.refresh import escalate
from webapp.errors import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import (
    ARREARS_CAUSES,
    CONTACT_CHANNELS,
    CONTACT_PERSONS,
    PROMISE_METHODS,
    CaseVisit,
    CollectionCase,
    CollectionContact,
    PaymentPromise,
)
from webapp.models.base import table_of
from webapp.scope import can_work_case
from webapp.write_kernel import FieldErrors, WriteContext, canonical_hash, choice_field, text_field

MAX_ANSWER = 1000
MAX_NAME = 40
MAX_YUAN = Decimal(100_000_000)
PROMISE_HORIZON = timedelta(days=180)
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class ContactWrite:
    status: Literal["created", "unchanged"]
    contact: CollectionContact


def parse_moment(value: Any, path: str, errors: FieldErrors, *, required: bool) -> datetime | None:
    """An ISO time; without a zone it is China time (what a datetime-local field sends). Returned in UTC."""
    if value in (None, ""):
        if required:
            errors.add(path, _("Required."))
        return None
    if not isinstance(value, str):
        errors.add(path, _("Expected a date and time such as 2026-12-04 09:10."))
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.add(path, _("Expected a date and time such as 2026-12-04 09:10."))
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANK_ZONE)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        errors.add(path, _("Expected a date and time such as 2026-12-04 09:10."))
        return None


def parse_day(value: Any, path: str, errors: FieldErrors, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            errors.add(path, _("Required."))
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(path, _("Expected a date such as 2026-12-05."))
        return None


def parse_yuan(value: Any, path: str, errors: FieldErrors) -> int | None:
    """An amount in yuan (at most two decimals) as whole fen."""
    if value in (None, ""):
        errors.add(path, _("Required."))
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors.add(path, _("The amount must be a positive number of yuan."))
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(path, _("The amount must be a positive number of yuan."))
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_YUAN or amount != amount.quantize(Decimal("0.01")):
        errors.add(path, _("The amount must be a positive number of yuan."))
        return None
    return int(amount * 100)


def _yes_no(value: Any, path: str, errors: FieldErrors) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return bool(value == "yes")
    errors.add(path, _("Required.") if value in (None, "") else _("Expected yes or no."))
    return None


def parse_contact(raw: Any, case: CollectionCase, now: datetime) -> dict[str, Any]:
    """The clean contact body (times as UTC ISO text, the amount in fen); raises Invalid with every error."""
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    channel = choice_field(raw.get("channel"), "channel", errors, CONTACT_CHANNELS, required=True)
    reached = _yes_no(raw.get("reached"), "reached", errors)
    contacted_at = parse_moment(raw.get("contacted_at"), "contacted_at", errors, required=True)
    if contacted_at is not None:
        if contacted_at > now + CLOCK_SLACK:
            errors.add("contacted_at", _("This time is in the future."))
        elif contacted_at < case.opened_at.replace(second=0, microsecond=0):
            errors.add("contacted_at", _("This is before the case was opened."))
        if "contacted_at" in errors.items:
            contacted_at = None  # the promise's date is then checked against nothing rather than a wrong day
    meeting_at = parse_moment(raw.get("meeting_at"), "meeting_at", errors, required=False)
    if meeting_at is not None and contacted_at is not None and meeting_at < contacted_at:
        errors.add("meeting_at", _("The meeting cannot be before the contact."))
    cause = choice_field(raw.get("cause"), "cause", errors, ARREARS_CAUSES, required=bool(reached))
    body: dict[str, Any] = {
        "channel": channel,
        "person": choice_field(raw.get("person"), "person", errors, CONTACT_PERSONS, required=True),
        "person_name": text_field(raw.get("person_name"), "person_name", errors, MAX_NAME),
        "reached": reached,
        "cause": cause,
        "answer": text_field(raw.get("answer"), "answer", errors, MAX_ANSWER, required=bool(reached)),
        "contacted_at": contacted_at.isoformat() if contacted_at else None,
        "meeting_at": meeting_at.isoformat() if meeting_at else None,
        "visit_id": _linked_visit(raw.get("visit_id"), channel, case, errors),
        "promise": _promise(raw.get("promise"), reached, contacted_at, errors),
    }
    errors.raise_if_any()
    return body


def _linked_visit(value: Any, channel: str | None, case: CollectionCase, errors: FieldErrors) -> str | None:
    if value in (None, ""):
        return None
    if channel != "visit":
        errors.add("visit_id", _("Only a visit contact names a visit."))
        return None
    linked = db.session.scalar(sa.select(CaseVisit.visit_id).where(CaseVisit.case_id == case.id,
                                                                   CaseVisit.visit_id == str(value)))
    if linked is None:
        errors.add("visit_id", _("Choose one of the case's collection visits."))
    return linked


def _promise(raw: Any, reached: bool | None, contacted_at: datetime | None,
             errors: FieldErrors) -> dict[str, Any] | None:
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        errors.add("promise", _("Expected the promise as an object."))
        return None
    if reached is False:
        errors.add("promise", _("A promise to pay needs the person reached."))
        return None
    promised_on = parse_day(raw.get("date"), "promise.date", errors, required=True)
    amount = parse_yuan(raw.get("amount"), "promise.amount", errors)
    method = choice_field(raw.get("method"), "promise.method", errors, PROMISE_METHODS, required=True)
    if promised_on is not None and contacted_at is not None:
        made_on = bank_today(contacted_at)
        if promised_on < made_on:
            errors.add("promise.date", _("The promised date cannot be before the contact."))
        elif promised_on > made_on + PROMISE_HORIZON:
            errors.add("promise.date", _("At most 180 days ahead: agree a nearer date."))
    return {"date": promised_on.isoformat() if promised_on else None, "amount_cents": amount, "method": method}


def log_contact(ctx: WriteContext, case: CollectionCase, contact_id: str, raw: Any) -> ContactWrite:
    if not can_work_case(ctx.actor, case):
        raise Forbidden(_("Only the case owner and their team lead record contacts."))
    body = parse_contact(raw, case, ctx.now)
    digest = canonical_hash(body)
    existing = db.session.get(CollectionContact, contact_id)
    if existing is not None:
        if existing.case_id == case.id and existing.body_hash == digest:
            return ContactWrite("unchanged", existing)
        raise Conflict(_("This contact was already recorded differently. Reload the case."), code="contact_exists")
    if not case.is_open:
        raise Conflict(_("This case is closed."), code="case_closed")
    contacted_at = datetime.fromisoformat(body["contacted_at"])
    contact = CollectionContact(
        id=contact_id, case_id=case.id, channel=body["channel"], person=body["person"],
        person_name=body["person_name"], reached=body["reached"], cause=body["cause"], answer=body["answer"],
        meeting_at=datetime.fromisoformat(body["meeting_at"]) if body["meeting_at"] else None,
        contacted_at=contacted_at, visit_id=body["visit_id"], recorded_by_id=ctx.actor.id, recorded_at=ctx.now,
        body_hash=digest)
    db.session.add(contact)
    db.session.flush()
    promise = body["promise"]
    if promise is not None:
        db.session.add(PaymentPromise(
            case_id=case.id, contact_id=contact.id, loan_id=case.loan_id, made_on=bank_today(contacted_at),
            promised_on=date.fromisoformat(promise["date"]), amount_cents=promise["amount_cents"],
            method=promise["method"], status="open", paid_cents=0))
    record_event(case, "contact", ctx.now, ctx.actor, contact_id=contact.id, channel=contact.channel,
                 reached=contact.reached, promise=bool(promise))
    count_first_contact(case, contacted_at, ctx.now)
    _follow_up_broken_promises(case, contacted_at)
    db.session.flush()
    return ContactWrite("created", contact)


def count_first_contact(case: CollectionCase, contacted_at: datetime, now: datetime) -> None:
    """The earliest contact is the first contact; a late one escalates at once (once per case)."""
    table = table_of(CollectionCase)
    db.session.execute(sa.update(table).where(
        table.c.id == case.id, sa.or_(table.c.first_contact_at.is_(None), table.c.first_contact_at > contacted_at))
        .values(first_contact_at=contacted_at))
    db.session.refresh(case)
    if case.first_contact_at is not None and case.first_contact_at > case.first_contact_due_at:
        escalate(case, now, contacted_at=case.first_contact_at)


def _follow_up_broken_promises(case: CollectionCase, contacted_at: datetime) -> None:
    for promise in db.session.scalars(sa.select(PaymentPromise).where(
            PaymentPromise.case_id == case.id, PaymentPromise.status == "broken",
            PaymentPromise.followed_up_at.is_(None))):
        if contacted_at >= day_bounds(promise.promised_on)[1]:
            promise.followed_up_at = contacted_at
