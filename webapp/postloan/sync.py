"""Writing the planned schedule: each loan's checks brought in line with the book and the rules.

Run after every import (for the loans it changed), after a rule change (for the product's loans) and by the
nightly command (for every open loan, so periodic checks enter the horizon as time passes). A done or waived
check is never changed or removed; an open check follows the plan (dates, assignee) or goes when the plan no
longer has it (the loan was repaid, the rules changed). Core statements in batches, so 10,000 changed loans
are a few dozen statements.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Loan, RiskWarning, ScheduledCheck, SubBranch
from webapp.models.base import table_of
from webapp.postloan import tally
from webapp.postloan.rules import RuleSet, rule_for, rules_for_branch
from webapp.postloan.schedule import RAISED_PREFIXES, LoanFacts, Planned, covered, interval_days, planned_checks

CHUNK = 500


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    touched: set[tuple[int, date]] = field(default_factory=set)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def sync_loans(loan_ids: Iterable[int], today: date) -> SyncResult:
    """Recompute the schedules of these loans; the caller commits."""
    ids = sorted(set(loan_ids))
    result = SyncResult()
    rules_by_branch: dict[int, dict[str, RuleSet]] = {}
    for chunk in _chunks(ids):
        _sync_chunk(list(chunk), today, rules_by_branch, result)
    tally.recount(result.touched)
    return result


def sync_all_open(today: date, branch_id: int | None = None) -> SyncResult:
    """The nightly pass over every open loan (or a branch's): periodic checks move into the horizon."""
    query = sa.select(Loan.id).where(Loan.status.in_(("normal", "overdue")))
    if branch_id is not None:
        query = query.join(SubBranch, SubBranch.id == Loan.sub_branch_id).where(SubBranch.branch_id == branch_id)
    return sync_loans(db.session.scalars(query), today)


def _sync_chunk(ids: list[int], today: date, rules_by_branch: dict[int, dict[str, RuleSet]],
                result: SyncResult) -> None:
    loans = db.session.execute(
        sa.select(Loan.id, Loan.sub_branch_id, SubBranch.branch_id, Loan.product, Loan.disbursed_on, Loan.matures_on,
                  Loan.term_months, Loan.status, Loan.overdue_since, Loan.manager_id)
        .join(SubBranch, SubBranch.id == Loan.sub_branch_id)
        .where(Loan.id.in_(ids))
    ).all()
    checks = table_of(ScheduledCheck)
    existing: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(
        sa.select(checks.c.id, checks.c.loan_id, checks.c.key, checks.c.kind, checks.c.status, checks.c.window_start,
                  checks.c.due_on, checks.c.assignee_id, checks.c.sub_branch_id).where(checks.c.loan_id.in_(ids))
    ):
        existing[row.loan_id].append(row)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    removals: list[int] = []
    for loan in loans:
        if loan.branch_id not in rules_by_branch:
            rules_by_branch[loan.branch_id] = rules_for_branch(loan.branch_id)
        rule = rule_for(rules_by_branch[loan.branch_id], loan.product)
        facts = LoanFacts(loan.disbursed_on, loan.matures_on, loan.term_months, loan.status, loan.overdue_since)
        plan = planned_checks(facts, rule, today)
        _reconcile(loan, facts, rule, plan, existing.get(loan.id, []), inserts, updates, removals, result)
    if removals:
        for part in _chunks(removals):
            db.session.execute(sa.update(table_of(RiskWarning)).where(
                table_of(RiskWarning).c.trigger_check_id.in_(part)).values(trigger_check_id=None))
            db.session.execute(sa.delete(checks).where(checks.c.id.in_(part)))
    if updates:
        db.session.execute(
            sa.update(checks).where(checks.c.id == sa.bindparam("check_id"))
            .values(window_start=sa.bindparam("w"), due_on=sa.bindparam("d"), assignee_id=sa.bindparam("a"),
                    sub_branch_id=sa.bindparam("s")),
            updates,
        )
    if inserts:
        db.session.execute(sa.insert(checks), inserts)
    result.created += len(inserts)
    result.updated += len(updates)
    result.removed += len(removals)


def _reconcile(loan: Any, facts: LoanFacts, rule: RuleSet, plan: list[Planned], existing: list[Any],
               inserts: list[dict[str, Any]], updates: list[dict[str, Any]], removals: list[int],
               result: SyncResult) -> None:
    by_key = {row.key: row for row in existing}
    settled: dict[str, list[date]] = defaultdict(list)
    for row in existing:
        if row.status != "open":
            settled[row.kind].append(row.due_on)
    planned_keys = set()
    for item in plan:
        planned_keys.add(item.key)
        row = by_key.get(item.key)
        if row is None:
            if covered(item, settled[item.kind], interval_days(item.kind, facts, rule)):
                continue
            inserts.append({
                "loan_id": loan.id, "sub_branch_id": loan.sub_branch_id, "key": item.key, "kind": item.kind,
                "mode": item.mode, "reason": item.reason, "window_start": item.window_start, "due_on": item.due_on,
                "assignee_id": loan.manager_id, "status": "open", "waive_reason": "",
            })
            result.touched.add((loan.sub_branch_id, item.due_on))
        elif row.status == "open" and (row.window_start, row.due_on, row.assignee_id, row.sub_branch_id) != (
                item.window_start, item.due_on, loan.manager_id, loan.sub_branch_id):
            updates.append({"check_id": row.id, "w": item.window_start, "d": item.due_on, "a": loan.manager_id,
                            "s": loan.sub_branch_id})
            result.touched.update({(row.sub_branch_id, row.due_on), (loan.sub_branch_id, item.due_on)})
    loan_open = facts.status in ("normal", "overdue")
    for row in existing:
        if row.status != "open" or row.key in planned_keys:
            continue
        if loan_open and row.key.startswith(RAISED_PREFIXES):
            if (row.assignee_id, row.sub_branch_id) != (loan.manager_id, loan.sub_branch_id):
                updates.append({"check_id": row.id, "w": row.window_start, "d": row.due_on, "a": loan.manager_id,
                                "s": loan.sub_branch_id})
                result.touched.update({(row.sub_branch_id, row.due_on), (loan.sub_branch_id, row.due_on)})
            continue
        removals.append(row.id)
        result.touched.add((row.sub_branch_id, row.due_on))
