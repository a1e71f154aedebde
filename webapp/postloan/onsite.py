"""A post-loan visit (the visits write path) fulfils an on-site check: link it to its loan and scheduled
check, mark the check done, and raise what its findings call for (warnings, a trigger check)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import Loan, ScheduledCheck, Visit
from webapp.postloan.auto_warnings import BUSINESS_RULES, visit_findings
from webapp.postloan.risk import raise_warning
from webapp.postloan.triggers import raise_trigger_check
from webapp.postloan.write import complete_check
from webapp.scope import loan_condition
from webapp.write_kernel import Invalid, WriteContext


def record_post_loan_visit(ctx: WriteContext, visit: Visit, body: dict[str, Any]) -> None:
    """Called by the visit write path after a post-loan visit is stored (created or changed)."""
    block = body.get("post_loan")
    if visit.kind != "post_loan" or not block:
        return
    loan = db.session.scalar(sa.select(Loan).where(Loan.id == block["loan_id"], loan_condition(ctx.actor)))
    if loan is None or loan.borrower_id != visit.merchant_id:
        raise Invalid({"post_loan.loan_id": _("This merchant has no loan with this id that you may check.")})
    check = _check_for(loan, block.get("check_id"), visit)
    if check is not None:
        complete_check(ctx, check, done_at=visit.started_at, visit_id=visit.id)
    if block.get("use_of_funds"):
        funds = db.session.scalar(sa.select(ScheduledCheck).where(
            ScheduledCheck.loan_id == loan.id, ScheduledCheck.kind == "use_of_funds", ScheduledCheck.status == "open"))
        if funds is not None:
            complete_check(ctx, funds, done_at=visit.started_at, visit_id=visit.id)
    checklist = body["outcome"].get("checklist") or {}
    previous = previous_checklist(visit)
    for finding in visit_findings(checklist, block, previous):
        raise_warning(ctx, loan, finding, f"visit:{visit.id}:{finding.rule}", visit_id=visit.id)
    if checklist.get("operating_state") in BUSINESS_RULES:
        raise_trigger_check(loan, f"trigger:visit:{visit.id}", "visit", bank_today(ctx.now))


def _check_for(loan: Loan, check_id: int | None, visit: Visit) -> ScheduledCheck | None:
    """The named on-site check of the loan, or (none named) its open on-site check due first."""
    if check_id is None:
        return db.session.scalar(
            sa.select(ScheduledCheck).where(ScheduledCheck.loan_id == loan.id, ScheduledCheck.mode == "onsite",
                                            ScheduledCheck.status == "open")
            .order_by(ScheduledCheck.window_start, ScheduledCheck.due_on).limit(1))
    check = db.session.scalar(sa.select(ScheduledCheck).where(ScheduledCheck.id == check_id,
                                                              ScheduledCheck.loan_id == loan.id))
    if check is None or check.mode != "onsite":
        raise Invalid({"post_loan.check_id": _("This loan has no on-site check with this id.")})
    if check.status == "waived":
        raise Invalid({"post_loan.check_id": _("This check was waived by the team lead.")})
    if check.status == "done" and check.visit_id not in (None, visit.id):
        raise Invalid({"post_loan.check_id": _("Another visit already fulfilled this check.")})
    return check


def previous_checklist(visit: Visit) -> dict[str, Any] | None:
    """The checklist of the merchant's last post-loan visit before this one: inventory is compared with it."""
    earlier = db.session.scalar(
        sa.select(Visit).where(Visit.merchant_id == visit.merchant_id, Visit.kind == "post_loan",
                               Visit.id != visit.id, Visit.started_at < visit.started_at)
        .order_by(Visit.started_at.desc()).limit(1))
    if earlier is None:
        return None
    checklist = (earlier.outcome or {}).get("checklist")
    return checklist if isinstance(checklist, dict) else None
