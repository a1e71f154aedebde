"""The one write path for peer records: the phone's outbox (PUT /api/v1/peer-records/<id>), the desk form and the
CLI call ``put_peer_record``. A record is an observation: kept as recorded, keyed by the id its maker chose (the
same body again changes nothing; another body under the same id is a 409)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.errors import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import PEER_SOURCES, PRODUCT_CATEGORIES, REPAYMENT_METHODS, Merchant, PeerRecord
from webapp.record_fields import day_field, int_field, rate_field, record_id, yuan_field
from webapp.roles import FIELD_ROLES
from webapp.scope import merchant_condition
from webapp.write_kernel import (
    FieldErrors,
    WriteContext,
    canonical_hash,
    choice_field,
    insert_or_winner,
    text_field,
)

# Observations older than this are history, not news: a phone that queued one for weeks still may send it.
OLDEST = 3 * 365


@dataclass(frozen=True)
class PeerWrite:
    status: Literal["created", "unchanged"]
    record: PeerRecord


def _merchant(value: Any, ctx: WriteContext, errors: FieldErrors) -> Merchant | None:
    if value in (None, ""):
        return None
    merchant_id = record_id(value)
    merchant = db.session.scalar(sa.select(Merchant).where(Merchant.id == merchant_id,
                                                           merchant_condition(ctx.actor))) if merchant_id else None
    if merchant is None or merchant.sub_branch_id != ctx.actor.sub_branch_id:
        errors.add("merchant_id", _("Not one of the allowed values."))
        return None
    return merchant


def parse_peer_record(raw: Any, ctx: WriteContext) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    merchant = _merchant(raw.get("merchant_id"), ctx, errors)
    observed = day_field(raw.get("observed_on"), "observed_on", errors, required=True)
    today = bank_today(ctx.now)
    if observed is not None and not (date.fromordinal(today.toordinal() - OLDEST) <= observed <= today):
        errors.add("observed_on", _("A day of the last three years, not in the future."))
    district = text_field(raw.get("district") or (merchant.district if merchant else ""), "district", errors, 60,
                          required=True)
    body: dict[str, Any] = {
        "district": district,
        "bank": text_field(raw.get("bank"), "bank", errors, 60, required=True),
        "product": text_field(raw.get("product"), "product", errors, 60, required=True),
        "category": choice_field(raw.get("category"), "category", errors, PRODUCT_CATEGORIES, required=True),
        "rate_bp": rate_field(raw.get("rate"), "rate", errors),
        "repayment_method": choice_field(raw.get("repayment_method"), "repayment_method", errors, REPAYMENT_METHODS),
        "entry_threshold": text_field(raw.get("entry_threshold"), "entry_threshold", errors, 300),
        "max_amount_cents": yuan_field(raw.get("max_amount"), "max_amount", errors, allow_zero=False),
        "max_term_months": int_field(raw.get("max_term_months"), "max_term_months", errors, low=1, high=360),
        "strengths": text_field(raw.get("strengths"), "strengths", errors, 500),
        "weaknesses": text_field(raw.get("weaknesses"), "weaknesses", errors, 500),
        "marketing_strategy": text_field(raw.get("marketing_strategy"), "marketing_strategy", errors, 500),
        "source": choice_field(raw.get("source"), "source", errors, PEER_SOURCES, required=True),
        "observed_on": observed.isoformat() if observed else None,
        "merchant_id": merchant.id if merchant else None,
    }
    if body["rate_bp"] is None and body["max_amount_cents"] is None and not body["entry_threshold"]:
        errors.add("rate", _("Record at least the rate, the maximum amount or the entry threshold."))
    errors.raise_if_any()
    return body


def put_peer_record(ctx: WriteContext, record_id: str, raw: Any) -> PeerWrite:
    if ctx.actor.role not in FIELD_ROLES:
        raise Forbidden(_("Peer records are made by managers and team leads."))
    body = parse_peer_record(raw, ctx)
    body_hash = canonical_hash(body)
    existing = db.session.get(PeerRecord, record_id)
    if existing is not None:
        return _replayed(ctx, existing, body_hash)
    record = PeerRecord(id=record_id, sub_branch_id=ctx.actor.sub_branch_id, recorded_by_id=ctx.actor.id,
                        device_id=ctx.device_id, body_hash=body_hash, created_at=ctx.now,
                        **{**body, "observed_on": date.fromisoformat(body["observed_on"])})
    winner = insert_or_winner(record, lambda: db.session.get(PeerRecord, record_id))
    if winner is not None:
        return _replayed(ctx, winner, body_hash)
    return PeerWrite("created", record)


def _replayed(ctx: WriteContext, record: PeerRecord, body_hash: str) -> PeerWrite:
    if record.recorded_by_id != ctx.actor.id:
        raise Conflict(_("Another record already has this id."), code="id_taken")
    if record.body_hash != body_hash:
        raise Conflict(_("This record was saved before with other details; record a new one for what changed."),
                       code="record_differs")
    return PeerWrite("unchanged", record)
