"""The one idempotent write path for visits and squad confirmations.

The htmx form, the JSON API (and so the offline outbox that replays it) and the CLI all call these
functions. A record is keyed by the id its client made: the same body again changes nothing, a
different body is a conflict unless the writer names the version it changes (If-Match).
The caller commits; nothing here commits, so a failure leaves nothing half-written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from webapp.extensions import db
from webapp.geo.geofence import rate_checkin
from webapp.integrity.checkins import accuracy_repeated
from webapp.integrity.notes import check_visit_notes
from webapp.metrics.facts import refresh_visit_metrics
from webapp.models import LocationProposal, SquadConfirmation, User, Visit, VisitFlag, VisitVersion
from webapp.roles import FIELD_ROLES
from webapp.scope import get_merchant_or_404, visit_condition
from webapp.visits import integrity
from webapp.visits.payload import (
    body_times,
    check_time_window,
    parse_confirmation_body,
    parse_visit_body,
)
from webapp.write_kernel import Conflict, Forbidden, Invalid, WriteContext, canonical_hash, insert_or_winner

WriteStatus = Literal["created", "unchanged", "updated"]
CHECKIN_FLAG_CODES = ("outside_geofence", "low_accuracy", "mock_location_suspected", "impossible_travel", "clock_skew",
                      "checkin_accuracy_repeated")


@dataclass(frozen=True)
class VisitWrite:
    status: WriteStatus
    visit: Visit


def _find_visit(visit_id: str) -> Visit | None:
    """The visit, row-locked until commit on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises):
    two If-Match updates of one version would otherwise both write version n+1 and one would fail as a 500."""
    return db.session.get(Visit, visit_id, populate_existing=True, with_for_update=True)


def _visible(ctx: WriteContext, visit_id: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
        Visit.id == visit_id, visit_condition(ctx.actor))) == 1


def put_visit(ctx: WriteContext, visit_id: str, raw_body: Any, *, if_match: str | None = None) -> VisitWrite:
    result = _write_visit(ctx, visit_id, raw_body, if_match=if_match)
    if result.status != "unchanged":
        refresh_visit_metrics(result.visit)  # the activity figures follow the visit (webapp.metrics.facts)
    return result


def _write_visit(ctx: WriteContext, visit_id: str, raw_body: Any, *, if_match: str | None) -> VisitWrite:
    # Times are checked against the clock only for what gets stored anew (below), not for a replay.
    body = parse_visit_body(raw_body, now=None)
    merchant = get_merchant_or_404(ctx.actor, body["merchant_id"])
    squad = _resolve_squad(ctx.actor, merchant.sub_branch_id, body["squad"])
    body_hash = canonical_hash(body)

    existing = _find_visit(visit_id)
    if existing is not None:
        return _against_existing(ctx, existing, body, body_hash, squad, if_match)

    check_time_window(body_times(body), now=ctx.now)
    visit = Visit(
        id=visit_id,
        merchant_id=merchant.id,
        sub_branch_id=merchant.sub_branch_id,
        created_by_id=ctx.actor.id,
        version=1,
        body_hash=body_hash,
        device_id=(ctx.device_id or None),
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    _apply_body(visit, body, squad)
    # Someone may write the same id at the same moment; the unique key decides, the loser is judged like a replay.
    winner = insert_or_winner(visit, lambda: _find_visit(visit_id))
    if winner is not None:
        return _against_existing(ctx, winner, body, body_hash, squad, if_match)
    db.session.add(VisitVersion(visit_id=visit.id, version=1, body=body, body_hash=body_hash,
                                written_by_id=ctx.actor.id, written_at=ctx.now))
    _rate_and_flag_checkin(ctx, visit)
    _add_flags(visit.id, check_visit_notes(visit))  # copied reports (webapp.integrity.notes)
    db.session.flush()
    return VisitWrite("created", visit)


def _against_existing(
    ctx: WriteContext, visit: Visit, body: dict[str, Any], body_hash: str, squad: dict[str, User | None],
    if_match: str | None,
) -> VisitWrite:
    if not _visible(ctx, visit.id):
        raise NotFound()
    if visit.body_hash == body_hash:
        return VisitWrite("unchanged", visit)
    if if_match is None or if_match.strip() != visit.etag:
        raise Conflict(etag=visit.etag, message=_("This visit was already saved with different content. "
                                     "Reload it to see the current version before changing it."))
    if ctx.actor.id not in (visit.lead_id, visit.created_by_id):
        raise Forbidden(_("Only the lead of the squad can change the visit."))
    if body["merchant_id"] != visit.merchant_id:
        raise Invalid({"merchant_id": _("A visit cannot move to another merchant.")})
    checkin_changed = _checkin_of(visit) != body["checkin"]
    changed_times: dict[str, str | None] = {}
    if body["started_at"] != visit.started_at.isoformat(timespec="seconds"):
        changed_times["started_at"] = body["started_at"]
    if checkin_changed and body["checkin"]:
        changed_times["checkin.captured_at"] = body["checkin"]["captured_at"]
    check_time_window(changed_times, now=ctx.now)
    notes_changed = (visit.notes or {}) != body["notes"]
    visit.version += 1
    visit.body_hash = body_hash
    visit.updated_at = ctx.now
    _apply_body(visit, body, squad)
    db.session.add(VisitVersion(visit_id=visit.id, version=visit.version, body=body, body_hash=body_hash,
                                written_by_id=ctx.actor.id, written_at=ctx.now))
    if checkin_changed:
        db.session.execute(sa.delete(VisitFlag).where(
            VisitFlag.visit_id == visit.id, VisitFlag.code.in_(CHECKIN_FLAG_CODES), VisitFlag.photo_id.is_(None)))
        _rate_and_flag_checkin(ctx, visit)
    if notes_changed:
        _add_flags(visit.id, check_visit_notes(visit))  # copied reports (webapp.integrity.notes)
    db.session.flush()
    return VisitWrite("updated", visit)


def _checkin_of(visit: Visit) -> dict[str, Any] | None:
    if visit.checkin_lat is None or visit.checkin_lon is None:
        return None
    captured = visit.checkin_captured_at
    return {
        "lat": visit.checkin_lat,
        "lon": visit.checkin_lon,
        "accuracy_m": visit.checkin_accuracy_m,
        "captured_at": captured.isoformat(timespec="seconds") if captured else None,
    }


def _apply_body(visit: Visit, body: dict[str, Any], squad: dict[str, User | None]) -> None:
    visit.kind = body["kind"]
    visit.started_at = datetime.fromisoformat(body["started_at"])
    lead, support, observer = squad["lead"], squad["support"], squad["observer"]
    assert lead is not None
    visit.lead_id = lead.id
    visit.support_id = support.id if support else None
    visit.observer_id = observer.id if observer else None
    checkin = body["checkin"]
    if checkin is None:
        visit.checkin_lat = visit.checkin_lon = visit.checkin_accuracy_m = None
        visit.checkin_lat_e6 = visit.checkin_lon_e6 = None
        visit.checkin_captured_at = None
    else:
        visit.checkin_lat, visit.checkin_lon = checkin["lat"], checkin["lon"]
        visit.checkin_lat_e6 = round(checkin["lat"] * 1_000_000)
        visit.checkin_lon_e6 = round(checkin["lon"] * 1_000_000)
        visit.checkin_accuracy_m = checkin["accuracy_m"]
        visit.checkin_captured_at = datetime.fromisoformat(checkin["captured_at"])
    visit.outcome = body["outcome"]
    visit.notes = body["notes"]


def _resolve_squad(actor: User, sub_branch_id: int, names: dict[str, str | None]) -> dict[str, User | None]:
    """Members must be enabled managers or leads of the merchant's sub-branch, and the writer one of them."""
    wanted = {name for name in names.values() if name}
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(wanted)))}
    errors: dict[str, str] = {}
    squad: dict[str, User | None] = {}
    for role, name in names.items():
        if not name:
            squad[role] = None
            continue
        user = users.get(name)
        if user is None or not user.is_enabled or user.role not in FIELD_ROLES:
            errors[f"squad.{role}"] = _("No customer manager with this username.")
        elif user.sub_branch_id != sub_branch_id:
            errors[f"squad.{role}"] = _("This person belongs to another sub-branch.")
        squad[role] = user
    if not errors and actor.username not in wanted:
        errors["squad"] = _("You can only record a visit you take part in.")
    if errors:
        raise Invalid(errors)
    return squad


