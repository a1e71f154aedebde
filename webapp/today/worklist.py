"""A manager's work for today, as one walking route.

Three sources, merged per merchant:
- the sweep day: merchants assigned to the manager's squad on today's sweep day, in the squad's planned order;
- follow-ups due: visits the manager took part in whose outcome.follow_up_date is today or earlier, and that
  no later visit to the same merchant has followed up yet;
- post-loan checks due. Interim rule until the loan book exists: a merchant with status 'borrower' owned by
  the manager is due when its last post-loan visit started more than 30 days ago, or never happened.

The route starts where the manager stands (nearest neighbour on geodesic distance, improved by 2-opt and
Or-opt: webapp.geo.routing.route_order); without a position it starts at the first stop in the order above.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from webapp.bank_time import day_bounds
from webapp.extensions import db
from webapp.geo.geofence import distance_m
from webapp.geo.routing import route_order
from webapp.models import Merchant, SweepDay, SweepSquad, User, Visit

Point = tuple[float, float]

# Interim post-loan rule (no loan book yet): a borrower is checked on site at least this often.
POST_LOAN_INTERVAL = timedelta(days=30)
REASON_ORDER = ("sweep", "follow_up", "post_loan")


@dataclass
class Stop:
    """One merchant to go to, and every reason to go there today."""

    merchant: Merchant
    reasons: list[str] = field(default_factory=list)
    follow_up_date: str | None = None
    last_post_loan: datetime | None = None

    @property
    def point(self) -> Point | None:
        m = self.merchant
        return (m.lat, m.lon) if m.lat is not None and m.lon is not None else None

    @property
    def visit_kind(self) -> str:
        """The kind a started visit should default to: a due post-loan check is done on the spot."""
        return "post_loan" if "post_loan" in self.reasons else "marketing"


@dataclass
class RouteStop:
    stop: Stop
    leg_m: float | None  # from the previous stop, or from the manager for the first one
    cumulative_m: float  # walked so far when arriving here


@dataclass
class Route:
    stops: list[RouteStop]
    unlocated: list[Stop]
    total_m: float
    from_position: bool


@dataclass
class Workday:
    sweep_day: SweepDay | None
    squad: SweepSquad | None
    stops: list[Stop]
    done: list[Merchant]


def _participated(user_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(Visit.lead_id == user_id, Visit.support_id == user_id, Visit.observer_id == user_id,
                  Visit.created_by_id == user_id)


def todays_sweep(user: User, today: date) -> tuple[SweepDay | None, SweepSquad | None]:
    """The team's sweep day today and the user's squad in it, if any."""
    if user.team_id is None:
        return None, None
    sweep_day = db.session.scalar(
        sa.select(SweepDay).where(SweepDay.team_id == user.team_id, SweepDay.sub_branch_id == user.sub_branch_id,
                                  SweepDay.sweep_date == today)
    )
    if sweep_day is None:
        return None, None
    squad = next((s for s in sweep_day.squads if user.id in s.member_ids()), None)
    return sweep_day, squad


def follow_ups_due(user: User, today: date) -> list[tuple[Visit, str]]:
    """The user's visits with a follow-up date on or before today and no later visit to that merchant."""
    later = aliased(Visit)
    follow_up = Visit.outcome["follow_up_date"].as_string()
    visits = db.session.scalars(
        sa.select(Visit)
        .where(
            _participated(user.id),
            Visit.sub_branch_id == user.sub_branch_id,
            follow_up.is_not(None),
            follow_up != "",
            follow_up <= today.isoformat(),
            ~sa.select(later.id)
            .where(later.merchant_id == Visit.merchant_id, later.started_at > Visit.started_at)
            .exists(),
        )
        .order_by(follow_up, Visit.started_at)
    )
    return [(v, str(v.outcome.get("follow_up_date"))) for v in visits]


def post_loan_due(user: User, now: datetime) -> list[tuple[Merchant, datetime | None]]:
    """Borrowers the user owns whose last post-loan visit is older than 30 days, or missing (interim rule)."""
    last_check = (
        sa.select(Visit.merchant_id, sa.func.max(Visit.started_at).label("last"))
        .where(Visit.kind == "post_loan")
        .group_by(Visit.merchant_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Merchant, last_check.c.last)
        .outerjoin(last_check, last_check.c.merchant_id == Merchant.id)
        .where(
            Merchant.owner_id == user.id,
            Merchant.sub_branch_id == user.sub_branch_id,
            Merchant.status == "borrower",
            sa.or_(last_check.c.last.is_(None), last_check.c.last < now - POST_LOAN_INTERVAL),
        )
        .order_by(last_check.c.last.is_not(None), last_check.c.last, Merchant.name)
    ).all()
    return [(merchant, _aware(last)) for merchant, last in rows]


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns the aggregate of a UTC column without its zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def visited_on(merchant_ids: Sequence[int], day: date, sub_branch_id: int) -> set[int]:
    if not merchant_ids:
        return set()
    start, end = day_bounds(day)
    return set(db.session.scalars(
        sa.select(Visit.merchant_id).where(
            Visit.merchant_id.in_(merchant_ids), Visit.sub_branch_id == sub_branch_id,
            Visit.started_at >= start, Visit.started_at < end,
        )
    ))


def workday(user: User, today: date, now: datetime) -> Workday:
    """Today's stops in their default order (sweep plan, then follow-ups by date, then post-loan checks)."""
    stops: dict[int, Stop] = {}

    def stop_for(merchant: Merchant) -> Stop:
        return stops.setdefault(merchant.id, Stop(merchant=merchant))

    sweep_day, squad = todays_sweep(user, today)
    done: list[Merchant] = []
    if sweep_day is not None and squad is not None:
        planned = sorted((s for s in sweep_day.stops if s.squad_id == squad.id), key=lambda s: (s.position, s.id))
        visited = visited_on([s.merchant_id for s in planned], today, sweep_day.sub_branch_id)
        for sweep_stop in planned:
            if sweep_stop.merchant_id in visited:
                done.append(sweep_stop.merchant)
            else:
                stop_for(sweep_stop.merchant).reasons.append("sweep")
    for visit, due in follow_ups_due(user, today):
        stop = stop_for(visit.merchant)
        if "follow_up" not in stop.reasons:
            stop.reasons.append("follow_up")
            stop.follow_up_date = due
    for merchant, last in post_loan_due(user, now):
        stop = stop_for(merchant)
        stop.reasons.append("post_loan")
        stop.last_post_loan = last
    for stop in stops.values():
        stop.reasons.sort(key=REASON_ORDER.index)
    return Workday(sweep_day=sweep_day, squad=squad, stops=list(stops.values()), done=done)


def plan_route(stops: Sequence[Stop], start: Point | None) -> Route:
    """The located stops in walking order with the distance of each leg; unlocated stops follow unordered."""
    located = [s for s in stops if s.point is not None]
    unlocated = [s for s in stops if s.point is None]
    points: list[Point] = [s.point for s in located]  # type: ignore[misc]
    order = route_order(start, points)
    route: list[RouteStop] = []
    previous = start
    total = 0.0
    for index in order:
        leg = distance_m(previous, points[index]) if previous is not None else None
        total += leg or 0.0
        route.append(RouteStop(stop=located[index], leg_m=leg, cumulative_m=total))
        previous = points[index]
    return Route(stops=route, unlocated=unlocated, total_m=total, from_position=start is not None)
