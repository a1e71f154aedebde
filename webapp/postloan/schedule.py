"""Which checks a loan needs, derived from the loan book and the product's rules (pure: no database).

Each planned check has a key that stays the same while the loan and the rules do, so a recompute finds the
check it planned before. Periodic checks are planned up to a horizon (the next one or two periods); later
ones are planned as time passes, so the schedule of a long loan does not fill the table with years of rows.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from webapp.models.loan import OPEN_LOAN_STATUSES
from webapp.postloan.rules import RuleSet

# Periodic checks whose window opens within this many days are planned (and so shown as upcoming).
HORIZON_DAYS = 62
# The use-of-funds check opens this many days before it is due (the money is spent by then); a visit that records
# the use of funds earlier fulfils it early.
USE_OF_FUNDS_WINDOW_DAYS = 30
# Keys of checks a trigger raised (a warning, a visit's finding): the book does not plan them, a recompute
# keeps them while the loan is open.
RAISED_PREFIXES = ("trigger:warning:", "trigger:visit:", "trigger:manual:")


@dataclass(frozen=True)
class LoanFacts:
    """What the schedule depends on, as the book says it."""

    disbursed_on: date
    matures_on: date
    term_months: int
    status: str
    overdue_since: date | None


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str
    mode: str
    reason: str
    window_start: date
    due_on: date


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _periodic(facts: LoanFacts, prefix: str, kind: str, mode: str, interval: int, window_days: int,
              horizon: date) -> Iterable[Planned]:
    period = 1
    while True:
        due = add_months(facts.disbursed_on, period * interval)
        if due >= facts.matures_on:
            return
        opens = max(due - timedelta(days=window_days), facts.disbursed_on)
        if opens > horizon:
            return
        yield Planned(f"{prefix}:m{interval}:{period}", kind, mode, "", opens, due)
        period += 1


def planned_checks(facts: LoanFacts, rule: RuleSet, today: date, *, horizon_days: int = HORIZON_DAYS) -> list[Planned]:
    """The checks the book and the rules ask for, up to the horizon. A closed loan (repaid, written off)
    needs none."""
    if facts.status not in OPEN_LOAN_STATUSES:
        return []
    start = facts.disbursed_on
    horizon = today + timedelta(days=horizon_days)
    planned = [
        Planned("first", "first_onsite", "onsite", "", start, start + timedelta(days=rule.first_onsite_days)),
        Planned("funds", "use_of_funds", "onsite", "",
                max(start, start + timedelta(days=rule.use_of_funds_days - USE_OF_FUNDS_WINDOW_DAYS)),
                start + timedelta(days=rule.use_of_funds_days)),
    ]
    planned.extend(_periodic(facts, "onsite", "periodic_onsite", "onsite", rule.onsite_interval(facts.term_months),
                             rule.window_days, horizon))
    planned.extend(_periodic(facts, "offsite", "periodic_offsite", "offsite", rule.offsite_interval_months,
                             rule.window_days, horizon))
    if facts.status == "overdue" and facts.overdue_since is not None:
        since = facts.overdue_since
        planned.append(Planned(f"trigger:overdue:{since.isoformat()}", "trigger", "onsite", "overdue", since,
                               since + timedelta(days=rule.trigger_days)))
    return planned


def interval_days(kind: str, facts: LoanFacts, rule: RuleSet) -> int:
    """About how long one period of a periodic kind lasts, to tell whether a done check already covers it."""
    if kind == "periodic_onsite":
        return rule.onsite_interval(facts.term_months) * 30
    if kind == "periodic_offsite":
        return rule.offsite_interval_months * 30
    return 0


def covered(plan: Planned, settled_due_dates: Iterable[date], period_days: int) -> bool:
    """A periodic check a done or waived check of the same kind already covers (the rules changed, so its
    key changed, but the period was checked): it is not planned again."""
    if period_days <= 0:
        return False
    half = timedelta(days=period_days // 2)
    return any(plan.due_on - half < settled <= plan.due_on + half for settled in settled_due_dates)


# What a check's page and lists say of it: its stored status, or for an open check where today falls.
CHECK_STATES = ("upcoming", "due", "overdue", "done", "waived")


def check_state(status: str, window_start: date, due_on: date, today: date) -> str:
    """upcoming, due, overdue, done or waived: the stored status, and the dates for an open check."""
    if status != "open":
        return status
    if today < window_start:
        return "upcoming"
    if today <= due_on:
        return "due"
    return "overdue"
