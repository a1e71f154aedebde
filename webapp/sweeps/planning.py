"""Planning a sweep day: which merchants, which squads, and which squad covers which merchant.

How the merchants are split among the squads: ``webapp.geo.routing.split_balanced``, a capacity-constrained
k-means (k-means++ seeds; points assigned nearest-first under size limits of floor/ceil(n/k); centres moved
to their groups' means until stable; then swaps between groups while they lower the total in-group
distance). Each squad gets a compact patch of the district (a short walk, no squad crossing another's
path) and the same workload to within one merchant. Merchants without a registered location cannot be
placed on the map: they are dealt to the smallest squads afterwards, which keeps the balance.

Within a squad the planned order starts at the merchant farthest from the squad's centre (an end of its
patch, so the walk does not start in the middle and double back) and follows ``route_order``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.geo.geofence import distance_m
from webapp.geo.routing import route_order, split_balanced
from webapp.merchants.search import like_pattern
from webapp.models import Merchant, SweepDay, SweepSquad, SweepStop, User, Visit
from webapp.roles import TEAM_LEAD

Point = tuple[float, float]  # (lat, lon) WGS-84
SquadRow = tuple[int, int | None, int | None]  # lead, support, observer (user ids)

SQUAD_SIZE = 3
# A team sweeps a district of 20-50 shops; a plan far larger is a mistake in the filters, and the split's
# pairwise swaps grow with the square of the count.
MAX_SWEEP_MERCHANTS = 200
SPLIT_SEED = 0


@dataclass(frozen=True)
class MerchantCriteria:
    """How a lead picks the day's merchants; every filter given must hold (they narrow, never widen)."""

    district: str = ""
    address_contains: str = ""
    industries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    not_visited_days: int | None = None
    centre: Point | None = None
    radius_m: float | None = None
    polygon: tuple[Point, ...] = ()

    @property
    def geometric(self) -> bool:
        return self.centre is not None or bool(self.polygon)

    def as_json(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "address_contains": self.address_contains,
            "industries": list(self.industries),
            "statuses": list(self.statuses),
            "not_visited_days": self.not_visited_days,
            "centre": list(self.centre) if self.centre else None,
            "radius_m": self.radius_m,
            "polygon": [list(p) for p in self.polygon],
        }


@dataclass(frozen=True)
class Targets:
    consultations: int = 0
    applications: int = 0
    deals: int = 0


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Ray casting on (lat, lon) taken as plane coordinates.

    Fine within a city: a drawn area spans a few kilometres, and treating degrees as a plane bends its
    edges by centimetres, far less than the uncertainty of a merchant's registered location. A point
    exactly on an edge may fall either side.
    """
    lat, lon = point
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        lat_i, lon_i = polygon[i]
        lat_j, lon_j = polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing_lon = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
            if lon < crossing_lon:
                inside = not inside
        j = i
    return inside


def merchant_point(merchant: Merchant) -> Point | None:
    return (merchant.lat, merchant.lon) if merchant.lat is not None and merchant.lon is not None else None


def _within_geometry(merchant: Merchant, criteria: MerchantCriteria) -> bool:
    point = merchant_point(merchant)
    if not criteria.geometric:
        return True
    if point is None:
        return False  # an unlocated merchant cannot be shown to lie inside an area
    if criteria.centre is not None and criteria.radius_m is not None:
        if distance_m(criteria.centre, point) > criteria.radius_m:
            return False
    if criteria.polygon and not point_in_polygon(point, criteria.polygon):
        return False
    return True


def matching_merchants(sub_branch_id: int, criteria: MerchantCriteria, *, now: datetime) -> list[Merchant]:
    """The sub-branch's merchants that meet every criterion: the columns in SQL, the geometry in Python."""
    query = sa.select(Merchant).where(Merchant.sub_branch_id == sub_branch_id)
    if criteria.district:
        query = query.where(Merchant.district == criteria.district)
    if criteria.address_contains:
        query = query.where(Merchant.address.ilike(like_pattern(criteria.address_contains), escape="\\"))
    if criteria.industries:
        query = query.where(Merchant.industry.in_(criteria.industries))
    if criteria.statuses:
        query = query.where(Merchant.status.in_(criteria.statuses))
    if criteria.not_visited_days:
        cutoff = now - timedelta(days=criteria.not_visited_days)
        recent = sa.select(Visit.id).where(Visit.merchant_id == Merchant.id, Visit.started_at >= cutoff)
        query = query.where(~recent.exists())
    merchants = db.session.scalars(query.order_by(Merchant.district, Merchant.name, Merchant.id))
    return [m for m in merchants if _within_geometry(m, criteria)]


# Squads


