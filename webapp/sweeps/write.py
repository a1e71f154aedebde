"""The write path of sweep days and the district rotation: plan a day, change its squads, targets and
assignments, drop it, set the rotation.

Each function checks what the form asked for, raises ``Invalid`` with a message per field (also left on the
``PlanForm`` for redisplay), flushes nothing half-way, and never commits: the view commits once.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import parse_day
from webapp.extensions import db
from webapp.models import Merchant, SweepDay, SweepRotation, SweepStop, User
from webapp.sweeps.forms import PlanForm, squad_rows
from webapp.sweeps.planning import (
    MAX_SWEEP_MERCHANTS,
    check_squads,
    create_sweep_day,
    form_squads,
    matching_merchants,
    move_stop,
    replace_squads,
    squad_order,
    sub_branch_industries,
)
from webapp.sweeps.rotation import rotation_for, sub_branch_districts
from webapp.write_kernel import Invalid


def _refuse_if_any(form: PlanForm) -> None:
    if form.errors:
        raise Invalid(dict(form.errors))


def _sweepers(form: PlanForm, members: list[User], on_duty: set[int]) -> list[User]:
    sweepers = [m for m in members if m.id not in on_duty]
    if not sweepers:
        form.errors["on_duty"] = _("Everyone is on duty: nobody is left to sweep.")
    return sweepers


def plan_sweep_day(lead: User, form: PlanForm, members: list[User], *, today: date, now: datetime) -> SweepDay:
    """A new sweep day for the lead's team: the merchants the filters pick, split among squads formed from
    the members not on duty."""
    plan = form.plan(today=today, districts=sub_branch_districts(lead.sub_branch_id),
                     industries=sub_branch_industries(lead.sub_branch_id), member_ids={m.id for m in members})
    if plan is None:
        raise Invalid(dict(form.errors))
    merchants: list[Merchant] = matching_merchants(lead.sub_branch_id, plan.criteria, now=now)
    if not merchants:
        form.errors["merchants"] = _("No merchant matches these filters.")
    elif len(merchants) > MAX_SWEEP_MERCHANTS:
        form.errors["merchants"] = _("%(count)d merchants match: narrow the filters to at most %(max)d.",
                                     count=len(merchants), max=MAX_SWEEP_MERCHANTS)
    sweepers = _sweepers(form, members, set(plan.on_duty_ids))
    taken = db.session.scalar(
        sa.select(SweepDay.id).where(SweepDay.team_id == lead.team_id, SweepDay.sweep_date == plan.sweep_date))
    if taken is not None:
        form.errors["sweep_date"] = _("Your team already has a sweep day on this date.")
    _refuse_if_any(form)
    return create_sweep_day(lead, plan, merchants, sweepers)


def move_to_squad(sweep_day: SweepDay, stop: SweepStop, squad_id: str) -> None:
    """One merchant to another squad by hand, after the automatic split."""
    squad = next((s for s in sweep_day.squads if str(s.id) == squad_id), None)
    if squad is None:
        raise Invalid({"squad_id": _("Choose one of the day's squads.")})
    move_stop(sweep_day, stop, squad)


def set_squads(sweep_day: SweepDay, form: PlanForm, members: list[User]) -> None:
    """Squads set by hand: who leads, supports and observes, and who is on duty."""
    names = {m.id: m.display_name for m in members}
    on_duty = set(form.on_duty(set(names)))
    rows, errors = check_squads(squad_rows(form.values, len(sweep_day.squads)), members=names, on_duty=on_duty)
    form.errors.update(errors)
    _refuse_if_any(form)
    replace_squads(sweep_day, rows, on_duty)


def reform_squads(sweep_day: SweepDay, form: PlanForm, members: list[User]) -> None:
    """Squads formed automatically again (a number of squads, the people on duty), and the merchants split
    among them afresh."""
    on_duty = set(form.on_duty({m.id for m in members}))
    count = form.integer("squad_count", low=1, high=max(1, len(members)))
    sweepers = _sweepers(form, members, on_duty)
    _refuse_if_any(form)
    replace_squads(sweep_day, [], on_duty)  # drop the old squads so that the split starts afresh
    replace_squads(sweep_day, form_squads(squad_order(sweepers), count), on_duty)


def set_targets(sweep_day: SweepDay, form: PlanForm) -> None:
    targets = form.targets()
    title = form.title()
    _refuse_if_any(form)
    sweep_day.title = title
    sweep_day.target_consultations = targets.consultations
    sweep_day.target_applications = targets.applications
    sweep_day.target_deals = targets.deals


def delete_sweep_day(sweep_day: SweepDay) -> None:
    """Drop a plan; the visits made stay, as they never belonged to it."""
    for stop in sweep_day.stops:
        stop.squad = None
    db.session.flush()
    db.session.delete(sweep_day)


def set_rotation(lead: User, form: PlanForm) -> SweepRotation:
    """The order of the districts (a rank each; no rank leaves a district out), the start and the interval."""
    existing = sub_branch_districts(lead.sub_branch_id)
    start = None
    raw_start = form.get("start_date").strip()
    try:
        start = parse_day(raw_start) if raw_start else None
    except ValueError as fault:
        form.errors["start_date"] = str(fault)
    if start is None and "start_date" not in form.errors:
        form.errors["start_date"] = _("Required.")
    interval = form.integer("interval_weeks", low=1, high=8, default=1) or 1
    ranked: list[tuple[int, str]] = []
    for district, rank in zip(form.getlist("district"), form.getlist("rank")):
        if district not in existing or not rank.strip():
            continue
        try:
            ranked.append((int(rank), district))
        except ValueError:
            form.errors["districts"] = _("Enter a whole number.")
    if not ranked and "districts" not in form.errors:
        form.errors["districts"] = _("Give at least one district a place in the rotation.")
    _refuse_if_any(form)
    assert start is not None
    order = [district for _rank, district in sorted(ranked)]
    rotation = rotation_for(lead.sub_branch_id)
    if rotation is None:
        rotation = SweepRotation(sub_branch_id=lead.sub_branch_id, start_date=start, interval_weeks=interval,
                                 districts=order, updated_by_id=lead.id)
        db.session.add(rotation)
    else:
        rotation.start_date, rotation.interval_weeks, rotation.districts = start, interval, order
        rotation.updated_by_id = lead.id
    return rotation
