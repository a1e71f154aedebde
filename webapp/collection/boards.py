"""The two collection boards, computed from the records through the scope.

Lead board: open cases with their first-contact state, promises due today, broken promises, cases whose
progress update is missing. Branch board: overdue loans by days past due with amounts, what was recovered
week by week, and the first-contact-on-time rate per sub-branch and per manager.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from webapp.bank_time import bank_now, bank_today
from webapp.collection.deadlines import DeadlineState
from webapp.collection.file import case_state
from webapp.extensions import db
from webapp.models import (
    CollectionCase,
    Loan,
    LoanHistory,
    PaymentPromise,
    SubBranch,
    User,
)
from webapp.scope import case_condition, loan_condition

BUCKETS = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


@dataclass(frozen=True)
class CaseRow:
    case: CollectionCase
    state: DeadlineState
    late_by: timedelta | None


@dataclass
class LeadBoard:
    open_cases: list[CaseRow]
    due_today: list[tuple[PaymentPromise, CollectionCase]]
    broken: list[tuple[PaymentPromise, CollectionCase]]
    without_update: list[CollectionCase]


def _with_loan(query: sa.Select[CollectionCase]) -> sa.Select[CollectionCase]:
    return query.options(joinedload(CollectionCase.loan).joinedload(Loan.borrower), joinedload(CollectionCase.owner))


def lead_board(user: User, now: datetime) -> LeadBoard:
    today = bank_today(now)
    open_cases = db.session.scalars(_with_loan(sa.select(CollectionCase).where(
        case_condition(user), CollectionCase.status == "open").order_by(CollectionCase.first_contact_due_at))).all()
    promised = (sa.select(PaymentPromise, CollectionCase)
                .join(CollectionCase, CollectionCase.id == PaymentPromise.case_id)
                .where(case_condition(user), CollectionCase.status == "open"))
    due_today = [(p, c) for p, c in db.session.execute(
        promised.where(PaymentPromise.status == "open", PaymentPromise.promised_on == today))]
    broken = [(p, c) for p, c in db.session.execute(
        promised.where(PaymentPromise.status == "broken",
                       sa.or_(PaymentPromise.followed_up_at.is_(None),
                              PaymentPromise.promised_on >= today - timedelta(days=14)))
        .order_by(PaymentPromise.promised_on.desc()))]
    without_update = db.session.scalars(_with_loan(sa.select(CollectionCase).where(
        case_condition(user), CollectionCase.status == "open", CollectionCase.next_update_due_at.is_not(None),
        CollectionCase.next_update_due_at < now).order_by(CollectionCase.next_update_due_at))).all()
    return LeadBoard(open_cases=[CaseRow(c, *case_state(c, now)) for c in open_cases], due_today=due_today,
                     broken=broken, without_update=list(without_update))


@dataclass
class Bucket:
    loans: int = 0
    overdue_cents: int = 0
    balance_cents: int = 0


@dataclass
class Rate:
    name: str
    due: int = 0
    on_time: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


@dataclass
class BranchBoard:
    start: date
    end: date
    buckets: dict[str, Bucket]
    buckets_by_sub_branch: dict[str, dict[str, Bucket]]
    recovered_by_week: list[tuple[date, int]]
    rates_by_sub_branch: list[Rate]
    rates_by_manager: list[Rate]
    late_cases: list[CaseRow] = field(default_factory=list)

    @property
    def total(self) -> Bucket:
        return Bucket(sum(b.loans for b in self.buckets.values()), sum(b.overdue_cents for b in self.buckets.values()),
                      sum(b.balance_cents for b in self.buckets.values()))


def bucket_of(days: int) -> str:
    for name, low, high in BUCKETS:
        if days >= low and (high is None or days <= high):
            return name
    return BUCKETS[0][0]


def _buckets(user: User) -> tuple[dict[str, Bucket], dict[str, dict[str, Bucket]]]:
    overall = {name: Bucket() for name, _low, _high in BUCKETS}
    by_sub: dict[str, dict[str, Bucket]] = defaultdict(lambda: {name: Bucket() for name, _l, _h in BUCKETS})
    rows = db.session.execute(
        sa.select(SubBranch.name, Loan.days_past_due, sa.func.count(), sa.func.sum(Loan.overdue_cents),
                  sa.func.sum(Loan.balance_cents))
        .join(SubBranch, SubBranch.id == Loan.sub_branch_id)
        .where(loan_condition(user), Loan.status == "overdue")
        .group_by(SubBranch.name, Loan.days_past_due))
    for sub_name, days, count, overdue, balance in rows:
        name = bucket_of(max(int(days or 0), 1))
        for target in (overall[name], by_sub[sub_name][name]):
            target.loans += int(count)
            target.overdue_cents += int(overdue or 0)
            target.balance_cents += int(balance or 0)
    return overall, dict(sorted(by_sub.items()))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _recovered(user: User, start: date, end: date) -> list[tuple[date, int]]:
    """The overdue amount recovered on loans that had a collection case, per week (Monday), from the fall of
    the overdue amount between consecutive book dates."""
    collected = sa.select(CollectionCase.loan_id).where(case_condition(user))
    previous = sa.func.lag(LoanHistory.overdue_cents).over(partition_by=LoanHistory.loan_id,
                                                          order_by=LoanHistory.as_of)
    inner = (sa.select(LoanHistory.as_of, LoanHistory.overdue_cents, previous.label("previous"))
             .where(LoanHistory.loan_id.in_(collected), LoanHistory.as_of <= end).subquery())
    weeks = {week_start(start) + timedelta(weeks=i): 0 for i in range((end - week_start(start)).days // 7 + 1)}
    for as_of, overdue, before in db.session.execute(sa.select(inner).where(inner.c.as_of >= start)):
        if before is not None and before > overdue:
            weeks[week_start(as_of)] = weeks.get(week_start(as_of), 0) + int(before - overdue)
    return sorted(weeks.items())


def _rates(user: User, since: datetime, now: datetime) -> tuple[list[Rate], list[Rate], list[CaseRow]]:
    cases = db.session.scalars(_with_loan(sa.select(CollectionCase).where(
        case_condition(user), CollectionCase.opened_at >= since)).options(joinedload(CollectionCase.sub_branch))).all()
    by_sub: dict[str, Rate] = {}
    by_manager: dict[str, Rate] = {}
    late: list[CaseRow] = []
    for case in cases:
        state, late_by = case_state(case, now)
        if state == "pending":
            continue
        for table, name in ((by_sub, case.sub_branch.name), (by_manager, case.owner.display_name)):
            rate = table.setdefault(name, Rate(name))
            rate.due += 1
            rate.on_time += state == "on_time"
        if state in ("late", "missed"):
            late.append(CaseRow(case, state, late_by))
    late.sort(key=lambda row: row.late_by or timedelta(0), reverse=True)
    return sorted(by_sub.values(), key=lambda r: r.name), sorted(by_manager.values(), key=lambda r: r.name), late


def branch_board(user: User, now: datetime, weeks: int) -> BranchBoard:
    end = bank_today(now)
    start = week_start(end) - timedelta(weeks=weeks - 1)
    since = bank_now(now).replace(year=start.year, month=start.month, day=start.day, hour=0, minute=0, second=0,
                                  microsecond=0)
    buckets, by_sub = _buckets(user)
    rates_sub, rates_manager, late = _rates(user, since, now)
    return BranchBoard(start=start, end=end, buckets=buckets, buckets_by_sub_branch=by_sub,
                       recovered_by_week=_recovered(user, start, end), rates_by_sub_branch=rates_sub,
                       rates_by_manager=rates_manager, late_cases=late)
