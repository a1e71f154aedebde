"""Location proposals: a precise check-in at a merchant without a registered location proposes one,
and the team lead of that sub-branch decides. Nothing becomes a registered location without a person, and
never the person whose check-in proposed it: a lead who took part in the proposing visit leaves the decision
to another lead of the sub-branch."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from webapp.errors import Forbidden
from webapp.extensions import db
from webapp.models import LocationProposal, Merchant, User, Visit, VisitFlag
from webapp.roles import TEAM_LEAD


@dataclass(frozen=True)
class Decision:
    """The proposal's status after the call, and whether this call changed it (a replayed post does not)."""

    status: str
    changed: bool


def pending_proposals(user: User, merchant_id: int | None = None) -> list[LocationProposal]:
    """What waits for this team lead: pending proposals of their own sub-branch that came from visits they took
    no part in. Others decide nothing."""
    if user.role != TEAM_LEAD:
        return []
    query = (sa.select(LocationProposal)
             .join(Merchant, LocationProposal.merchant_id == Merchant.id)
             .join(Visit, LocationProposal.visit_id == Visit.id)
             .options(joinedload(LocationProposal.merchant), joinedload(LocationProposal.proposed_by))
             .where(Merchant.sub_branch_id == user.sub_branch_id, LocationProposal.status == "pending",
                    LocationProposal.proposed_by_id != user.id,
                    *(sa.or_(column.is_(None), column != user.id) for column in _SQUAD_COLUMNS))
             .order_by(LocationProposal.created_at, LocationProposal.id))
    if merchant_id is not None:
        query = query.where(LocationProposal.merchant_id == merchant_id)
    return list(db.session.scalars(query))


def proposing_flags(proposal: LocationProposal) -> list[str]:
    """The flag codes of the visit that proposed the point: a lead should think twice about a fix that
    looks faked before it becomes the merchant's address."""
    return sorted(set(db.session.scalars(sa.select(VisitFlag.code).where(VisitFlag.visit_id == proposal.visit_id))))


_SQUAD_COLUMNS = (Visit.created_by_id, Visit.lead_id, Visit.support_id, Visit.observer_id)


def took_part_in_proposal(user: User, proposal: LocationProposal) -> bool:
    """The proposer, or anyone of the squad whose visit proposed the point: they never decide it."""
    if proposal.proposed_by_id == user.id:
        return True
    visit = db.session.get(Visit, proposal.visit_id)
    return visit is not None and user.id in (visit.created_by_id, visit.lead_id, visit.support_id, visit.observer_id)


def require_deciding_lead(user: User, proposal: LocationProposal) -> None:
    """Only a team lead of the merchant's sub-branch decides (a colleague who can see it gets 403), and never
    one who took part in the visit that proposed the point (403 with the reason)."""
    if user.role != TEAM_LEAD or user.sub_branch_id != proposal.merchant.sub_branch_id:
        abort(403)
    if took_part_in_proposal(user, proposal):
        raise Forbidden(_("This location was proposed by a visit you took part in: another team lead of the "
                          "sub-branch decides it."))


def _lock_merchant(merchant_id: int) -> Merchant:
    """Two leads deciding two proposals of one merchant at once: the row lock lets only one set the location."""
    merchant = db.session.scalar(
        sa.select(Merchant).where(Merchant.id == merchant_id).with_for_update().execution_options(
            populate_existing=True)
    )
    assert merchant is not None
    return merchant


def _decide(proposal: LocationProposal, status: str, actor: User, now: datetime) -> None:
    proposal.status = status
    proposal.decided_by_id = actor.id
    proposal.decided_at = now


def confirm_proposal(actor: User, proposal: LocationProposal, now: datetime) -> Decision:
    """Register the proposed point as the merchant's location, unless it got one meanwhile (then the
    proposal is superseded: an imported or confirmed location is never overwritten from here)."""
    if proposal.status != "pending":
        return Decision(proposal.status, False)
    merchant = _lock_merchant(proposal.merchant_id)
    if merchant.located:
        _decide(proposal, "superseded", actor, now)
        return Decision("superseded", True)
    merchant.lat, merchant.lon = proposal.lat, proposal.lon
    merchant.location_source = "checkin"
    _decide(proposal, "confirmed", actor, now)
    others = db.session.scalars(sa.select(LocationProposal).where(
        LocationProposal.merchant_id == merchant.id, LocationProposal.status == "pending",
        LocationProposal.id != proposal.id))
    for other in others:
        _decide(other, "superseded", actor, now)
    return Decision("confirmed", True)


def reject_proposal(actor: User, proposal: LocationProposal, now: datetime) -> Decision:
    if proposal.status != "pending":
        return Decision(proposal.status, False)
    _decide(proposal, "rejected", actor, now)
    return Decision("rejected", True)
