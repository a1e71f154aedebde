"""What came of a screening run's targets, and the model's conversion.

A target's outcome is the higher of what its manager recorded and what the records show since the run: a visit
to the merchant means contacted, a visit with an application applied, a deal or a loan disbursed won. A target the
manager marked declined stays declined unless the records show an application or better.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from webapp.extensions import db
from webapp.metrics.definitions import conversion
from webapp.models import Loan, ScreeningRun, ScreeningTarget, Visit

RANK = ("new", "contacted", "interested", "applied", "won")


@dataclass(frozen=True)
class RunFigures:
    run: ScreeningRun
    targets: int
    counts: dict[str, int]

    @property
    def reached(self) -> int:
        return sum(self.counts.get(o, 0) for o in ("contacted", "interested", "applied", "won", "declined"))

    @property
    def conversion(self) -> float | None:
        """Won among the targets, in percent."""
        return conversion(self.counts.get("won", 0), self.targets)


def shown_by_records(run: ScreeningRun, merchant_ids: list[int]) -> dict[int, str]:
    """The outcome the records show for each merchant since the run."""
    shown: dict[int, str] = {}

    def lift(merchant_id: int, outcome: str) -> None:
        if RANK.index(outcome) > RANK.index(shown.get(merchant_id, "new")):
            shown[merchant_id] = outcome

    for start in range(0, len(merchant_ids), 500):
        part = merchant_ids[start:start + 500]
        for merchant_id, outcome in db.session.execute(sa.select(Visit.merchant_id, Visit.outcome).where(
                Visit.merchant_id.in_(part), Visit.started_at >= run.run_at)):
            recorded = outcome or {}
            lift(merchant_id, "won" if recorded.get("deals") else "applied" if recorded.get("application")
                 else "contacted")
        for (merchant_id,) in db.session.execute(sa.select(Loan.borrower_id).where(
                Loan.borrower_id.in_(part), Loan.disbursed_on >= run.as_of)):
            lift(merchant_id, "won")
    return shown


def effective(target: ScreeningTarget, shown: dict[int, str]) -> str:
    derived = shown.get(target.merchant_id, "new")
    if target.outcome == "declined":
        return derived if RANK.index(derived) >= RANK.index("applied") else "declined"
    return max(target.outcome, derived, key=RANK.index)


def run_outcomes(run: ScreeningRun, targets: list[ScreeningTarget]) -> dict[int, str]:
    shown = shown_by_records(run, [t.merchant_id for t in targets])
    return {t.id: effective(t, shown) for t in targets}


def run_figures(run: ScreeningRun) -> RunFigures:
    targets = list(db.session.scalars(sa.select(ScreeningTarget).where(ScreeningTarget.run_id == run.id)))
    counts = Counter(run_outcomes(run, targets).values())
    return RunFigures(run, len(targets), dict(counts))


def open_targets_of(user_id: int, since: datetime) -> list[tuple[ScreeningTarget, str]]:
    """A manager's targets of recent runs that nothing has come of yet (the inbox lists them)."""
    targets = list(db.session.scalars(sa.select(ScreeningTarget).join(ScreeningRun).where(
        ScreeningTarget.assignee_id == user_id, ScreeningRun.run_at >= since,
        ScreeningTarget.outcome == "new").order_by(ScreeningRun.run_at, ScreeningTarget.id)))
    by_run: dict[int, list[ScreeningTarget]] = {}
    for target in targets:
        by_run.setdefault(target.run_id, []).append(target)
    found: list[tuple[ScreeningTarget, str]] = []
    for items in by_run.values():
        outcomes = run_outcomes(items[0].run, items)
        found.extend((t, outcomes[t.id]) for t in items if outcomes[t.id] == "new")
    return found