def _settings() -> dict[str, float]:
    config = current_app.config
    return {key: float(config[key]) for key in (
        "GEOFENCE_RADIUS_M", "CHECKIN_MAX_ACCURACY_M", "LOCATION_PROPOSAL_ACCURACY_M", "MAX_TRAVEL_KMH",
        "CLOCK_SKEW_S", "SQUAD_COPRESENCE_M", "SQUAD_COPRESENCE_S")}


def _add_flags(visit_id: str, flags: list[integrity.Flag]) -> None:
    for flag in flags:
        db.session.add(VisitFlag(visit_id=visit_id, photo_id=flag.photo_id, code=flag.code,
                                 detail=flag.detail, evidence=flag.evidence))


def _rate_and_flag_checkin(ctx: WriteContext, visit: Visit) -> None:
    settings = _settings()
    merchant = visit.merchant
    fix = (visit.checkin_lat, visit.checkin_lon) if visit.checkin_lat is not None else None
    merchant_point = (merchant.lat, merchant.lon) if merchant.located else None
    rating = rate_checkin(fix, visit.checkin_accuracy_m, merchant_point,  # type: ignore[arg-type]
                          radius_m=settings["GEOFENCE_RADIUS_M"], max_accuracy_m=settings["CHECKIN_MAX_ACCURACY_M"])
    visit.checkin_status = rating.status
    visit.checkin_distance_m = None if rating.distance_m is None else round(rating.distance_m, 1)
    flags = integrity.checkin_flags(rating, radius_m=settings["GEOFENCE_RADIUS_M"],
                                    max_accuracy_m=settings["CHECKIN_MAX_ACCURACY_M"])
    skew = integrity.clock_skew_flag(ctx.client_time, ctx.now, limit_s=settings["CLOCK_SKEW_S"])
    if skew:
        flags.append(skew)
    if fix is not None and visit.checkin_captured_at is not None:
        flags.extend(integrity.mock_location_flags(visit.checkin_accuracy_m, _repeated_fix_visits(visit)))
        flags.extend(_travel_flags(visit, settings["MAX_TRAVEL_KMH"]))
        repeated = accuracy_repeated(visit)  # webapp.integrity.checkins
        if repeated:
            flags.append(repeated)
        _propose_location(visit, settings["LOCATION_PROPOSAL_ACCURACY_M"])
    _add_flags(visit.id, flags)


