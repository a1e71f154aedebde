"""Trigger checks (触发检查): an extra on-site check within a few days when a loan falls overdue (planned by
the schedule), a high risk warning is raised, or a visit finds the business reduced, suspended or closed."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Loan, ScheduledCheck
from webapp.postloan import tally
from webapp.postloan.rules import rule_for, rules_for_branch


def raise_trigger_check(loan: Loan, key: str, reason: str, today: date) -> ScheduledCheck | None:
    """The trigger check under this key, created once; None for a closed loan (nothing to watch)."""
    if not loan.is_open:
        return None
    existing = db.session.scalar(sa.select(ScheduledCheck).where(ScheduledCheck.loan_id == loan.id,
                                                                 ScheduledCheck.key == key))
    if existing is not None:
        return existing
    rule = rule_for(rules_for_branch(loan.sub_branch.branch_id), loan.product)
    check = ScheduledCheck(loan_id=loan.id, sub_branch_id=loan.sub_branch_id, key=key, kind="trigger", mode="onsite",
                           reason=reason, window_start=today, due_on=today + timedelta(days=rule.trigger_days),
                           assignee_id=loan.manager_id, status="open", waive_reason="")
    db.session.add(check)
    db.session.flush()
    tally.recount([(check.sub_branch_id, check.due_on)])
    return check
