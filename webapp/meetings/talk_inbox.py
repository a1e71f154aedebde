"""Inbox sources of the people work: agreed actions of performance talks (in both people's inboxes until
done), and the talks the app suggests to a lead when a member stays under target for a number of working
days (the ``talk_after_days`` definition)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.bank_time import BANK_ZONE, bank_today
from webapp.extensions import db
from webapp.inbox.items import InboxItem, Urgency
from webapp.metrics.counting import totals_by
from webapp.metrics.definitions import BASE_METRICS, Definitions
from webapp.metrics.store import definitions_for
from webapp.models import PerformanceTalk, PersonTarget, TalkAction, Team, User
from webapp.roles import FIELD_ROLES, MANAGER, TEAM_LEAD
from webapp.scope import board_people

SOON = timedelta(days=3)


def talk_actions(user: User, now: datetime) -> Iterator[InboxItem]:
    """Open actions of talks I had, as the manager or as the lead."""
    if user.role not in FIELD_ROLES:
        return
    today = bank_today(now)
    rows = db.session.execute(
        sa.select(TalkAction, PerformanceTalk).join(PerformanceTalk, PerformanceTalk.id == TalkAction.talk_id)
        .where(TalkAction.done_at.is_(None),
               sa.or_(PerformanceTalk.manager_id == user.id, PerformanceTalk.lead_id == user.id))
        .order_by(TalkAction.due_on, TalkAction.id)).all()
    for action, talk in rows:
        urgency: Urgency = "overdue" if action.due_on < today else ("due" if action.due_on <= today + SOON else "info")
        due_at = datetime.combine(action.due_on, datetime.min.time(), BANK_ZONE)
        other = talk.manager if talk.lead_id == user.id else talk.lead
        yield InboxItem(kind="talk_action", key=str(action.id), urgency=urgency, due_at=due_at,
                        title=_("Agreed at the talk with %(name)s: %(action)s", name=other.display_name,
                                action=action.text),
                        url=url_for("talks.show", talk_id=talk.id, _anchor=f"action-{action.id}"))


def working_days_before(today: date, count: int, definitions: Definitions) -> list[date]:
    """The ``count`` working days before today, oldest first (a month back at most)."""
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < count and day > today - timedelta(days=62):
        if day.weekday() in definitions.working_weekdays:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def under_target_days(people: Sequence[User], days: list[date], definitions: Definitions) -> dict[int, list[date]]:
    """Per person, the days among ``days`` on which a day target was set and at least one was missed."""
    if not people or not days:
        return {}
    ids = [p.id for p in people]
    targets: dict[tuple[int, date], dict[str, int]] = {}
    for row in db.session.scalars(sa.select(PersonTarget).where(
            PersonTarget.user_id.in_(ids), PersonTarget.period == "day", PersonTarget.period_start.in_(days),
            PersonTarget.metric.in_(BASE_METRICS))):
        targets.setdefault((row.user_id, row.period_start), {})[row.metric] = row.value
    actual = totals_by(("user_id", "day"), definitions, days[0], days[-1] + timedelta(days=1), user_ids=ids)
    missed: dict[int, list[date]] = {p.id: [] for p in people}
    for (user_id, day), wanted in targets.items():
        got = actual.get((user_id, day))
        if any((got.value(metric) if got else 0) < value for metric, value in wanted.items() if value):
            missed[user_id].append(day)
    return missed


def talks_to_suggest(team: Team, definitions: Definitions, today: date) -> list[tuple[User, list[date]]]:
    """Members under target on each of the last ``talk_after_days`` working days, with no talk since."""
    people = [p for p in db.session.scalars(board_people(team)) if p.role == MANAGER]
    days = working_days_before(today, definitions.talk_after_days, definitions)
    if len(days) < definitions.talk_after_days:
        return []
    missed = under_target_days(people, days, definitions)
    suggested = []
    for person in people:
        if missed.get(person.id) != days:
            continue
        talked = db.session.scalar(sa.select(PerformanceTalk.id).where(
            PerformanceTalk.manager_id == person.id, PerformanceTalk.held_on >= days[0]).limit(1))
        if talked is None:
            suggested.append((person, days))
    return suggested


def talk_suggestions(user: User, now: datetime) -> Iterator[InboxItem]:
    """For a lead: a talk with each member who stayed under target, until one is recorded."""
    if user.role != TEAM_LEAD or user.team_id is None or user.team is None:
        return
    definitions = definitions_for(user.sub_branch.branch_id)
    for person, days in talks_to_suggest(user.team, definitions, bank_today(now)):
        yield InboxItem(kind="talk_suggested", key=str(person.id), urgency="due",
                        title=_("Talk with %(name)s: under target on %(days)d working days in a row",
                                name=person.display_name, days=len(days)),
                        url=url_for("talks.new", manager_id=person.id))
