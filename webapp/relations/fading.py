"""Fading customers: customers and borrowers nobody has been in touch with for ``FADING_CUSTOMER_DAYS`` (default
60) days, per manager. Being in touch is any visit to the merchant, a collection contact or an off-site check on
its loans, or a lead that named it; a merchant never contacted counts from the day it was recorded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.models import CollectionCase, CollectionContact, Lead, Loan, Merchant, OffsiteCheck, User, Visit
from webapp.roles import BRANCH_WIDE_ROLES, TEAM_LEAD
from webapp.scope import merchant_condition

FADING_STATUSES = ("customer", "borrower")
LIMIT = 500


@dataclass(frozen=True)
class Fading:
    merchant: Merchant
    last_contact: datetime | None
    days: int


def fading_days() -> int:
    try:
        return max(1, int(current_app.config.get("FADING_CUSTOMER_DAYS", 60)))
    except (TypeError, ValueError):
        return 60


def _last_contacts(merchant_ids: list[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}

    def keep(rows: Any) -> None:
        for merchant_id, moment in rows:
            if moment is not None and (merchant_id not in found or moment > found[merchant_id]):
                found[merchant_id] = moment

    for start in range(0, len(merchant_ids), 500):
        part = merchant_ids[start:start + 500]
        keep(db.session.execute(sa.select(Visit.merchant_id, sa.func.max(Visit.started_at))
                                .where(Visit.merchant_id.in_(part)).group_by(Visit.merchant_id)))
        keep(db.session.execute(
            sa.select(Loan.borrower_id, sa.func.max(CollectionContact.contacted_at))
            .join(CollectionCase, CollectionCase.id == CollectionContact.case_id)
            .join(Loan, Loan.id == CollectionCase.loan_id).where(Loan.borrower_id.in_(part))
            .group_by(Loan.borrower_id)))
        keep(db.session.execute(
            sa.select(Loan.borrower_id, sa.func.max(OffsiteCheck.recorded_at))
            .join(Loan, Loan.id == OffsiteCheck.loan_id).where(Loan.borrower_id.in_(part)).group_by(Loan.borrower_id)))
        keep(db.session.execute(sa.select(Lead.merchant_id, sa.func.max(Lead.captured_at))
                                .where(Lead.merchant_id.in_(part)).group_by(Lead.merchant_id)))
    return found


def _owners(user: User, whose: str) -> sa.ColumnElement[bool]:
    if whose == "mine" or user.role not in (TEAM_LEAD, *BRANCH_WIDE_ROLES):
        return Merchant.owner_id == user.id
    if user.role == TEAM_LEAD:
        return Merchant.owner_id.in_(sa.select(User.id).where(User.team_id == user.team_id)) \
            if user.team_id is not None else Merchant.owner_id == user.id
    return Merchant.owner_id.is_not(None)


def fading_customers(user: User, now: datetime, whose: str = "mine", days: int | None = None) -> list[Fading]:
    """The fading customers of the user ("mine"), or of the people they lead or see ("team"), longest first."""
    limit_days = days or fading_days()
    cut = now - timedelta(days=limit_days)
    merchants = list(db.session.scalars(sa.select(Merchant).where(
        merchant_condition(user), Merchant.status.in_(FADING_STATUSES), _owners(user, whose),
        Merchant.created_at < cut)))
    last = _last_contacts([m.id for m in merchants])
    found = []
    for merchant in merchants:
        moment = last.get(merchant.id)
        if moment is not None and moment >= cut:
            continue
        since = moment or merchant.created_at
        found.append(Fading(merchant, moment, max(limit_days, (now - since).days)))
    found.sort(key=lambda f: (-f.days, f.merchant.name))
    return found[:LIMIT]
