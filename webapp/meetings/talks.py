"""Performance talks (绩效面谈): a lead talks with a manager about activity, product knowledge (ours and
competitors'), sales-skill maturity and morale, and they agree actions with dates. The manager's figures
are attached by the app when the talk is recorded, so nobody copies numbers into the record.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.items import clean_text, parse_day
from webapp.meetings.targets import person_targets
from webapp.metrics.counting import person_totals, totals_by
from webapp.metrics.definitions import BASE_METRICS, Definitions, achievement, month_start, next_month, week_start
from webapp.metrics.store import definitions_for
from webapp.models import PerformanceTalk, TalkAction, User
from webapp.models.people import TALK_RATINGS
from webapp.roles import TEAM_LEAD
from webapp.write_kernel import FieldErrors, Forbidden, WriteContext

MAX_ACTIONS = 5
TREND_WEEKS = 6
TALK_DAYS_BACK = timedelta(days=60)


def talk_figures(person: User, definitions: Definitions, today: date) -> dict[str, Any]:
    """The manager's figures as attached to a talk: the last weeks (actual, target, achievement), the month so
    far against its target, and conversion. Plain JSON, kept as it was on the day of the talk."""
    this_week = week_start(today)
    first = this_week - timedelta(weeks=TREND_WEEKS - 1)
    by_day = totals_by(("user_id", "day"), definitions, first, today + timedelta(days=1), user_ids=[person.id])
    weeks: list[dict[str, Any]] = []
    for n in range(TREND_WEEKS):
        start = first + timedelta(weeks=n)
        actual = {metric: sum(t.value(metric) for (_u, day), t in by_day.items()
                              if start <= day < start + timedelta(days=7)) for metric in BASE_METRICS}
        targets = person_targets([person.id], "week", start)[person.id]
        target = {metric: targets[metric].value for metric in BASE_METRICS if metric in targets}
        weeks.append({"week": start.isoformat(), "actual": actual, "target": target,
                      "achievement": {m: achievement(actual[m], target.get(m)) for m in BASE_METRICS}})
    month = month_start(today)
    month_totals = person_totals(definitions, [person.id], month, next_month(month))[person.id]
    month_targets = person_targets([person.id], "month", month)[person.id]
    return {
        "as_of": today.isoformat(),
        "weeks": weeks,
        "month": {"start": month.isoformat(),
                  "actual": {m: month_totals.value(m) for m in BASE_METRICS},
                  "target": {m: month_targets[m].value for m in BASE_METRICS if m in month_targets},
                  "application_rate": month_totals.application_rate, "deal_rate": month_totals.deal_rate,
                  "by_product": dict(month_totals.by_product)},
    }


def record_talk(ctx: WriteContext, person: User, form: Mapping[str, str]) -> PerformanceTalk:
    """A lead records a talk with a member of their team, with up to five agreed actions."""
    actor: User = ctx.actor
    if actor.role != TEAM_LEAD or actor.team_id is None or person.team_id != actor.team_id \
            or person.id == actor.id:
        raise Forbidden(_("A team lead records talks with the members of their team."))
    errors = FieldErrors()
    today = bank_today(ctx.now)
    held_on = parse_day(form.get("held_on"), "held_on", errors)
    if held_on is not None and not today - TALK_DAYS_BACK <= held_on <= today:
        errors.add("held_on", _("A talk is recorded on its day or within 60 days after it."))
    ratings: dict[str, int] = {}
    for name in TALK_RATINGS:
        raw = (form.get(name) or "").strip()
        if raw not in ("1", "2", "3", "4", "5"):
            errors.add(name, _("Choose from 1 to 5."))
        else:
            ratings[name] = int(raw)
    summary = clean_text(form.get("summary"), "summary", errors, 2000)
    actions: list[tuple[str, date]] = []
    for n in range(MAX_ACTIONS):
        text = clean_text(form.get(f"action-{n}-text"), f"action-{n}-text", errors, 300)
        due_raw = (form.get(f"action-{n}-due") or "").strip()
        if not text and not due_raw:
            continue
        if not text:
            errors.add(f"action-{n}-text", _("Say what was agreed."))
            continue
        due = parse_day(due_raw, f"action-{n}-due", errors)
        if due is not None and held_on is not None and not held_on <= due <= held_on + timedelta(days=366):
            errors.add(f"action-{n}-due", _("The date falls after the talk, within a year."))
        elif due is not None:
            actions.append((text, due))
    errors.raise_if_any()
    assert held_on is not None
    talk = PerformanceTalk(sub_branch_id=person.sub_branch_id, team_id=person.team_id, manager_id=person.id,
                           lead_id=actor.id, held_on=held_on,
                           figures=talk_figures(person, definitions_for(person.sub_branch.branch_id), today),
                           summary=summary, created_at=ctx.now, **ratings)
    talk.actions = [TalkAction(text=text, due_on=due) for text, due in actions]
    db.session.add(talk)
    db.session.flush()
    return talk


def complete_action(ctx: WriteContext, action: TalkAction) -> None:
    """The manager or the lead of the talk marks an agreed action done (it leaves both inboxes)."""
    talk = action.talk
    if ctx.actor.id not in (talk.manager_id, talk.lead_id) and not (
            ctx.actor.role == TEAM_LEAD and ctx.actor.team_id == talk.team_id):
        raise Forbidden(_("Only the two people of the talk mark its actions done."))
    if action.done_at is None:
        action.done_at, action.done_by_id = ctx.now, ctx.actor.id
    db.session.flush()


def last_talk_on(person_id: int) -> date | None:
    return db.session.scalar(sa.select(sa.func.max(PerformanceTalk.held_on))
                             .where(PerformanceTalk.manager_id == person_id))
