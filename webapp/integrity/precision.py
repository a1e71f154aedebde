"""How often reviewers confirm each flag code: the facts to tune the thresholds on.

For each code, sub-branch and month (bank time, by when the visit started): flags raised, confirmed,
dismissed and not yet judged, and the precision confirmed / (confirmed + dismissed). Only flags of visits the
user may see count. One grouped query per month keeps every query on the (sub_branch_id, started_at) index.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from webapp.bank_time import day_bounds
from webapp.extensions import db
from webapp.models import FlagReview, User, Visit, VisitFlag
from webapp.scope import visit_condition

MAX_MONTHS = 24


@dataclass
class Tally:
    raised: int = 0
    confirmed: int = 0
    dismissed: int = 0

    @property
    def open(self) -> int:
        return self.raised - self.confirmed - self.dismissed

    @property
    def precision(self) -> float | None:
        judged = self.confirmed + self.dismissed
        return self.confirmed / judged if judged else None

    def add(self, other: Tally) -> None:
        self.raised += other.raised
        self.confirmed += other.confirmed
        self.dismissed += other.dismissed


@dataclass
class PrecisionTable:
    months: list[date]  # first day of each month, oldest first
    rows: dict[tuple[str, int, date], Tally] = field(default_factory=dict)  # (code, sub-branch, month)
    by_code: dict[str, Tally] = field(default_factory=dict)
    by_code_month: dict[tuple[str, date], Tally] = field(default_factory=dict)


def month_starts(first: date, last: date) -> list[date]:
    """The months from first's to last's (inclusive), as their first days."""
    months: list[date] = []
    at = first.replace(day=1)
    while at <= last and len(months) < MAX_MONTHS:
        months.append(at)
        at = date(at.year + (at.month == 12), at.month % 12 + 1, 1)
    return months


def precision_table(user: User, months: list[date], *, sub_branch_id: int | None = None,
                    code: str | None = None) -> PrecisionTable:
    table = PrecisionTable(months=months)
    for month in months:
        start, _ = day_bounds(month)
        following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        end, _ = day_bounds(following)
        query = (sa.select(VisitFlag.code, Visit.sub_branch_id, FlagReview.decision, sa.func.count())
                 .join(Visit, Visit.id == VisitFlag.visit_id)
                 .outerjoin(FlagReview, FlagReview.flag_id == VisitFlag.id)
                 .where(visit_condition(user), Visit.started_at >= start, Visit.started_at < end)
                 .group_by(VisitFlag.code, Visit.sub_branch_id, FlagReview.decision))
        if sub_branch_id is not None:
            query = query.where(Visit.sub_branch_id == sub_branch_id)
        if code is not None:
            query = query.where(VisitFlag.code == code)
        for flag_code, sub_branch, decision, count in db.session.execute(query):
            tally = table.rows.setdefault((flag_code, sub_branch, month), Tally())
            tally.raised += count
            if decision == "confirmed":
                tally.confirmed += count
            elif decision == "dismissed":
                tally.dismissed += count
    by_code: dict[str, Tally] = defaultdict(Tally)
    by_code_month: dict[tuple[str, date], Tally] = defaultdict(Tally)
    for (flag_code, _sub, month), tally in table.rows.items():
        by_code[flag_code].add(tally)
        by_code_month[(flag_code, month)].add(tally)
    table.by_code = dict(sorted(by_code.items()))
    table.by_code_month = dict(by_code_month)
    return table
