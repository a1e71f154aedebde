"""A manager's work for today, as one walking route.

Three sources, merged per merchant (a merchant I visited today moves to the day's "done" list, with every
visit I took part in today):
- the sweep day: merchants assigned to the manager's squad on today's sweep day, in the squad's planned order;
- follow-ups due: visits the manager took part in whose outcome.follow_up_date is today or earlier, and that
  no later visit to the same merchant has followed up yet;
- post-loan checks due: the manager's on-site checks of the loan book's schedule whose window is open
  (webapp.postloan.due); off-site ones are listed beside the route, since they need no walk.

The route starts where the manager stands (nearest neighbour on geodesic distance, improved by 2-opt and
Or-opt: webapp.geo.routing.route_order); without a position it starts at the first stop in the order above.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from webapp.bank_time import day_bounds
from webapp.extensions import db
from webapp.geo.geofence import distance_m
from webapp.geo.routing import route_order
from webapp.models import Merchant, SweepDay, SweepSquad, User, Visit
from webapp.postloan.due import DueCheck, due_checks

Point = tuple[float, float]

REASON_ORDER = ("sweep", "follow_up", "post_loan")


@dataclass
class Stop:
    """One merchant to go to, and every reason to go there today."""

    merchant: Merchant
    reasons: list[str] = field(default_factory=list)
    follow_up_date: str | None = None
    post_loan_check_id: int | None = None  # the scheduled check a visit started here fulfils

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
class Done:
    """A merchant visited today: a stop of my squad someone visited, or a visit I took part in (then linked)."""

    merchant: Merchant
    visit_id: str | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Workday:
    sweep_day: SweepDay | None
    squad: SweepSquad | None
    stops: list[Stop]
    done: list[Done]
    offsite_checks: list[DueCheck] = field(default_factory=list)


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


def my_visits_on(user: User, day: date) -> list[Visit]:
    """The visits I took part in on this bank day, earliest first (what I did today)."""
    start, end = day_bounds(day)
    return list(db.session.scalars(
        sa.select(Visit).where(_participated(user.id), Visit.sub_branch_id == user.sub_branch_id,
                               Visit.started_at >= start, Visit.started_at < end)
        .order_by(Visit.started_at, Visit.id)))


def workday(user: User, today: date, now: datetime) -> Workday:
    """Today's stops in their default order (sweep plan, then follow-ups by date, then post-loan checks), and what
    was done today: the squad's visited stops and every visit I took part in (a done stop stays, marked done)."""
    stops: dict[int, Stop] = {}
    done_by_merchant: dict[int, Done] = {}

    def stop_for(merchant: Merchant) -> Stop:
        return stops.setdefault(merchant.id, Stop(merchant=merchant))

    for visit in my_visits_on(user, today):
        done_by_merchant[visit.merchant_id] = Done(merchant=visit.merchant, visit_id=visit.id)
    sweep_day, squad = todays_sweep(user, today)
    if sweep_day is not None and squad is not None:
        planned = sorted((s for s in sweep_day.stops if s.squad_id == squad.id), key=lambda s: (s.position, s.id))
        visited = visited_on([s.merchant_id for s in planned], today, sweep_day.sub_branch_id)
        for sweep_stop in planned:
            if sweep_stop.merchant_id in visited:
                done_by_merchant.setdefault(sweep_stop.merchant_id, Done(merchant=sweep_stop.merchant)).reasons.append(
                    "sweep")
            else:
                stop_for(sweep_stop.merchant).reasons.append("sweep")
    for visit, due in follow_ups_due(user, today):
        stop = stop_for(visit.merchant)
        if "follow_up" not in stop.reasons:
            stop.reasons.append("follow_up")
            stop.follow_up_date = due
    for item in due_checks(user, today, mode="onsite"):
        stop = stop_for(item.loan.borrower)
        if "post_loan" not in stop.reasons:
            stop.reasons.append("post_loan")
            stop.post_loan_check_id = item.check.id
    for stop in stops.values():
        stop.reasons.sort(key=REASON_ORDER.index)
    # A follow-up or sweep stop visited today has left the stops above; a post-loan check still open stays.
    return Workday(sweep_day=sweep_day, squad=squad, stops=list(stops.values()), done=list(done_by_merchant.values()),
                   offsite_checks=due_checks(user, today, mode="offsite"))


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