def _repeated_fix_visits(visit: Visit) -> list[str]:
    return list(db.session.scalars(
        sa.select(Visit.id).where(
            Visit.checkin_lat_e6 == visit.checkin_lat_e6,
            Visit.checkin_lon_e6 == visit.checkin_lon_e6,
            Visit.id != visit.id,
        ).order_by(Visit.created_at).limit(10)
    ))


def _travel_flags(visit: Visit, max_kmh: float) -> list[integrity.Flag]:
    """Compare with the lead's check-ins just before and just after this one (offline sync reorders)."""
    assert visit.checkin_captured_at is not None and visit.checkin_lat is not None and visit.checkin_lon is not None
    here = (visit.checkin_lat, visit.checkin_lon)
    flags: list[integrity.Flag] = []
    mine = sa.select(Visit).where(Visit.lead_id == visit.lead_id, Visit.id != visit.id,
                                  Visit.checkin_lat.is_not(None), Visit.checkin_captured_at.is_not(None))
    neighbours = [
        db.session.scalar(mine.where(Visit.checkin_captured_at <= visit.checkin_captured_at)
                          .order_by(Visit.checkin_captured_at.desc()).limit(1)),
        db.session.scalar(mine.where(Visit.checkin_captured_at > visit.checkin_captured_at)
                          .order_by(Visit.checkin_captured_at.asc()).limit(1)),
    ]
    for other in neighbours:
        if (other is None or other.checkin_captured_at is None or other.checkin_lat is None
                or other.checkin_lon is None):
            continue
        flag = integrity.travel_flag(
            here, visit.checkin_captured_at, visit.checkin_accuracy_m,
            (other.checkin_lat, other.checkin_lon), other.checkin_captured_at,
            other.checkin_accuracy_m, other.id, max_kmh=max_kmh)
        if flag:
            flags.append(flag)
    return flags


def _propose_location(visit: Visit, max_accuracy_m: float) -> None:
    merchant = visit.merchant
    if merchant.located or visit.checkin_accuracy_m is None or visit.checkin_accuracy_m > max_accuracy_m:
        return
    if visit.checkin_accuracy_m == 0:
        return  # a perfect fix is the mark of a mocked location: never propose it
    exists = db.session.scalar(sa.select(LocationProposal.id).where(LocationProposal.visit_id == visit.id))
    if exists is None:
        db.session.add(LocationProposal(
            merchant_id=merchant.id, visit_id=visit.id, lat=visit.checkin_lat, lon=visit.checkin_lon,
            accuracy_m=visit.checkin_accuracy_m, proposed_by_id=visit.lead_id))