def sub_branch_industries(sub_branch_id: int) -> list[str]:
    """The industries of the sub-branch's merchants, for the plan form's filter."""
    rows = db.session.scalars(
        sa.select(Merchant.industry).where(Merchant.sub_branch_id == sub_branch_id, Merchant.industry != "").distinct()
    )
    return sorted(rows)


def squad_count_bounds(people: int) -> tuple[int, int]:
    """At most three to a squad, at least one: from ceil(n/3) squads up to one per person."""
    if people <= 0:
        return 0, 0
    return math.ceil(people / SQUAD_SIZE), people


def form_squads(member_ids: Sequence[int], squad_count: int | None = None) -> list[SquadRow]:
    """Squads of three where the team allows, pairs (or one solo) where it is short; everyone is in one.

    ``squad_count`` squads (default: as few as possible, ceil(n/3)), sizes as equal as possible, so a team
    of 7 makes 3 + 2 + 2 rather than 3 + 3 + 1. Members fill the squads in the order given; the first of
    each squad leads (主聊), the second supports (辅聊), the third observes (观察记录).
    """
    n = len(member_ids)
    if n == 0:
        return []
    low, high = squad_count_bounds(n)
    k = min(max(squad_count or low, low), high)
    size, bigger = divmod(n, k)
    rows: list[SquadRow] = []
    start = 0
    for index in range(k):
        end = start + size + (1 if index < bigger else 0)
        chunk = list(member_ids[start:end]) + [None, None]
        lead = chunk[0]
        assert lead is not None
        rows.append((lead, chunk[1], chunk[2]))
        start = end
    return rows


def squad_order(people: Iterable[User]) -> list[int]:
    """Managers first and the team lead last: the lead also coordinates the day, so rather support or observe."""
    return [u.id for u in sorted(people, key=lambda u: (u.role == TEAM_LEAD, u.username))]


def check_squads(
    rows: Sequence[tuple[int | None, int | None, int | None]],
    *,
    members: dict[int, str],
    on_duty: set[int],
) -> tuple[list[SquadRow], dict[str, str]]:
    """Validate squads edited by hand: a lead in each, members of the team only, nobody twice, nobody on duty,
    and everyone not on duty in a squad. Empty rows are dropped. ``members`` maps user id to display name."""
    errors: dict[str, str] = {}
    clean: list[SquadRow] = []
    seen: set[int] = set()
    for index, (lead, support, observer) in enumerate(rows, start=1):
        people = [p for p in (lead, support, observer) if p is not None]
        if not people:
            continue
        key = f"squad-{index}"
        if lead is None:
            errors.setdefault(key, _("A squad needs a lead."))
        for person in people:
            if person not in members:
                errors.setdefault(key, _("Only members of the team can be in a squad."))
            elif person in on_duty:
                errors.setdefault(key, _("%(name)s is on duty that day.", name=members[person]))
            elif person in seen:
                errors.setdefault(key, _("%(name)s is in two squads.", name=members[person]))
            seen.add(person)
        if lead is not None:
            clean.append((lead, support, observer))
    missing = [members[m] for m in members if m not in on_duty and m not in seen]
    if missing:
        errors["squads"] = _("Everyone not on duty sweeps: put %(names)s in a squad or on duty.",
                             names=", ".join(sorted(missing)))
    if not clean and "squads" not in errors:
        errors["squads"] = _("At least one squad is needed.")
    return clean, errors


# The split


def split_among(points: Sequence[Point | None], groups: int, *, seed: int = SPLIT_SEED) -> list[list[int]]:
    """Indices of ``points`` in ``groups`` compact groups whose sizes differ by at most one.

    Located points go through ``split_balanced``; unlocated ones (None) are then dealt one by one to the
    currently smallest group, lowest index first, which keeps sizes within one.
    """
    if groups < 1:
        raise ValueError("groups must be at least 1")
    located = [i for i, p in enumerate(points) if p is not None]
    parts = split_balanced([points[i] for i in located], groups, seed=seed)  # type: ignore[misc]
    buckets = [[located[j] for j in part] for part in parts]
    for index, point in enumerate(points):
        if point is None:
            smallest = min(range(groups), key=lambda g: (len(buckets[g]), g))
            buckets[smallest].append(index)
    return buckets


def walk_order(points: Sequence[Point | None]) -> list[int]:
    """A squad's planned order: from the end of its patch farthest from the middle, then ``route_order``;
    unlocated merchants last."""
    located = [i for i, p in enumerate(points) if p is not None]
    unlocated = [i for i, p in enumerate(points) if p is None]
    if not located:
        return unlocated
    coords: list[Point] = [points[i] for i in located]  # type: ignore[misc]
    middle = (sum(p[0] for p in coords) / len(coords), sum(p[1] for p in coords) / len(coords))
    first = max(range(len(coords)), key=lambda i: (distance_m(middle, coords[i]), -i))
    rotated = [first, *[i for i in range(len(coords)) if i != first]]
    order = route_order(None, [coords[i] for i in rotated])
    return [located[rotated[i]] for i in order] + unlocated


