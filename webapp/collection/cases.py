"""Opening and closing a case: one open case per loan, owned by the loan's manager, never closed silently.

The database holds the rule "one open case per loan" (a partial unique index on both backends), so two
imports or a person and an import racing each other end with one case; the loser finds the winner's case.
Closing is a conditional update from open to closed, recorded with its reason and who (or which book) did it.
These functions flush and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from webapp.collection.deadlines import first_contact_deadline, rules_from_config
from webapp.collection.notify import notify, superiors_of
from webapp.errors import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import CaseEvent, CollectionCase, Loan, User
from webapp.models.base import table_of
from webapp.roles import TEAM_LEAD
from webapp.write_kernel import FieldErrors, WriteContext, insert_or_winner, rows_changed

MAX_NOTE = 500


@dataclass(frozen=True)
class CaseOpening:
    case: CollectionCase
    created: bool


def record_event(case: CollectionCase, kind: str, at: datetime, actor: User | None = None,
                 **detail: Any) -> CaseEvent:
    event = CaseEvent(case_id=case.id, at=at, actor_id=actor.id if actor is not None else None, kind=kind,
                      detail=detail)
    db.session.add(event)
    return event


def open_case_of(loan_id: int) -> CollectionCase | None:
    return db.session.scalar(sa.select(CollectionCase).where(CollectionCase.loan_id == loan_id,
                                                             CollectionCase.status == "open"))


def open_case(ctx: WriteContext, loan: Loan, *, by_hand: bool, note: str = "",
              book_date: date | None = None) -> CaseOpening:
    """The loan's open case, opened now unless it has one. By hand, ``ctx.actor`` opens it; from the book,
    nobody does (the import's actor only ran the import)."""
    existing = open_case_of(loan.id)
    if existing is not None:
        return CaseOpening(existing, False)
    rules = rules_from_config(current_app.config)
    case = CollectionCase(
        loan_id=loan.id, sub_branch_id=loan.sub_branch_id, owner_id=loan.manager_id, status="open",
        open_reason="manual" if by_hand else "book", open_note=note[:MAX_NOTE], opened_at=ctx.now,
        opened_by_id=ctx.actor.id if by_hand else None, opened_book_date=book_date or loan.as_of,
        dpd_at_open=loan.days_past_due, overdue_cents_at_open=loan.overdue_cents,
        first_contact_due_at=first_contact_deadline(ctx.now, rules), close_note="")
    winner = insert_or_winner(case, lambda: open_case_of(loan.id))
    if winner is not None:
        return CaseOpening(winner, False)
    record_event(case, "opened", ctx.now, ctx.actor if by_hand else None, reason=case.open_reason,
                 days_past_due=loan.days_past_due, overdue_cents=loan.overdue_cents, note=case.open_note)
    notify(superiors_of(case), "case_opened", case, now=ctx.now, key=f"opened:{case.id}")
    db.session.flush()
    return CaseOpening(case, True)


def open_case_by_hand(ctx: WriteContext, loan: Loan, raw_note: Any) -> CaseOpening:
    """From a loan page: the loan's manager or their team lead, for a loan still on the book."""
    errors = FieldErrors()
    note = raw_note.strip() if isinstance(raw_note, str) and "\x00" not in raw_note else None
    if note is None:
        errors.fail("note", _("Expected text."))
    if not note:
        errors.add("note", _("Say why the case is opened."))
    elif len(note) > MAX_NOTE:
        errors.add("note", _("At most %(limit)d characters.", limit=MAX_NOTE))
    errors.raise_if_any()
    actor = ctx.actor
    manages = loan.manager_id == actor.id or (
        actor.role == TEAM_LEAD and actor.team_id is not None and loan.manager.team_id == actor.team_id)
    if not manages:
        raise Forbidden(_("Only the loan's manager or their team lead opens a case for it."))
    if not loan.is_open:
        raise Conflict(_("This loan is no longer on the book as open: there is nothing to collect."),
                       code="loan_closed")
    opening = open_case(ctx, loan, by_hand=True, note=note or "")
    if not opening.created:
        raise Conflict(_("This loan already has an open collection case."), code="case_open")
    return opening


def close_case(case: CollectionCase, reason: str, *, now: datetime, actor: User | None = None,
               note: str = "") -> bool:
    """Close an open case with its reason; False when it was already closed (by someone a moment ago)."""
    table = table_of(CollectionCase)
    closed = rows_changed(
        sa.update(table).where(table.c.id == case.id, table.c.status == "open")
        .values(status="closed", closed_at=now, closed_by_id=actor.id if actor is not None else None,
                close_reason=reason, close_note=note[:MAX_NOTE]))
    if closed != 1:
        return False
    db.session.refresh(case)
    record_event(case, "closed", now, actor, reason=reason, note=note[:MAX_NOTE])
    notify(superiors_of(case), "case_closed", case, now=now, key=f"closed:{case.id}:{reason}")
    return True


def transfer_owner(case: CollectionCase, new_owner_id: int, now: datetime) -> None:
    """The book moved the loan to another manager: the case follows it."""
    if case.owner_id == new_owner_id:
        return
    old = case.owner_id
    case.owner_id = new_owner_id
    db.session.flush()
    db.session.refresh(case)
    record_event(case, "owner_changed", now, None, old_owner_id=old, new_owner_id=new_owner_id)
