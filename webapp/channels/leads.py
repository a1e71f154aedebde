"""The one write path for leads captured at a marketing activity: the phone's outbox (PUT /api/v1/leads/<id>),
the capture form without the outbox, and the CLI all call ``put_lead``.

A lead becomes a prospect merchant of the activity's sub-branch, owned by the manager it is assigned to. A
merchant the sub-branch already has under the same phone is linked instead of made twice (its owner kept;
an unowned prospect goes to the assignee). The activity's channel then reaches that merchant. Keyed by the
id the phone made: the same body again changes nothing, a different body under the same id is a 409.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.channels.write import link_merchants
from webapp.errors import Conflict, Forbidden, NotFoundError
from webapp.extensions import db
from webapp.merchants.records import MerchantInput, save_merchant, validate_merchant
from webapp.models import Lead, MarketingActivity, Merchant, User
from webapp.record_fields import moment_field, phone_digits, phone_field, record_id
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import activity_condition, can_record_channels
from webapp.visits.payload import DEAL_PRODUCTS
from webapp.write_kernel import (
    FieldErrors,
    WriteContext,
    canonical_hash,
    choice_field,
    insert_or_winner,
    text_field,
)


@dataclass(frozen=True)
class LeadWrite:
    status: Literal["created", "unchanged"]
    lead: Lead


def _activity(value: Any, actor: User, errors: FieldErrors) -> MarketingActivity | None:
    activity_id = record_id(value)
    if activity_id is None:
        errors.fail("activity_id", _("Required.") if value in (None, "") else _("Not one of the allowed values."))
    activity = db.session.scalar(sa.select(MarketingActivity).where(
        MarketingActivity.id == activity_id, activity_condition(actor)))
    if activity is None:
        raise NotFoundError(_("This activity does not exist, or is not yours to see."))
    return activity


def _assignee(value: Any, actor: User, activity: MarketingActivity, errors: FieldErrors) -> int | None:
    if value in (None, ""):
        return actor.id
    person = db.session.scalar(sa.select(User).where(User.username == str(value).strip().lower()))
    if (person is None or person.sub_branch_id != activity.sub_branch_id or person.role not in FIELD_ROLES
            or not person.is_enabled):
        errors.add("assignee", _("Not one of the allowed values."))
        return None
    if person.id != actor.id and actor.role != TEAM_LEAD and not any(
            p.user_id == actor.id for p in activity.people):
        errors.add("assignee", _("Only the activity's people and team leads assign leads to others."))
        return None
    return person.id


def parse_lead(raw: Any, ctx: WriteContext) -> tuple[MarketingActivity, dict[str, Any]]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    activity = _activity(raw.get("activity_id"), ctx.actor, errors)
    assert activity is not None
    captured_at = moment_field(raw.get("captured_at"), "captured_at", errors, ctx.now)
    body: dict[str, Any] = {
        "activity_id": activity.id,
        "name": text_field(raw.get("name"), "name", errors, 100, required=True),
        "contact_name": text_field(raw.get("contact_name"), "contact_name", errors, 40),
        "phone": phone_field(raw.get("phone"), "phone", errors, required=True),
        "need": text_field(raw.get("need"), "need", errors, 500, required=True),
        "need_product": choice_field(raw.get("need_product"), "need_product", errors, DEAL_PRODUCTS),
        "industry": text_field(raw.get("industry"), "industry", errors, 40),
        "district": text_field(raw.get("district"), "district", errors, 60),
        "address": text_field(raw.get("address"), "address", errors, 200),
        "assignee_id": _assignee(raw.get("assignee"), ctx.actor, activity, errors),
        "captured_at": captured_at.isoformat() if captured_at else None,
    }
    errors.raise_if_any()
    return activity, body


def _merchant_for(body: dict[str, Any], activity: MarketingActivity) -> tuple[Merchant, bool]:
    """The sub-branch's merchant with this phone, or a new prospect; True when it existed."""
    digits = phone_digits(body["phone"])
    candidates = db.session.scalars(sa.select(Merchant).where(
        Merchant.sub_branch_id == activity.sub_branch_id, Merchant.phone != "").order_by(Merchant.id))
    for merchant in candidates:
        if phone_digits(merchant.phone) == digits:
            if merchant.owner_id is None:
                merchant.owner_id = body["assignee_id"]
            return merchant, True
    clean, problems = validate_merchant(MerchantInput(
        sub_branch_id=activity.sub_branch_id, name=body["name"], industry=body["industry"],
        address=body["address"], district=body["district"], contact_name=body["contact_name"],
        phone=body["phone"], status="prospect"))
    if clean is None:
        FieldErrors({name if name in body else "body": _("Not valid.") for name in problems}).raise_if_any()
    assert clean is not None
    clean.owner_id = body["assignee_id"]
    merchant, _created = save_merchant(clean)
    db.session.flush()
    return merchant, False


def put_lead(ctx: WriteContext, lead_id: str, raw: Any) -> LeadWrite:
    if not can_record_channels(ctx.actor):
        raise Forbidden(_("Leads are captured by managers and team leads."))
    activity, body = parse_lead(raw, ctx)
    body_hash = canonical_hash(body)
    existing = db.session.get(Lead, lead_id)
    if existing is not None:
        return _replayed(ctx, existing, body_hash)
    merchant, existed = _merchant_for(body, activity)
    lead = Lead(id=lead_id, activity_id=activity.id, sub_branch_id=activity.sub_branch_id, name=body["name"],
                contact_name=body["contact_name"], phone=body["phone"], need=body["need"],
                need_product=body["need_product"], industry=body["industry"], district=body["district"],
                assignee_id=body["assignee_id"], merchant_id=merchant.id, existing_merchant=existed,
                captured_by_id=ctx.actor.id, captured_at=datetime.fromisoformat(body["captured_at"]),
                device_id=ctx.device_id, body_hash=body_hash, created_at=ctx.now)
    winner = insert_or_winner(lead, lambda: db.session.get(Lead, lead_id))
    if winner is not None:
        return _replayed(ctx, winner, body_hash)
    if activity.channel is not None:
        link_merchants(ctx, activity.channel, [merchant.id], "lead")
    return LeadWrite("created", lead)


def _replayed(ctx: WriteContext, lead: Lead, body_hash: str) -> LeadWrite:
    if lead.captured_by_id != ctx.actor.id:
        raise Conflict(_("Another lead already has this id."), code="id_taken")
    if lead.body_hash != body_hash:
        raise Conflict(_("This lead was saved before with other details; it cannot be changed by sending it "
                         "again."), code="lead_differs")
    return LeadWrite("unchanged", lead)


def assign_lead(ctx: WriteContext, lead: Lead, username: Any) -> Lead:
    """A team lead gives a lead (and its prospect, if the lead made it) to another manager."""
    if ctx.actor.role != TEAM_LEAD or ctx.actor.sub_branch_id != lead.sub_branch_id:
        raise Forbidden(_("Only a team lead of the sub-branch reassigns a lead."))
    errors = FieldErrors()
    assignee = _assignee(username, ctx.actor, lead.activity, errors)
    if not username:
        errors.add("assignee", _("Required."))
    errors.raise_if_any()
    assert assignee is not None
    if not lead.existing_merchant or lead.merchant.owner_id == lead.assignee_id:
        lead.merchant.owner_id = assignee
    lead.assignee_id = assignee
    db.session.flush()
    return lead
