"""The one idempotent write path for squad confirmations: each member confirms their own part of a squad visit,
from their own login, with their own check-in.

The support and the observer always confirm. So does a lead whom someone else named in the visit they wrote:
a visit is the writer's word, and naming a colleague as its lead proves nothing about where that colleague was
(their travel checks use only the check-ins they sent themselves). The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from webapp.extensions import db
from webapp.geo.geofence import rate_checkin
from webapp.metrics.facts import refresh_visit_metrics
from webapp.models import SquadConfirmation, User, Visit
from webapp.review.decisions import reopen_after_change
from webapp.scope import visit_condition
from webapp.visits import integrity
from webapp.visits.checkin_evidence import Fix, add_flags, settings, travel_flags
from webapp.visits.payload import check_time_window, parse_confirmation_body
from webapp.write_kernel import Conflict, Forbidden, WriteContext, canonical_hash, insert_or_winner


@dataclass(frozen=True)
class ConfirmationWrite:
    status: Literal["created", "unchanged"]
    confirmation: SquadConfirmation


def confirming_role(visit: Visit, user_id: int) -> str | None:
    """The role in which this person confirms the visit, or None when they have nothing to confirm: every
    member the visit's writer named, in whatever role (the writer's own word needs no confirmation)."""
    if visit.created_by_id == user_id:
        return None
    return visit.role_of(user_id)


def _find_visit(visit_id: str) -> Visit | None:
    return db.session.get(Visit, visit_id, populate_existing=True, with_for_update=True)


def _visible(actor: User, visit_id: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
        Visit.id == visit_id, visit_condition(actor))) == 1


def put_confirmation(ctx: WriteContext, visit_id: str, username: str, raw_body: Any) -> ConfirmationWrite:
    """A squad member confirms their own part, from their own login, with their own check-in."""
    visit = _find_visit(visit_id)
    if visit is None or not _visible(ctx.actor, visit_id):
        raise NotFound()
    if username.lower() != ctx.actor.username:
        raise Forbidden(_("Each squad member confirms from their own login."))
    role = confirming_role(visit, ctx.actor.id)
    if role is None:
        raise Forbidden(_("Only the support and the observer of this squad confirm it, and a lead whom "
                          "someone else named; whoever recorded the visit has nothing to confirm."))
    body = parse_confirmation_body(raw_body, now=None)
    body_hash = canonical_hash(body)
    existing = db.session.scalar(sa.select(SquadConfirmation).where(
        SquadConfirmation.visit_id == visit.id, SquadConfirmation.user_id == ctx.actor.id))
    if existing is not None:
        return _against_existing(existing, body_hash)

    checkin = body["checkin"]
    check_time_window({"checkin.captured_at": checkin["captured_at"] if checkin else None}, now=ctx.now)
    confirmation = SquadConfirmation(
        visit_id=visit.id, user_id=ctx.actor.id, role=role, note=body["note"], body_hash=body_hash,
        device_id=ctx.device_id or None, created_at=ctx.now,
    )
    config = settings()
    merchant = visit.merchant
    member_fix = None
    if checkin is not None:
        confirmation.lat, confirmation.lon = checkin["lat"], checkin["lon"]
        confirmation.accuracy_m = checkin["accuracy_m"]
        confirmation.captured_at = datetime.fromisoformat(checkin["captured_at"])
        member_fix = (checkin["lat"], checkin["lon"])
    rating = rate_checkin(member_fix, confirmation.accuracy_m,
                          (merchant.lat, merchant.lon) if merchant.located else None,  # type: ignore[arg-type]
                          radius_m=config["GEOFENCE_RADIUS_M"], max_accuracy_m=config["CHECKIN_MAX_ACCURACY_M"])
    confirmation.checkin_status = rating.status
    confirmation.distance_m = None if rating.distance_m is None else round(rating.distance_m, 1)
    winner = insert_or_winner(confirmation, lambda: db.session.scalar(sa.select(SquadConfirmation).where(
        SquadConfirmation.visit_id == visit.id, SquadConfirmation.user_id == ctx.actor.id)))
    if winner is not None:
        return _against_existing(winner, body_hash)

    add_flags(visit.id, _member_flags(ctx, visit, confirmation, member_fix, config))
    reopen_after_change(ctx.actor, visit, "confirmation", now=ctx.now, new_version=True)
    db.session.flush()
    refresh_visit_metrics(visit)  # a confirmed member's figures now count the visit (webapp.metrics.facts)
    return ConfirmationWrite("created", confirmation)


def _against_existing(existing: SquadConfirmation, body_hash: str) -> ConfirmationWrite:
    if existing.body_hash == body_hash:
        return ConfirmationWrite("unchanged", existing)
    raise Conflict(_("You already confirmed this visit with different content."))


def _member_flags(ctx: WriteContext, visit: Visit, confirmation: SquadConfirmation,
                  member_fix: tuple[float, float] | None, config: dict[str, float]) -> list[integrity.Flag]:
    """Co-presence with the writer's check-in, one phone for several members, the clock, and the member's own
    travel: a confirmation is the member's own check-in, judged like any other."""
    username = ctx.actor.username
    writer_fix = (visit.checkin_lat, visit.checkin_lon) if visit.checkin_lat is not None else None
    flags: list[integrity.Flag] = []
    copresence = integrity.copresence_flag(
        username, writer_fix, visit.checkin_captured_at,  # type: ignore[arg-type]
        member_fix, confirmation.captured_at,
        max_m=config["SQUAD_COPRESENCE_M"], max_s=config["SQUAD_COPRESENCE_S"])
    if copresence:
        flags.append(copresence)
    devices = {visit.created_by.username: visit.device_id}
    for other in visit.confirmations:
        if other.user_id != ctx.actor.id:
            devices[other.user.username] = other.device_id
    single = integrity.single_device_flag(username, confirmation.device_id, devices)
    if single:
        flags.append(single)
    skew = integrity.clock_skew_flag(ctx.client_time, ctx.now, limit_s=config["CLOCK_SKEW_S"])
    if skew:
        flags.append(integrity.Flag(skew.code, skew.detail, {**skew.evidence, "member": username}))
    if member_fix is not None and confirmation.captured_at is not None:
        here = Fix(visit.id, member_fix[0], member_fix[1], confirmation.accuracy_m, confirmation.captured_at)
        for flag in travel_flags(ctx.actor.id, here, config["MAX_TRAVEL_KMH"]):
            flags.append(integrity.Flag(flag.code, flag.detail, {**flag.evidence, "member": username}))
    return flags
