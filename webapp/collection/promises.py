"""Promises to pay, judged against the loan book (LoanHistory), never against what someone says.

A promise made on day M to pay an amount by day D is *kept* as soon as the book shows, on a book date up to D,
the loan current again (it was overdue) or settled, or at least the amount paid since the day before M (the
fall of the overdue amount or of the balance, whichever shows more). It is *broken* once the bank day is past
D and the book has been imported for D (or later) without showing that. While the book has not reached D the
promise stays open: a late file must not break a promise the customer kept. A broken promise's follow-up
contact is due the next morning.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.bank_time import bank_today, day_bounds
from webapp.collection.cases import record_event
from webapp.collection.deadlines import follow_up_deadline, rules_from_config
from webapp.extensions import db
from webapp.models import (
    CollectionCase,
    CollectionContact,
    LoanHistory,
    LoanImport,
    PaymentPromise,
    SubBranch,
)
from webapp.models.base import table_of
from webapp.write_kernel import rows_changed


@dataclass(frozen=True)
class BookState:
    as_of: date
    status: str
    balance_cents: int
    overdue_cents: int
    last_repayment_on: date | None


@dataclass(frozen=True)
class Verdict:
    status: str  # open, kept, broken
    paid_cents: int


def book_date(branch_id: int) -> date | None:
    """The latest book date imported for the branch: how far the book can tell."""
    return db.session.scalar(sa.select(sa.func.max(LoanImport.as_of)).where(LoanImport.branch_id == branch_id))


def _state(row: LoanHistory | None) -> BookState | None:
    if row is None:
        return None
    return BookState(row.as_of, row.status, row.balance_cents, row.overdue_cents, row.last_repayment_on)


def state_at(loan_id: int, day: date) -> BookState | None:
    """The loan as the book stood at the end of ``day`` (history rows are written only on change)."""
    return _state(db.session.scalar(
        sa.select(LoanHistory).where(LoanHistory.loan_id == loan_id, LoanHistory.as_of <= day)
        .order_by(LoanHistory.as_of.desc()).limit(1)))


def first_state(loan_id: int) -> BookState | None:
    return _state(db.session.scalar(
        sa.select(LoanHistory).where(LoanHistory.loan_id == loan_id).order_by(LoanHistory.as_of).limit(1)))


def paid_since(base: BookState, later: BookState) -> int:
    """What the book shows paid between two states: the larger fall of the overdue amount or the balance."""
    return max(0, base.overdue_cents - later.overdue_cents, base.balance_cents - later.balance_cents)


def is_kept(base: BookState, later: BookState, amount_cents: int) -> bool:
    if later.status == "repaid":
        return True
    if base.status == "overdue" and later.status == "normal":
        return True
    return paid_since(base, later) >= amount_cents


def judge(promise: PaymentPromise, book: date | None, today: date) -> Verdict:
    """The verdict the book allows today (pure apart from reading the loan's history)."""
    if book is None or book < promise.made_on:
        return Verdict("open", 0)
    base = state_at(promise.loan_id, promise.made_on - timedelta(days=1)) or first_state(promise.loan_id)
    later = state_at(promise.loan_id, min(book, promise.promised_on))
    if base is None or later is None:
        return Verdict("open", 0)
    paid = paid_since(base, later)
    if is_kept(base, later, promise.amount_cents):
        return Verdict("kept", paid)
    if today > promise.promised_on and book >= promise.promised_on:
        return Verdict("broken", paid)
    return Verdict("open", paid)


def _first_contact_after(case_id: int, moment: datetime) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.min(CollectionContact.contacted_at)).where(
        CollectionContact.case_id == case_id, CollectionContact.contacted_at >= moment))


def settle(promise: PaymentPromise, verdict: Verdict, *, now: datetime, book: date) -> bool:
    """Store a kept or broken verdict once (a concurrent judge finds it settled); record it on the case."""
    values: dict[str, object] = {"status": verdict.status, "judged_at": now, "judged_book_date": book,
                                 "paid_cents": verdict.paid_cents}
    if verdict.status == "broken":
        values["follow_up_due_at"] = follow_up_deadline(promise.promised_on, now, rules_from_config(current_app.config))
        values["followed_up_at"] = _first_contact_after(promise.case_id, day_bounds(promise.promised_on)[1])
    table = table_of(PaymentPromise)
    if rows_changed(sa.update(table).where(table.c.id == promise.id, table.c.status == "open")
                    .values(**values)) != 1:
        return False
    db.session.refresh(promise)
    case = db.session.get(CollectionCase, promise.case_id)
    assert case is not None
    record_event(case, f"promise_{verdict.status}", now, None, promise_id=promise.id,
                 promised_on=promise.promised_on.isoformat(), amount_cents=promise.amount_cents,
                 paid_cents=verdict.paid_cents, book_date=book.isoformat())
    return True


def judge_promises(promises: list[PaymentPromise], now: datetime) -> int:
    """Judge each open promise against its branch's book; returns how many were settled now."""
    today = bank_today(now)
    books: dict[int, date | None] = {}
    settled = 0
    for promise in promises:
        if promise.status != "open":
            continue
        branch_id = db.session.scalar(sa.select(SubBranch.branch_id).join(
            CollectionCase, CollectionCase.sub_branch_id == SubBranch.id).where(CollectionCase.id == promise.case_id))
        if branch_id is None:
            continue
        if branch_id not in books:
            books[branch_id] = book_date(branch_id)
        book = books[branch_id]
        verdict = judge(promise, book, today)
        if verdict.status != "open" and book is not None and settle(promise, verdict, now=now, book=book):
            settled += 1
    return settled


def open_promises(sub_branch_ids: list[int], *, due_before: date | None = None,
                  case_ids: list[int] | None = None) -> list[PaymentPromise]:
    """Open promises of open cases in these sub-branches (or of these cases), optionally only those whose
    date is before a day."""
    query = (sa.select(PaymentPromise).join(CollectionCase, CollectionCase.id == PaymentPromise.case_id)
             .where(PaymentPromise.status == "open", CollectionCase.status == "open"))
    if case_ids is not None:
        query = query.where(CollectionCase.id.in_(case_ids))
    else:
        query = query.where(CollectionCase.sub_branch_id.in_(sub_branch_ids))
    if due_before is not None:
        query = query.where(PaymentPromise.promised_on < due_before)
    return list(db.session.scalars(query.order_by(PaymentPromise.id)))
