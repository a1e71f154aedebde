"""The loan book's import hook for collection: open, hand over and close cases as the book says.

Runs inside the import's transaction (``webapp.loans.hooks.IMPORT_HOOKS``): a loan newly overdue opens a case
(the superiors are told at once), a loan moved to another manager moves its case, a loan current again or
settled closes its case once its promises are judged, and then every open promise of the branch is judged
against the new book and missed deadlines escalate. Raising here rolls the whole import back.
"""
from __future__ import annotations

import sqlalchemy as sa

from webapp.collection.cases import close_case, open_case, open_case_of, transfer_owner
from webapp.collection.promises import judge_promises, open_promises
from webapp.collection.refresh import apply_due
from webapp.extensions import db
from webapp.loans.summary import ImportSummary
from webapp.models import CollectionCase, Loan, LoanHistory, LoanImport, SubBranch
from webapp.write_kernel import WriteContext

CHUNK = 500
BOOK_CLOSES = {"repaid": "settled", "written_off": "written_off"}


def _loans(ids: list[int]) -> list[Loan]:
    loans: list[Loan] = []
    for start in range(0, len(ids), CHUNK):
        loans.extend(db.session.scalars(sa.select(Loan).where(Loan.id.in_(ids[start:start + CHUNK]))
                                        .order_by(Loan.id)))
    return loans


def _never_collected(ids: list[int]) -> set[int]:
    """Loans among these that never had a case (an overdue loan from before collection existed)."""
    seen: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        seen.update(db.session.scalars(sa.select(CollectionCase.loan_id).where(
            CollectionCase.loan_id.in_(ids[start:start + CHUNK]))))
    return set(ids) - seen


def _showed_overdue_since_opening(case: CollectionCase) -> bool:
    """A case opened by hand on a current loan is not closed as "current again" unless the book showed the
    loan overdue at some point while the case was open."""
    if case.dpd_at_open > 0:
        return True
    since = case.opened_book_date
    query = sa.select(LoanHistory.id).where(LoanHistory.loan_id == case.loan_id, LoanHistory.status == "overdue")
    if since is not None:
        query = query.where(LoanHistory.as_of >= since)
    return db.session.scalar(query.limit(1)) is not None


def _close_reason(case: CollectionCase, loan: Loan) -> str | None:
    if loan.status in BOOK_CLOSES:
        return BOOK_CLOSES[loan.status]
    if loan.status == "normal" and _showed_overdue_since_opening(case):
        return "current"
    return None


def on_loan_import(ctx: WriteContext, summary: ImportSummary) -> None:
    now = ctx.now
    changed_ids = summary.loan_ids(summary.changed) + summary.loan_ids(summary.new_loans)
    to_open = set(summary.loan_ids(summary.newly_overdue)) | _never_collected(changed_ids)
    for loan in _loans(sorted(to_open)):
        if loan.status == "overdue":
            open_case(ctx, loan, by_hand=False, book_date=summary.as_of)
    for number, _old, new_manager in summary.manager_changed:
        loan_id = summary.ids.get(number)
        case = open_case_of(loan_id) if loan_id is not None else None
        if case is not None:
            transfer_owner(case, new_manager, now)
    for loan in _loans(changed_ids):
        case = open_case_of(loan.id)
        if case is None:
            continue
        reason = _close_reason(case, loan)
        if reason is None:
            continue
        judge_promises(open_promises([], case_ids=[case.id]), now)
        close_case(case, reason, now=now, note=summary.as_of.isoformat())
    subs = list(db.session.scalars(sa.select(SubBranch.id).where(SubBranch.branch_id == _branch_of(ctx, summary))))
    judge_promises(open_promises(subs), now)
    apply_due(subs, now)


def _branch_of(ctx: WriteContext, summary: ImportSummary) -> int:
    """The branch of this import: its LoanImport row, flushed in this transaction before the hooks run."""
    branch_id = db.session.scalar(
        sa.select(LoanImport.branch_id).where(LoanImport.imported_at == ctx.now, LoanImport.as_of == summary.as_of)
        .order_by(LoanImport.id.desc()).limit(1))
    return branch_id if branch_id is not None else ctx.actor.branch_id
