"""The morning and evening meeting boards (早会, 夕会) of a team, assembled from the day's records.

Nobody types a figure: actuals come from the visits (webapp.metrics), targets from what the lead set and
the people confirmed, the pipeline from the visits' outcomes, focus items from every module's providers.
What people say at the meeting (news, the tip of the day, a miss reason) is what gets typed.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from webapp.extensions import db
from webapp.meetings.hooks import FocusItem, focus_items
from webapp.meetings.pipeline import PipelineEntry, applications_in_progress, follow_ups, progress_of
from webapp.meetings.schemes import StandingRow, active_schemes, standings
from webapp.meetings.targets import TargetValue, person_targets
from webapp.metrics.counting import person_totals, sum_totals
from webapp.metrics.definitions import BASE_METRICS, Definitions, Totals, achievement, met
from webapp.models import IncentiveScheme, MeetingItem, MissReason, Team, User, Visit
from webapp.models.meetings import EVENING_ITEM_KINDS, MORNING_ITEM_KINDS
from webapp.scope import board_people


@dataclass
class PersonFigures:
    """One person's row on a board: the period's actuals against the period's targets."""

    person: User
    totals: Totals
    targets: dict[str, TargetValue]
    miss: MissReason | None = None

    def target(self, metric: str) -> int | None:
        found = self.targets.get(metric)
        return found.value if found else None

    def achievement(self, metric: str) -> float | None:
        return achievement(self.totals.value(metric), self.target(metric))

    def met(self, metric: str) -> bool | None:
        return met(self.totals.value(metric), self.target(metric))

    @property
    def missed(self) -> list[str]:
        """The base metrics with a target that was not reached."""
        return [m for m in BASE_METRICS if self.met(m) is False]

    @property
    def has_targets(self) -> bool:
        return any(self.target(m) for m in BASE_METRICS)

    @property
    def confirmed(self) -> bool:
        return bool(self.targets) and all(t.confirmed for t in self.targets.values())


@dataclass
class SchemeStandings:
    scheme: IncentiveScheme
    rows: list[StandingRow]


@dataclass
class DayBoard:
    team: Team
    day: date
    definitions: Definitions
    people: list[User]
    rows: list[PersonFigures]
    team_totals: Totals
    team_targets: dict[str, int]
    items: dict[str, list[MeetingItem]]
    standings: list[SchemeStandings]
    # Morning only
    previous_day: date | None = None
    previous_rows: list[PersonFigures] = field(default_factory=list)
    previous_totals: Totals | None = None
    previous_targets: dict[str, int] = field(default_factory=dict)
    follow_ups_today: list[PipelineEntry] = field(default_factory=list)
    follow_ups_week: list[PipelineEntry] = field(default_factory=list)
    applications: list[Visit] = field(default_factory=list)
    focus: list[FocusItem] = field(default_factory=list)
    # Evening only
    progress: list[Visit] = field(default_factory=list)
    best: PersonFigures | None = None


def period_rows(definitions: Definitions, team: Team, people: Sequence[User], period: str, start: date,
                end: date) -> list[PersonFigures]:
    ids = [p.id for p in people]
    totals = person_totals(definitions, ids, start, end, sub_branch_ids=[team.sub_branch_id])
    targets = person_targets(ids, period, start)
    return [PersonFigures(p, totals[p.id], targets[p.id]) for p in people]


def team_target_sums(rows: Iterable[PersonFigures]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for row in rows:
        for metric, target in row.targets.items():
            sums[metric] = sums.get(metric, 0) + target.value
    return sums


def meeting_items(team: Team, start: date, end: date, kinds: Sequence[str]) -> dict[str, list[MeetingItem]]:
    """The team's items and the branch's items for every team, of [start, end), by kind."""
    rows = db.session.scalars(
        sa.select(MeetingItem).where(
            MeetingItem.day >= start, MeetingItem.day < end, MeetingItem.kind.in_(list(kinds)),
            sa.or_(MeetingItem.team_id == team.id,
                   sa.and_(MeetingItem.team_id.is_(None), MeetingItem.branch_id == team.sub_branch.branch_id)))
        .order_by(MeetingItem.day, MeetingItem.id))
    found: dict[str, list[MeetingItem]] = {kind: [] for kind in kinds}
    for item in rows:
        found[item.kind].append(item)
    return found


def previous_working_day(day: date, definitions: Definitions) -> date:
    previous = day - timedelta(days=1)
    for _ in range(7):
        if previous.weekday() in definitions.working_weekdays:
            return previous
        previous -= timedelta(days=1)
    return day - timedelta(days=1)


def scheme_standings(viewer: User, team: Team, definitions: Definitions, day: date,
                     top: int = 5) -> list[SchemeStandings]:
    return [SchemeStandings(s, standings(s, definitions, day)[:top]) for s in active_schemes(viewer, team, day)]


def _base(viewer: User, team: Team, day: date, definitions: Definitions, kinds: Sequence[str]) -> DayBoard:
    people = list(db.session.scalars(board_people(team)))
    rows = period_rows(definitions, team, people, "day", day, day + timedelta(days=1))
    return DayBoard(team=team, day=day, definitions=definitions, people=people, rows=rows,
                    team_totals=sum_totals((r.totals for r in rows), definitions),
                    team_targets=team_target_sums(rows),
                    items=meeting_items(team, day, day + timedelta(days=1), kinds),
                    standings=scheme_standings(viewer, team, definitions, day))


def morning_board(viewer: User, team: Team, day: date, definitions: Definitions) -> DayBoard:
    """Yesterday against target, today's targets, the pipeline, today's focus, and what is shared."""
    board = _base(viewer, team, day, definitions, MORNING_ITEM_KINDS)
    board.previous_day = previous_working_day(day, definitions)
    board.previous_rows = period_rows(definitions, team, board.people, "day", board.previous_day,
                                      board.previous_day + timedelta(days=1))
    board.previous_totals = sum_totals((r.totals for r in board.previous_rows), definitions)
    board.previous_targets = team_target_sums(board.previous_rows)
    ids = [p.id for p in board.people]
    board.follow_ups_today = follow_ups(ids, team.sub_branch_id, day - timedelta(days=30), day)
    week_end = day + timedelta(days=6 - day.weekday())
    board.follow_ups_week = follow_ups(ids, team.sub_branch_id, day + timedelta(days=1), week_end) \
        if week_end > day else []
    board.applications = applications_in_progress(ids, team.sub_branch_id, day)
    board.focus = focus_items(team, board.people, day)
    return board


def evening_board(viewer: User, team: Team, day: date, definitions: Definitions) -> DayBoard:
    """Today's actual per person against target (live), the reasons for misses, progress and recognition."""
    board = _base(viewer, team, day, definitions, EVENING_ITEM_KINDS)
    misses = {m.user_id: m for m in db.session.scalars(sa.select(MissReason).where(
        MissReason.day == day, MissReason.user_id.in_([p.id for p in board.people])))} if board.people else {}
    for row in board.rows:
        row.miss = misses.get(row.person.id)
    board.progress = progress_of([p.id for p in board.people], team.sub_branch_id, day, day + timedelta(days=1))
    ranked = sorted((r for r in board.rows if r.totals.consultations or r.totals.deals),
                    key=lambda r: (-r.totals.consultations, -r.totals.deals, r.person.username))
    board.best = ranked[0] if ranked else None
    return board
