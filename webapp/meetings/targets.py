"""Targets: a lead sets them per person for a day, week or month; the branch sets each sub-branch's; in the
morning meeting each person confirms or adjusts their own for today. One write path for each, used by the
pages and the demo seed; they flush, the caller commits.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.metrics.definitions import BASE_METRICS, month_start, next_month, week_start
from webapp.models import TARGET_PERIODS, PersonTarget, SubBranch, SubBranchTarget, Team, User
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope import board_people
from webapp.visits.payload import DEAL_PRODUCTS
from webapp.write_kernel import FieldErrors, Forbidden, Invalid, WriteContext

PRODUCT_METRICS = tuple(f"deals.{product}" for product in DEAL_PRODUCTS)
TARGET_METRICS = BASE_METRICS + PRODUCT_METRICS
MAX_TARGET = 9999
BRANCH_PERIODS = ("week", "month")


def period_start(period: str, day: date) -> date:
    """The first day of the day, week (Monday) or month that holds ``day``."""
    if period == "week":
        return week_start(day)
    if period == "month":
        return month_start(day)
    return day


def period_end(period: str, start: date) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return next_month(start)
    return start + timedelta(days=1)


@dataclass(frozen=True)
class TargetValue:
    """A target as a board shows it: the value, and whether it is the sum of day targets (no period target set)."""

    value: int
    summed: bool = False
    confirmed: bool = False
    adjusted_from: int | None = None


def person_targets(user_ids: Collection[int], period: str, start: date) -> dict[int, dict[str, TargetValue]]:
    """Each person's targets for the period; a week or month without its own target takes the sum of the
    day targets set inside it, so a lead who only sets daily targets still sees the week against a plan."""
    found: dict[int, dict[str, TargetValue]] = {user_id: {} for user_id in user_ids}
    if not user_ids:
        return found
    rows = db.session.scalars(sa.select(PersonTarget).where(
        PersonTarget.user_id.in_(list(user_ids)), PersonTarget.period == period, PersonTarget.period_start == start))
    for row in rows:
        found[row.user_id][row.metric] = TargetValue(row.value, confirmed=row.confirmed_at is not None,
                                                     adjusted_from=row.lead_value)
    if period != "day":
        summed = db.session.execute(
            sa.select(PersonTarget.user_id, PersonTarget.metric, sa.func.sum(PersonTarget.value))
            .where(PersonTarget.user_id.in_(list(user_ids)), PersonTarget.period == "day",
                   PersonTarget.period_start >= start, PersonTarget.period_start < period_end(period, start))
            .group_by(PersonTarget.user_id, PersonTarget.metric))
        for user_id, metric, total in summed:
            found[user_id].setdefault(metric, TargetValue(int(total or 0), summed=True))
    return found


def sub_branch_targets(sub_branch_ids: Collection[int], period: str, start: date) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {sub_branch_id: {} for sub_branch_id in sub_branch_ids}
    if not sub_branch_ids:
        return found
    for row in db.session.scalars(sa.select(SubBranchTarget).where(
            SubBranchTarget.sub_branch_id.in_(list(sub_branch_ids)), SubBranchTarget.period == period,
            SubBranchTarget.period_start == start)):
        found[row.sub_branch_id][row.metric] = row.value
    return found


def _parse_value(raw: str | None, path: str, errors: FieldErrors) -> int | None:
    """'' clears a target; otherwise a whole number from 0 to 9999."""
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_TARGET:
        errors.add(path, _("Enter a whole number from 0 to %(max)d.", max=MAX_TARGET))
        return None
    return int(text)


def check_period(period: str, start: date, allowed: tuple[str, ...] = TARGET_PERIODS) -> None:
    if period not in allowed:
        raise Invalid({"period": _("Not one of the allowed values.")})
    if period_start(period, start) != start:
        raise Invalid({"start": _("A week starts on a Monday and a month on its first day.")})


def set_team_targets(ctx: WriteContext, team: Team, period: str, start: date, form: Mapping[str, str]) -> int:
    """A lead sets their team's targets for one period; form keys are ``t-<person id>-<metric>``. An empty
    field removes that target. A changed day target asks its person to confirm it again. Returns changes."""
    if ctx.actor.role != TEAM_LEAD or ctx.actor.team_id != team.id:
        raise Forbidden(_("Only the team's lead sets its targets."))
    check_period(period, start)
    people = {person.id: person for person in db.session.scalars(board_people(team))}
    errors = FieldErrors()
    wanted: dict[tuple[int, str], int | None] = {}
    for key, raw in form.items():
        if not key.startswith("t-"):
            continue
        _prefix, _sep, rest = key.partition("-")
        person_text, _sep, metric = rest.partition("-")
        if not person_text.isdigit() or int(person_text) not in people or metric not in TARGET_METRICS:
            errors.add(key, _("Not one of the allowed values."))
            continue
        wanted[(int(person_text), metric)] = _parse_value(raw, key, errors)
    errors.raise_if_any()
    existing = {(row.user_id, row.metric): row for row in db.session.scalars(sa.select(PersonTarget).where(
        PersonTarget.user_id.in_(list(people)), PersonTarget.period == period, PersonTarget.period_start == start))}
    changes = 0
    for (user_id, metric), value in wanted.items():
        row = existing.get((user_id, metric))
        if value is None:
            if row is not None:
                db.session.delete(row)
                changes += 1
            continue
        if row is None:
            db.session.add(PersonTarget(user_id=user_id, sub_branch_id=team.sub_branch_id, team_id=team.id,
                                        period=period, period_start=start, metric=metric, value=value,
                                        set_by_id=ctx.actor.id, updated_at=ctx.now))
            changes += 1
        elif row.value != value:
            row.value, row.set_by_id, row.updated_at = value, ctx.actor.id, ctx.now
            row.lead_value, row.confirmed_at = None, None
            changes += 1
    db.session.flush()
    return changes


def confirm_own_targets(ctx: WriteContext, form: Mapping[str, str], *, adjust: bool) -> int:
    """In the morning meeting a person confirms today's targets as set, or adjusts them (form keys are the
    metrics); the lead's value is kept beside an adjusted one. Only today's, only one's own."""
    actor: User = ctx.actor
    if actor.role not in FIELD_ROLES or actor.team_id is None:
        raise Forbidden(_("Only a member of a team has targets to confirm."))
    today = bank_today(ctx.now)
    rows = {row.metric: row for row in db.session.scalars(sa.select(PersonTarget).where(
        PersonTarget.user_id == actor.id, PersonTarget.period == "day", PersonTarget.period_start == today))}
    if not adjust:
        if not rows:
            raise Invalid({"targets": _("No targets were set for you today. Enter your own and save them.")})
        for row in rows.values():
            row.confirmed_at = ctx.now
        db.session.flush()
        return len(rows)
    errors = FieldErrors()
    wanted = {metric: _parse_value(form.get(metric), metric, errors) for metric in TARGET_METRICS if metric in form}
    errors.raise_if_any()
    if not any(value is not None for value in wanted.values()):
        raise Invalid({"targets": _("Enter at least one target.")})
    for metric, value in wanted.items():
        own = rows.get(metric)
        if value is None:
            continue
        if own is None:
            db.session.add(PersonTarget(user_id=actor.id, sub_branch_id=actor.sub_branch_id, team_id=actor.team_id,
                                        period="day", period_start=today, metric=metric, value=value,
                                        set_by_id=actor.id, confirmed_at=ctx.now, updated_at=ctx.now))
            continue
        if own.value != value and own.lead_value is None and own.set_by_id != actor.id:
            own.lead_value = own.value
        own.value, own.set_by_id, own.confirmed_at, own.updated_at = value, actor.id, ctx.now, ctx.now
    for row in rows.values():
        row.confirmed_at = ctx.now
    db.session.flush()
    return len(wanted)