def in_group_distance_m(points: Sequence[Point], groups: Iterable[Sequence[int]]) -> float:
    """Total distance between every pair of points in the same group: the split's measure of compactness."""
    total = 0.0
    for group in groups:
        for a in range(len(group)):
            for b in range(a + 1, len(group)):
                total += distance_m(points[group[a]], points[group[b]])
    return total


def reorder_squad(sweep_day: SweepDay, squad: SweepSquad | None) -> None:
    """Number the squad's stops in its planned walking order."""
    stops = [s for s in sweep_day.stops if s.squad is squad]
    stops.sort(key=lambda s: (s.position, s.id or 0))
    order = walk_order([merchant_point(s.merchant) for s in stops])
    for position, index in enumerate(order):
        stops[index].position = position


def assign_stops(sweep_day: SweepDay, *, seed: int = SPLIT_SEED) -> None:
    """Split all the day's merchants among its squads afresh (a lead's moves by hand are replaced)."""
    squads = sorted(sweep_day.squads, key=lambda s: s.number)
    stops = sorted(sweep_day.stops, key=lambda s: s.merchant_id)
    if not squads:
        for position, stop in enumerate(stops):
            stop.squad, stop.position = None, position
        return
    groups = split_among([merchant_point(s.merchant) for s in stops], len(squads), seed=seed)
    for squad, group in zip(squads, groups):
        for index in group:
            stops[index].squad = squad
    for squad in squads:
        reorder_squad(sweep_day, squad)


def move_stop(sweep_day: SweepDay, stop: SweepStop, squad: SweepSquad) -> None:
    """A lead's adjustment: the merchant goes to another squad; both squads' walking orders are redone."""
    previous = stop.squad
    if previous is squad:
        return
    stop.squad = squad
    stop.position = len(sweep_day.stops)
    reorder_squad(sweep_day, previous)
    reorder_squad(sweep_day, squad)


def replace_squads(sweep_day: SweepDay, rows: Sequence[SquadRow], on_duty_ids: Iterable[int]) -> None:
    """New squads for the day. The same number of squads keeps each squad's merchants; another number
    means a new split."""
    sweep_day.on_duty_ids = sorted(set(on_duty_ids))
    squads = sorted(sweep_day.squads, key=lambda s: s.number)
    if len(squads) == len(rows):
        for squad, (lead, support, observer) in zip(squads, rows):
            squad.lead_id, squad.support_id, squad.observer_id = lead, support, observer
        return
    for stop in sweep_day.stops:
        stop.squad = None
    sweep_day.squads.clear()
    db.session.flush()  # the old squads go before new ones take their numbers
    for number, (lead, support, observer) in enumerate(rows, start=1):
        sweep_day.squads.append(SweepSquad(number=number, lead_id=lead, support_id=support, observer_id=observer))
    db.session.flush()
    assign_stops(sweep_day)


@dataclass
class NewSweepDay:
    """A checked plan, ready to be written."""

    sweep_date: date
    title: str
    criteria: MerchantCriteria
    targets: Targets
    on_duty_ids: list[int] = field(default_factory=list)
    squad_count: int | None = None


def create_sweep_day(
    lead: User, plan: NewSweepDay, merchants: Sequence[Merchant], sweepers: Sequence[User],
) -> SweepDay:
    """Write the day with its squads formed automatically and its merchants split among them; the caller commits."""
    assert lead.team_id is not None
    sweep_day = SweepDay(
        sub_branch_id=lead.sub_branch_id,
        team_id=lead.team_id,
        sweep_date=plan.sweep_date,
        district=plan.criteria.district,
        title=plan.title,
        target_consultations=plan.targets.consultations,
        target_applications=plan.targets.applications,
        target_deals=plan.targets.deals,
        criteria=plan.criteria.as_json(),
        on_duty_ids=sorted(set(plan.on_duty_ids)),
        created_by_id=lead.id,
    )
    db.session.add(sweep_day)
    for number, (lead_id, support_id, observer_id) in enumerate(
        form_squads(squad_order(sweepers), plan.squad_count), start=1
    ):
        sweep_day.squads.append(
            SweepSquad(number=number, lead_id=lead_id, support_id=support_id, observer_id=observer_id)
        )
    for merchant in merchants:
        sweep_day.stops.append(SweepStop(merchant=merchant, position=0))
    db.session.flush()
    assign_stops(sweep_day)
    return sweep_day
