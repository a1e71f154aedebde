"""Check-ins as evidence: each one stored as its own record, rated and flagged on its own, never overwritten.

A body that moves a visit's check-in does not replace the one before: that one and its flags are marked
superseded (with any judgement a reviewer made of them) and the new check-in is rated and flagged beside it.
A check-in belongs to the person whose phone sent it, the writer of the body, never to a colleague the body
names: the impossible-travel check compares a person's fix only with fixes they sent themselves (the visits
they wrote and their own squad confirmations), so nobody can be framed by a visit someone else recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.geo.geofence import rate_checkin
from webapp.integrity.checkins import accuracy_repeated
from webapp.models import LocationProposal, SquadConfirmation, Visit, VisitCheckin, VisitFlag
from webapp.visits import integrity
from webapp.write_kernel import WriteContext


def settings() -> dict[str, float]:
    config = current_app.config
    return {key: float(config[key]) for key in (
        "GEOFENCE_RADIUS_M", "CHECKIN_MAX_ACCURACY_M", "LOCATION_PROPOSAL_ACCURACY_M", "MAX_TRAVEL_KMH",
        "CLOCK_SKEW_S", "SQUAD_COPRESENCE_M", "SQUAD_COPRESENCE_S")}


def add_flags(visit_id: str, flags: list[integrity.Flag], *, checkin_id: int | None = None) -> None:
    for flag in flags:
        db.session.add(VisitFlag(visit_id=visit_id, photo_id=flag.photo_id, checkin_id=checkin_id, code=flag.code,
                                 detail=flag.detail, evidence=flag.evidence))


def supersede_checkins(visit: Visit, now: datetime) -> None:
    """The visit's current check-in and its flags become history: kept, judged as they were, marked superseded."""
    current = list(db.session.scalars(sa.select(VisitCheckin.id).where(
        VisitCheckin.visit_id == visit.id, VisitCheckin.superseded_at.is_(None))))
    if not current:
        return
    db.session.execute(sa.update(VisitCheckin).where(VisitCheckin.id.in_(current)).values(superseded_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(VisitFlag).where(VisitFlag.checkin_id.in_(current), VisitFlag.superseded_at.is_(None))
                       .values(superseded_at=now).execution_options(synchronize_session=False))
    db.session.expire(visit, ["flags", "checkins"])


def record_checkin(ctx: WriteContext, visit: Visit) -> VisitCheckin:
    """Store the visit's current check-in as a record of its writer's, rate it and raise its flags."""
    config = settings()
    merchant = visit.merchant
    fix = (visit.checkin_lat, visit.checkin_lon) if visit.checkin_lat is not None else None
    merchant_point = (merchant.lat, merchant.lon) if merchant.located else None
    rating = rate_checkin(fix, visit.checkin_accuracy_m, merchant_point,  # type: ignore[arg-type]
                          radius_m=config["GEOFENCE_RADIUS_M"], max_accuracy_m=config["CHECKIN_MAX_ACCURACY_M"])
    visit.checkin_status = rating.status
    visit.checkin_distance_m = None if rating.distance_m is None else round(rating.distance_m, 1)
    checkin = VisitCheckin(
        visit_id=visit.id, user_id=ctx.actor.id, visit_version=visit.version, lat=visit.checkin_lat,
        lon=visit.checkin_lon, accuracy_m=visit.checkin_accuracy_m, captured_at=visit.checkin_captured_at,
        status=visit.checkin_status, distance_m=visit.checkin_distance_m, device_id=ctx.device_id or None,
        created_at=ctx.now)
    db.session.add(checkin)
    db.session.flush()
    flags = integrity.checkin_flags(rating, radius_m=config["GEOFENCE_RADIUS_M"],
                                    max_accuracy_m=config["CHECKIN_MAX_ACCURACY_M"])
    skew = integrity.clock_skew_flag(ctx.client_time, ctx.now, limit_s=config["CLOCK_SKEW_S"])
    if skew:
        flags.append(skew)
    if visit.checkin_lat is not None and visit.checkin_lon is not None and visit.checkin_captured_at is not None:
        flags.extend(integrity.mock_location_flags(visit.checkin_accuracy_m, _repeated_fix_visits(visit)))
        here = Fix(visit.id, visit.checkin_lat, visit.checkin_lon, visit.checkin_accuracy_m, visit.checkin_captured_at)
        flags.extend(travel_flags(ctx.actor.id, here, config["MAX_TRAVEL_KMH"]))
        repeated = accuracy_repeated(ctx.actor.id, checkin)  # webapp.integrity.checkins
        if repeated:
            flags.append(repeated)
        _propose_location(ctx, visit, config["LOCATION_PROPOSAL_ACCURACY_M"])
    add_flags(visit.id, flags, checkin_id=checkin.id)
    return checkin


def _repeated_fix_visits(visit: Visit) -> list[str]:
    """Every visit with the same fix to the micro-degree, wherever it is: the flag stores them all, and each
    reader is shown only those they may open (webapp.visits.evidence_view)."""
    return list(db.session.scalars(
        sa.select(Visit.id).where(
            Visit.checkin_lat_e6 == visit.checkin_lat_e6,
            Visit.checkin_lon_e6 == visit.checkin_lon_e6,
            Visit.id != visit.id,
        ).order_by(Visit.created_at).limit(10)
    ))


@dataclass(frozen=True)
class Fix:
    """One position a person sent, with the visit it belongs to."""

    visit_id: str
    lat: float
    lon: float
    accuracy_m: float | None
    captured_at: datetime


_FixQuery = sa.Select[str, float, float, float | None, datetime]


def _own_fix_queries(user_id: int, exclude_visit: str) -> list[tuple[_FixQuery, sa.ColumnElement[datetime]]]:
    """The person's own current fixes, each query with its time column: check-ins of bodies they wrote, and
    their squad confirmations."""
    written = (sa.select(VisitCheckin.visit_id, VisitCheckin.lat, VisitCheckin.lon, VisitCheckin.accuracy_m,
                         VisitCheckin.captured_at)
               .where(VisitCheckin.user_id == user_id, VisitCheckin.superseded_at.is_(None),
                      VisitCheckin.visit_id != exclude_visit, VisitCheckin.lat.is_not(None),
                      VisitCheckin.lon.is_not(None), VisitCheckin.captured_at.is_not(None)))
    confirmed = (sa.select(SquadConfirmation.visit_id, SquadConfirmation.lat, SquadConfirmation.lon,
                           SquadConfirmation.accuracy_m, SquadConfirmation.captured_at)
                 .where(SquadConfirmation.user_id == user_id, SquadConfirmation.visit_id != exclude_visit,
                        SquadConfirmation.lat.is_not(None), SquadConfirmation.lon.is_not(None),
                        SquadConfirmation.captured_at.is_not(None)))
    return [(written, VisitCheckin.captured_at), (confirmed, SquadConfirmation.captured_at)]  # type: ignore[list-item]


def _fix(row: sa.Row[str, float, float, float | None, datetime]) -> Fix:
    return Fix(row[0], row[1], row[2], row[3], row[4])


def _neighbours(user_id: int, here: Fix) -> list[Fix]:
    """The person's own fix just before and just after this one (offline sync delivers them out of order)."""
    before: list[Fix] = []
    after: list[Fix] = []
    for query, at in _own_fix_queries(user_id, here.visit_id):
        earlier = db.session.execute(query.where(at <= here.captured_at).order_by(at.desc()).limit(1)).first()
        later = db.session.execute(query.where(at > here.captured_at).order_by(at.asc()).limit(1)).first()
        if earlier is not None:
            before.append(_fix(earlier))
        if later is not None:
            after.append(_fix(later))
    chosen = []
    if before:
        chosen.append(max(before, key=lambda f: f.captured_at))
    if after:
        chosen.append(min(after, key=lambda f: f.captured_at))
    return chosen


def travel_flags(user_id: int, here: Fix, max_kmh: float) -> list[integrity.Flag]:
    """impossible_travel between this fix and the same person's own fixes just before and after it."""
    flags: list[integrity.Flag] = []
    for other in _neighbours(user_id, here):
        flag = integrity.travel_flag(
            (here.lat, here.lon), here.captured_at, here.accuracy_m,
            (other.lat, other.lon), other.captured_at, other.accuracy_m, other.visit_id, max_kmh=max_kmh)
        if flag:
            flags.append(flag)
    return flags


def _propose_location(ctx: WriteContext, visit: Visit, max_accuracy_m: float) -> None:
    """A precise fix at an unlocated merchant proposes its location; its writer is the proposer (who may
    never decide the proposal: webapp.checkins.proposals)."""
    merchant = visit.merchant
    if merchant.located or visit.checkin_accuracy_m is None or visit.checkin_accuracy_m > max_accuracy_m:
        return
    if visit.checkin_accuracy_m == 0:
        return  # a perfect fix is the mark of a mocked location: never propose it
    exists = db.session.scalar(sa.select(LocationProposal.id).where(LocationProposal.visit_id == visit.id))
    if exists is None:
        db.session.add(LocationProposal(
            merchant_id=merchant.id, visit_id=visit.id, lat=visit.checkin_lat, lon=visit.checkin_lon,
            accuracy_m=visit.checkin_accuracy_m, proposed_by_id=ctx.actor.id))
