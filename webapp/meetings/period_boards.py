"""The weekly and monthly meeting boards (周例会, 月例会) of a team, and the branch's monthly table.

Weekly: the week's targets against actuals, activity and conversion per person, success and risk cases,
next week's plan. Monthly: the month per person against target, trends per person, product and district,
penetration, honours. The branch: plan achievement per sub-branch. All figures come from the monthly
roll-ups and the fact rows (webapp.metrics.counting), so a month costs the same whatever the history.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.day_boards import (
    PersonFigures,
    SchemeStandings,
    meeting_items,
    period_rows,
    scheme_standings,
    team_target_sums,
)
from webapp.meetings.honours import Leader, kept_honours, leaders
from webapp.meetings.hooks import RiskCase, risk_cases
from webapp.meetings.pipeline import progress_of
from webapp.meetings.targets import TargetValue, person_targets, sub_branch_targets
from webapp.metrics.counting import empty_totals, sum_totals, totals_by
from webapp.metrics.definitions import Definitions, Totals, month_start, next_month, working_days
from webapp.metrics.penetration import Penetration, penetration_by
from webapp.models import Honour, MeetingItem, SubBranch, Team, User, Visit
from webapp.models.meetings import WEEKLY_ITEM_KINDS
from webapp.scope import board_people

TREND_MONTHS = 6
TREND_SERIES = 8


@dataclass
class WeekBoard:
    team: Team
    week: date
    definitions: Definitions
    rows: list[PersonFigures]
    team_totals: Totals
    team_targets: dict[str, int]
    items: dict[str, list[MeetingItem]]
    deals: list[Visit]
    risks: list[RiskCase]
    next_week: date
    next_targets: dict[int, dict[str, TargetValue]]
    standings: list[SchemeStandings]
    working_days: int


@dataclass
class Trends:
    months: list[date]
    by_person: list[tuple[str, list[float]]] = field(default_factory=list)
    by_product: list[tuple[str, list[float]]] = field(default_factory=list)
    by_district: list[tuple[str, list[float]]] = field(default_factory=list)


@dataclass
class MonthBoard:
    team: Team
    month: date
    definitions: Definitions
    rows: list[PersonFigures]
    team_totals: Totals
    team_targets: dict[str, int]
    sub_branch_totals: Totals
    sub_branch_target: dict[str, int]
    trends: Trends
    penetration: list[Penetration]
    industries: list[Penetration]
    honours: list[Honour]
    leaders: dict[str, Leader]
    standings: list[SchemeStandings]
    working_days: int


@dataclass
class SubBranchMonth:
    sub_branch: SubBranch
    totals: Totals
    targets: dict[str, int]


@dataclass
class BranchMonth:
    month: date
    definitions: Definitions
    rows: list[SubBranchMonth]
    total: Totals
    total_targets: dict[str, int]
    trends: Trends
    honours: list[Honour]


def week_board(viewer: User, team: Team, week: date, definitions: Definitions) -> WeekBoard:
    people = list(db.session.scalars(board_people(team)))
    end = week + timedelta(days=7)
    rows = period_rows(definitions, team, people, "week", week, end)
    ids = [p.id for p in people]
    return WeekBoard(
        team=team, week=week, definitions=definitions, rows=rows,
        team_totals=sum_totals((r.totals for r in rows), definitions), team_targets=team_target_sums(rows),
        items=meeting_items(team, week, end, ("success_story", *WEEKLY_ITEM_KINDS)),
        deals=[v for v in progress_of(ids, team.sub_branch_id, week, end) if (v.outcome or {}).get("deals")],
        risks=risk_cases(team, people, week, end), next_week=end,
        next_targets=person_targets(ids, "week", end),
        standings=scheme_standings(viewer, team, definitions, min(end - timedelta(days=1), bank_today())),
        working_days=elapsed_working_days(week, end, definitions))


def elapsed_working_days(start: date, end: date, definitions: Definitions) -> int:
    """Working days of [start, end) up to today: what "per working day" divides by while a period runs."""
    return working_days(start, min(end, bank_today() + timedelta(days=1)), definitions)


def trend_months(month: date) -> list[date]:
    months = [month]
    while len(months) < TREND_MONTHS:
        months.insert(0, month_start(months[0] - timedelta(days=1)))
    return months


def _series(found: dict[tuple[object, ...], Totals], months: Sequence[date], metric: str,
            names: dict[object, str]) -> list[tuple[str, list[float]]]:
    series: dict[object, list[float]] = {}
    for (group, month), totals in found.items():
        series.setdefault(group, [0.0] * len(months))[months.index(month)] += totals.value(metric)
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), str(names.get(kv[0], kv[0]))))
    return [(names.get(group, str(group)) or "—", values) for group, values in ranked[:TREND_SERIES]]


def team_trends(team: Team, people: Sequence[User], month: date, definitions: Definitions) -> Trends:
    months = trend_months(month)
    ids = [p.id for p in people]
    first, end = months[0], next_month(month)
    by_person = totals_by(("user_id", "month"), definitions, first, end, user_ids=ids,
                          sub_branch_ids=[team.sub_branch_id])
    trends = Trends(months=months)
    trends.by_person = _series(by_person, months, "consultations", {p.id: p.display_name for p in people})
    products: dict[str, list[float]] = {p: [0.0] * len(months) for p in definitions.deal_products}
    for (_user, when), totals in by_person.items():
        for product, count in totals.by_product.items():
            products[product][months.index(when)] += count
    trends.by_product = [(product, values) for product, values in products.items() if any(values)]
    by_district = totals_by(("district", "month"), definitions, first, end, user_ids=ids,
                            sub_branch_ids=[team.sub_branch_id])
    trends.by_district = _series(by_district, months, "consultations", {})
    return trends


def month_board(viewer: User, team: Team, month: date, definitions: Definitions) -> MonthBoard:
    people = list(db.session.scalars(board_people(team)))
    end = next_month(month)
    rows = period_rows(definitions, team, people, "month", month, end)
    sub_branch = totals_by(("sub_branch_id",), definitions, month, end, sub_branch_ids=[team.sub_branch_id])
    return MonthBoard(
        team=team, month=month, definitions=definitions, rows=rows,
        team_totals=sum_totals((r.totals for r in rows), definitions), team_targets=team_target_sums(rows),
        sub_branch_totals=sub_branch.get((team.sub_branch_id,), empty_totals(definitions)),
        sub_branch_target=sub_branch_targets([team.sub_branch_id], "month", month)[team.sub_branch_id],
        trends=team_trends(team, people, month, definitions),
        penetration=penetration_by("district", [team.sub_branch_id], definitions)[:12],
        industries=penetration_by("industry", [team.sub_branch_id], definitions)[:12],
        honours=kept_honours([team.sub_branch_id], trend_months(month)),
        leaders=leaders(team.sub_branch_id, month, definitions),
        standings=scheme_standings(viewer, team, definitions, min(end - timedelta(days=1), bank_today())),
        working_days=elapsed_working_days(month, end, definitions))


def branch_month(sub_branches: Sequence[SubBranch], month: date, definitions: Definitions) -> BranchMonth:
    """Plan achievement per sub-branch for the branch: the month's actuals against the branch's targets."""
    ids = [s.id for s in sub_branches]
    end = next_month(month)
    found = totals_by(("sub_branch_id",), definitions, month, end, sub_branch_ids=ids)
    targets = sub_branch_targets(ids, "month", month)
    rows = [SubBranchMonth(s, found.get((s.id,), empty_totals(definitions)), targets[s.id]) for s in sub_branches]
    months = trend_months(month)
    by_month = totals_by(("sub_branch_id", "month"), definitions, months[0], end, sub_branch_ids=ids)
    total_targets: dict[str, int] = {}
    for row in rows:
        for metric, value in row.targets.items():
            total_targets[metric] = total_targets.get(metric, 0) + value
    trends = Trends(months=months)
    trends.by_person = _series(by_month, months, "consultations", {s.id: s.name for s in sub_branches})
    return BranchMonth(month=month, definitions=definitions, rows=rows,
                       total=sum_totals((r.totals for r in rows), definitions), total_targets=total_targets,
                       trends=trends, honours=kept_honours(ids, [month_start(month - timedelta(days=1))]))


def visible_sub_branches(ids: Sequence[int]) -> list[SubBranch]:
    return list(db.session.scalars(sa.select(SubBranch).where(SubBranch.id.in_(list(ids))).order_by(SubBranch.code)))
