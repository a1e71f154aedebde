"""The demo team's sweep days (拓展拜访日), planned by lead1 through the sweep write path the plan form posts
to: one last week, worked through, and one today, under way (the squads have visited some of their stops)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from webapp.bank_time import BANK_ZONE
from webapp.demo.clock import at, todays_times
from webapp.demo.history import LEAD_NOTES, OBSERVER_NOTES, Planner, marketing_outcome
from webapp.demo.writer import VisitPlan
from webapp.extensions import db
from webapp.models import SweepDay, SweepSquad, User
from webapp.sweeps.forms import PlanForm
from webapp.sweeps.pages import team_members
from webapp.sweeps.write import plan_sweep_day

PAST_DISTRICT = "黄龙商圈"
TODAY_DISTRICT = "湖滨商圈"
TODAY_VISITED_PER_SQUAD = 2
SWEEP_SLOTS = (time(9, 10), time(9, 50), time(10, 30), time(11, 10), time(14, 0), time(14, 40), time(15, 20),
               time(16, 0), time(16, 40), time(17, 10))


def _plan(lead: User, day: date, district: str, title: str, planned_at: datetime) -> SweepDay:
    form = PlanForm(values=MultiDict([
        ("sweep_date", day.isoformat()), ("title", title), ("district", district),
        ("target_consultations", "15"), ("target_applications", "4"), ("target_deals", "5")]))
    sweep_day = plan_sweep_day(lead, form, team_members(lead), today=day, now=planned_at)
    db.session.flush()  # the split sets each stop's squad
    return sweep_day


def sweep_day_for_history(days: list[date]) -> date:
    """Last week's sweep: the working day a week before the latest one (a fixed weekday, as a rotation has)."""
    return days[-5] if len(days) >= 5 else days[0]


def _squad_plans(planner: Planner, sweep_day: SweepDay, squad: SweepSquad, times: list[datetime],
                 *, confirm_all: bool) -> None:
    stops = sorted((s for s in sweep_day.stops if s.squad_id == squad.id), key=lambda s: (s.position, s.id))
    rng = planner.rng
    for number, (stop, started) in enumerate(zip(stops, times, strict=False)):
        members = [m for m in (squad.support, squad.observer) if m is not None]
        confirming = tuple(members) if confirm_all or number < len(times) - 1 else tuple(members[1:])
        notes = {"lead": rng.choice(LEAD_NOTES)}
        if squad.observer is not None:
            notes["observer"] = rng.choice(OBSERVER_NOTES)
        planner.plans.append(VisitPlan(
            key=f"sweep/{sweep_day.sweep_date}/{squad.number}/{stop.merchant_id}", writer=squad.lead,
            merchant=stop.merchant, started=started, support=squad.support, observer=squad.observer,
            fix=planner.fix_at(stop.merchant), outcome=marketing_outcome(rng, sweep_day.sweep_date), notes=notes,
            photos=planner.photos(1 if number % 2 == 0 else 0, ("premises",)), confirm=confirming))


def plan_sweeps(planner: Planner, days: list[date], today: date, now: datetime) -> dict[date, set[str]]:
    """Plan both sweep days and their visits; returns who sweeps on which past day (they make no other visits)."""
    lead = planner.users["lead1"]
    past = sweep_day_for_history(days)
    planned = datetime.combine(past, time(8, 20), BANK_ZONE).astimezone(UTC)
    last_week = _plan(lead, past, PAST_DISTRICT, "黄龙商圈扫街", planned)
    rng = planner.rng
    for squad in last_week.squads:
        stops = sum(1 for s in last_week.stops if s.squad_id == squad.id)
        # Most of the plan covered; a stop or two left for next time.
        times = [at(past, slot, rng, 8) for slot in SWEEP_SLOTS[:max(1, stops - 1)]]
        _squad_plans(planner, last_week, squad, times, confirm_all=True)
    morning = min(now - timedelta(hours=2), datetime.combine(today, time(8, 15), BANK_ZONE).astimezone(UTC))
    this_day = _plan(lead, today, TODAY_DISTRICT, "湖滨商圈扫街", morning)
    times = todays_times(today, now, TODAY_VISITED_PER_SQUAD, rng)
    for squad in this_day.squads:
        _squad_plans(planner, this_day, squad, times, confirm_all=False)
    sweepers = {u.username for s in last_week.squads for u in (s.lead, s.support, s.observer) if u is not None}
    db.session.flush()
    return {past: sweepers}


def todays_sweep() -> SweepDay | None:
    return db.session.scalar(sa.select(SweepDay).order_by(SweepDay.sweep_date.desc()).limit(1))