# --- squad confirmations -------------------------------------------------------------------------

@dataclass(frozen=True)
class ConfirmationWrite:
    status: WriteStatus
    confirmation: SquadConfirmation


def put_confirmation(ctx: WriteContext, visit_id: str, username: str, raw_body: Any) -> ConfirmationWrite:
    """A support or observer confirms their own part, from their own login, with their own check-in."""
    visit = _find_visit(visit_id)
    if visit is None or not _visible(ctx, visit_id):
        raise NotFound()
    if username.lower() != ctx.actor.username:
        raise Forbidden(_("Each squad member confirms from their own login."))
    role = visit.role_of(ctx.actor.id)
    if role not in ("support", "observer"):
        raise Forbidden(_("Only the support and the observer of this squad confirm it."))
    body = parse_confirmation_body(raw_body, now=None)
    body_hash = canonical_hash(body)
    existing = db.session.scalar(sa.select(SquadConfirmation).where(
        SquadConfirmation.visit_id == visit.id, SquadConfirmation.user_id == ctx.actor.id))
    if existing is not None:
        if existing.body_hash == body_hash:
            return ConfirmationWrite("unchanged", existing)
        raise Conflict(_("You already confirmed this visit with different content."))

    checkin = body["checkin"]
    check_time_window({"checkin.captured_at": checkin["captured_at"] if checkin else None}, now=ctx.now)
    confirmation = SquadConfirmation(
        visit_id=visit.id, user_id=ctx.actor.id, role=role, note=body["note"], body_hash=body_hash,
        device_id=ctx.device_id or None, created_at=ctx.now,
    )
    settings = _settings()
    merchant = visit.merchant
    member_fix = None
    if checkin is not None:
        confirmation.lat, confirmation.lon = checkin["lat"], checkin["lon"]
        confirmation.accuracy_m = checkin["accuracy_m"]
        confirmation.captured_at = datetime.fromisoformat(checkin["captured_at"])
        member_fix = (checkin["lat"], checkin["lon"])
    rating = rate_checkin(member_fix, confirmation.accuracy_m,
                          (merchant.lat, merchant.lon) if merchant.located else None,  # type: ignore[arg-type]
                          radius_m=settings["GEOFENCE_RADIUS_M"], max_accuracy_m=settings["CHECKIN_MAX_ACCURACY_M"])
    confirmation.checkin_status = rating.status
    confirmation.distance_m = None if rating.distance_m is None else round(rating.distance_m, 1)
    winner = insert_or_winner(confirmation, lambda: db.session.scalar(sa.select(SquadConfirmation).where(
        SquadConfirmation.visit_id == visit.id, SquadConfirmation.user_id == ctx.actor.id)))
    if winner is not None:
        if winner.body_hash == body_hash:
            return ConfirmationWrite("unchanged", winner)
        raise Conflict(_("You already confirmed this visit with different content."))

    lead_fix = (visit.checkin_lat, visit.checkin_lon) if visit.checkin_lat is not None else None
    flags: list[integrity.Flag] = []
    copresence = integrity.copresence_flag(
        ctx.actor.username, lead_fix, visit.checkin_captured_at,  # type: ignore[arg-type]
        member_fix, confirmation.captured_at,
        max_m=settings["SQUAD_COPRESENCE_M"], max_s=settings["SQUAD_COPRESENCE_S"])
    if copresence:
        flags.append(copresence)
    devices = {visit.lead.username: visit.device_id}
    for other in visit.confirmations:
        if other.user_id != ctx.actor.id:
            devices[other.user.username] = other.device_id
    single = integrity.single_device_flag(ctx.actor.username, confirmation.device_id, devices)
    if single:
        flags.append(single)
    skew = integrity.clock_skew_flag(ctx.client_time, ctx.now, limit_s=settings["CLOCK_SKEW_S"])
    if skew:
        flags.append(integrity.Flag(skew.code, skew.detail, {**skew.evidence, "member": ctx.actor.username}))
    _add_flags(visit.id, flags)
    db.session.flush()
    refresh_visit_metrics(visit)  # a confirmed member's figures now count the visit (webapp.metrics.facts)
    return ConfirmationWrite("created", confirmation)