def set_sub_branch_targets(ctx: WriteContext, sub_branch: SubBranch, period: str, start: date,
                           form: Mapping[str, str]) -> int:
    """The branch sets a sub-branch's week or month targets (form keys are the metrics)."""
    if ctx.actor.role not in BRANCH_WIDE_ROLES or sub_branch.branch_id != ctx.actor.sub_branch.branch_id:
        raise Forbidden(_("Only the branch sets a sub-branch's targets."))
    check_period(period, start, BRANCH_PERIODS)
    errors = FieldErrors()
    wanted = {metric: _parse_value(form.get(metric), metric, errors) for metric in TARGET_METRICS if metric in form}
    errors.raise_if_any()
    existing = {row.metric: row for row in db.session.scalars(sa.select(SubBranchTarget).where(
        SubBranchTarget.sub_branch_id == sub_branch.id, SubBranchTarget.period == period,
        SubBranchTarget.period_start == start))}
    changes = 0
    for metric, value in wanted.items():
        row = existing.get(metric)
        if value is None:
            if row is not None:
                db.session.delete(row)
                changes += 1
        elif row is None:
            db.session.add(SubBranchTarget(sub_branch_id=sub_branch.id, period=period, period_start=start,
                                           metric=metric, value=value, set_by_id=ctx.actor.id, updated_at=ctx.now))
            changes += 1
        elif row.value != value:
            row.value, row.set_by_id, row.updated_at = value, ctx.actor.id, ctx.now
            changes += 1
    db.session.flush()
    return changes
