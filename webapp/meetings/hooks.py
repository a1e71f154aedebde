"""What other modules put on the meeting boards: today's focus items and the week's risk cases.

Like the inbox's sources (webapp/inbox/sources.py), each module that has something for a team's meeting
writes a provider and lists it once here. A focus provider answers ``(team, people, day)`` with the focus
items of that day (a sweep day, follow-ups due; post-loan checks and collection deadlines once those
modules exist); a risk provider answers ``(team, people, start, end)`` with the risk cases of the period.
Providers query only the given team's people and sub-branch, which the board already checked against the
viewer's scope.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from webapp.models import Team, User

# Every kind a provider may give, each with its label in webapp.labels (FOCUS_KIND, RISK_KIND); post-loan
# checks and collection deadlines are named now so that their modules only add a provider.
FOCUS_KINDS = ("sweep_day", "follow_up", "post_loan", "collection")
RISK_KINDS = ("post_loan_finding", "risk_warning", "collection")


@dataclass(frozen=True)
class FocusItem:
    """One thing the team must keep in mind today; ``kind`` has a label in webapp.labels.FOCUS_KIND."""

    kind: str
    title: str
    detail: str = ""
    url: str = ""
    count: int | None = None


@dataclass(frozen=True)
class RiskCase:
    """A risk case for the weekly meeting (风险案例): what happened, to whom, when, and where to read more."""

    kind: str
    title: str
    detail: str = ""
    url: str = ""
    at: datetime | None = None


FocusProvider = Callable[[Team, Sequence[User], date], Iterable[FocusItem]]
RiskProvider = Callable[[Team, Sequence[User], date, date], Iterable[RiskCase]]


def focus_items(team: Team, people: Sequence[User], day: date) -> list[FocusItem]:
    from webapp.meetings.providers import FOCUS_PROVIDERS

    return [item for provider in FOCUS_PROVIDERS for item in provider(team, people, day)]


def risk_cases(team: Team, people: Sequence[User], start: date, end: date) -> list[RiskCase]:
    from webapp.meetings.providers import RISK_PROVIDERS

    cases = [case for provider in RISK_PROVIDERS for case in provider(team, people, start, end)]
    return sorted(cases, key=lambda case: case.at.timestamp() if case.at else 0.0, reverse=True)
