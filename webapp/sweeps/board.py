"""The sweep day's figures: coverage and outcomes per squad and overall, against the day's targets.

A visit counts for the day when its merchant is in the plan and it *started* on the sweep date in the
bank's time zone, whoever made it and whenever it reached the server: a phone that syncs the next morning
still fills in yesterday's board. A merchant visited twice that day counts once: visited, a consultation
if any visit was effective, an application if any visit recorded one, and the distinct products sold. A squad
is credited with the visits its members made, not with the merchants assigned to it at the end of the day.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp.bank_time import bank_today, day_bounds
from webapp.extensions import db
from webapp.models import Merchant, SweepDay, SweepSquad, SweepStop, User, Visit

# Browser tests import the bank's "today" under its former name from here.
local_today = bank_today


@dataclass
class MerchantResult:
    """What the day's visits to one merchant achieved."""

    visited: bool = False
    consultation: bool = False
    application: bool = False
    deals: set[str] = field(default_factory=set)
    follow_up_date: str | None = None
    next_step: str = ""
    first_started_at: datetime | None = None
    visitors: list[str] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)


def merge_visits(visits: Iterable[Visit]) -> dict[int, MerchantResult]:
    """Per merchant, the union of the day's visits to it (see the module docstring)."""
    results: dict[int, MerchantResult] = {}
    for visit in sorted(visits, key=lambda v: v.started_at):
        result = results.setdefault(visit.merchant_id, MerchantResult())
        outcome = visit.outcome or {}
        result.visited = True
        result.visits.append(visit)
        result.consultation = result.consultation or outcome.get("effective") is True
        result.application = result.application or bool(outcome.get("application"))
        result.deals.update(d for d in outcome.get("deals") or [] if isinstance(d, str))
        if outcome.get("follow_up_date"):
            result.follow_up_date = str(outcome["follow_up_date"])
        if outcome.get("next_step"):
            result.next_step = str(outcome["next_step"])
        if result.first_started_at is None:
            result.first_started_at = visit.started_at
        name = visit.lead.display_name if visit.lead else ""
        if name and name not in result.visitors:
            result.visitors.append(name)
    return results


def visits_of_day(sweep_day: SweepDay) -> list[Visit]:
    """Visits to the plan's merchants that started on the sweep date, in the plan's sub-branch."""
    start, end = day_bounds(sweep_day.sweep_date)
    planned = sa.select(SweepStop.merchant_id).where(SweepStop.sweep_day_id == sweep_day.id)
    return list(
        db.session.scalars(
            sa.select(Visit)
            .where(
                Visit.merchant_id.in_(planned),
                Visit.sub_branch_id == sweep_day.sub_branch_id,
                Visit.started_at >= start,
                Visit.started_at < end,
            )
            .order_by(Visit.started_at)
            .options(selectinload(Visit.lead))
        )
    )


def share_target(total: int, weights: Sequence[int]) -> list[int]:
    """Split a day's target among squads in proportion to their merchants (largest remainder), so that
    the squads' targets add up to the day's exactly."""
    weight_sum = sum(weights)
    if not weights:
        return []
    if weight_sum == 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    shares = [int(x) for x in exact]
    leftover = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares


@dataclass
class Figures:
    """Coverage and outcomes of a squad or of the whole day, with the targets they are measured against."""

    assigned: int = 0
    visited: int = 0
    consultations: int = 0
    applications: int = 0
    deals: int = 0
    target_consultations: int = 0
    target_applications: int = 0
    target_deals: int = 0

    def add(self, result: MerchantResult | None, *, assigned: bool = True) -> None:
        self.assigned += int(assigned)
        if result is None or not result.visited:
            return
        self.visited += 1
        self.consultations += int(result.consultation)
        self.applications += int(result.application)
        self.deals += len(result.deals)

    @property
    def coverage_pct(self) -> int:
        return round(100 * self.visited / self.assigned) if self.assigned else 0

    @staticmethod
    def achievement(actual: int, target: int) -> int | None:
        """Plan achievement (计划达成率) in percent; None when no target was set."""
        return round(100 * actual / target) if target else None


@dataclass
class SquadBoard:
    squad: SweepSquad | None
    figures: Figures
    stops: list[SweepStop]


@dataclass
class Board:
    sweep_day: SweepDay
    overall: Figures
    squads: list[SquadBoard]
    results: dict[int, MerchantResult]
    loaded: list[object] = field(default_factory=list)  # keeps preloaded rows alive while a page renders

    def result(self, merchant_id: int) -> MerchantResult | None:
        return self.results.get(merchant_id)

    def not_reached(self) -> list[SweepStop]:
        return [stop for group in self.squads for stop in group.stops if stop.merchant_id not in self.results]


def making_squad(visit: Visit, squads: Sequence[SweepSquad]) -> SweepSquad | None:
    """The squad that made a visit: the one its lead is in, else the one any of its squad roles is in."""
    for person_id in (visit.lead_id, visit.created_by_id, visit.support_id, visit.observer_id):
        for squad in squads:
            if person_id is not None and person_id in squad.member_ids():
                return squad
    return None


def credit_by_squad(sweep_day: SweepDay, visits: Sequence[Visit]) -> dict[int | None, dict[int, MerchantResult]]:
    """Each squad's results: the visits its own members made, whichever squad the merchant is assigned to now
    (a stop moved after it was visited stays to the credit of the squad that went there). A visit by someone in
    no squad counts for the squad the merchant is assigned to."""
    assigned = {stop.merchant_id: stop.squad_id for stop in sweep_day.stops}
    by_squad: dict[int | None, list[Visit]] = {}
    for visit in visits:
        maker = making_squad(visit, sweep_day.squads)
        by_squad.setdefault(maker.id if maker else assigned.get(visit.merchant_id), []).append(visit)
    return {squad_id: merge_visits(made) for squad_id, made in by_squad.items()}


def tally(sweep_day: SweepDay, results: dict[int, MerchantResult],
          credited: dict[int | None, dict[int, MerchantResult]] | None = None) -> Board:
    """The board from the plan and the merged results; stops without a squad form a group of their own. A squad's
    figures count the merchants it visited (``credited``, by default the results of its assigned stops); the
    overall figures count each planned merchant once."""
    squads = sorted(sweep_day.squads, key=lambda s: s.number)
    by_squad: dict[int | None, list[SweepStop]] = {s.id: [] for s in squads}
    for stop in sweep_day.stops:
        by_squad.setdefault(stop.squad_id, []).append(stop)
    groups: list[SquadBoard] = []
    for squad in squads:
        stops = sorted(by_squad[squad.id], key=lambda s: (s.position, s.id))
        groups.append(SquadBoard(squad=squad, figures=Figures(), stops=stops))
    if by_squad.get(None):
        groups.append(SquadBoard(squad=None, figures=Figures(), stops=by_squad[None]))
    weights = [len(g.stops) for g in groups]
    for attribute, total in (
        ("target_consultations", sweep_day.target_consultations),
        ("target_applications", sweep_day.target_applications),
        ("target_deals", sweep_day.target_deals),
    ):
        for group, share in zip(groups, share_target(total, weights)):
            setattr(group.figures, attribute, share)
    overall = Figures(
        target_consultations=sweep_day.target_consultations,
        target_applications=sweep_day.target_applications,
        target_deals=sweep_day.target_deals,
    )
    planned = {stop.merchant_id for stop in sweep_day.stops}
    for group in groups:
        key = group.squad.id if group.squad else None
        mine = credited.get(key, {}) if credited is not None else {
            stop.merchant_id: results[stop.merchant_id] for stop in group.stops if stop.merchant_id in results}
        group.figures.assigned = len(group.stops)
        for merchant_id, result in mine.items():
            if merchant_id in planned:
                group.figures.add(result, assigned=False)
        for stop in group.stops:
            overall.add(results.get(stop.merchant_id))
    return Board(sweep_day=sweep_day, overall=overall, squads=groups, results=results)


def preload_plan(sweep_day: SweepDay) -> list[object]:
    """Load the plan's merchants and squad members in two queries: the board is polled every 30 s by every
    phone of the team, and loading them one by one would cost a query per merchant. The identity map holds
    objects weakly, so the caller keeps the returned list while it renders."""
    merchants = db.session.scalars(
        sa.select(Merchant).where(
            Merchant.id.in_(sa.select(SweepStop.merchant_id).where(SweepStop.sweep_day_id == sweep_day.id))
        )
    ).all()
    member_ids = [i for squad in sweep_day.squads for i in squad.member_ids()]
    people = db.session.scalars(sa.select(User).where(User.id.in_(member_ids))).all() if member_ids else []
    return [*merchants, *people]


def build_board(sweep_day: SweepDay) -> Board:
    loaded = preload_plan(sweep_day)
    visits = visits_of_day(sweep_day)
    board = tally(sweep_day, merge_visits(visits), credit_by_squad(sweep_day, visits))
    board.loaded = loaded
    return board
