"""Bringing cases up to date with the clock: missed first-contact deadlines escalate, promises whose date has
passed are judged against the book.

This runs when the loan book is imported (inside the import's transaction) and whenever collection pages or an
inbox are computed, so nothing depends on a nightly job someone forgot to schedule; ``flask collection
refresh`` does the same from cron for timely pushes. Each change is a conditional update, so two requests
doing it at once record it once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.collection.cases import record_event
from webapp.collection.deadlines import describe_lateness
from webapp.collection.notify import notify, superiors_of
from webapp.collection.promises import judge_promises, open_promises
from webapp.database import immediate_transactions
from webapp.extensions import db
from webapp.models import CollectionCase, PaymentPromise
from webapp.models.base import table_of
from webapp.write_kernel import rows_changed


def escalate(case: CollectionCase, now: datetime, *, contacted_at: datetime | None = None) -> bool:
    """Tell the superiors again that the first contact was missed (or came late), once per case."""
    table = table_of(CollectionCase)
    if rows_changed(sa.update(table).where(table.c.id == case.id, table.c.escalated_at.is_(None))
                    .values(escalated_at=now)) != 1:
        return False
    db.session.refresh(case)
    moment = contacted_at or now
    hours, minutes = describe_lateness(moment - case.first_contact_due_at)
    kind = "first_contact_late" if contacted_at is not None else "first_contact_missed"
    record_event(case, "escalated", now, None, notice=kind, due_at=case.first_contact_due_at.isoformat(),
                 late_minutes=hours * 60 + minutes)
    notify(superiors_of(case), kind, case, now=now, key=f"escalated:{case.id}",
           detail=f"{hours}:{minutes:02d}")
    return True


def _missed_cases(sub_branch_ids: list[int], now: datetime) -> sa.Select[CollectionCase]:
    return sa.select(CollectionCase).where(
        CollectionCase.sub_branch_id.in_(sub_branch_ids), CollectionCase.status == "open",
        CollectionCase.first_contact_at.is_(None), CollectionCase.escalated_at.is_(None),
        CollectionCase.first_contact_due_at < now)


def _due_promises(sub_branch_ids: list[int], now: datetime) -> sa.Select[int]:
    return (sa.select(PaymentPromise.id).join(CollectionCase, CollectionCase.id == PaymentPromise.case_id)
            .where(CollectionCase.sub_branch_id.in_(sub_branch_ids), CollectionCase.status == "open",
                   PaymentPromise.status == "open", PaymentPromise.promised_on < bank_today(now)))


def anything_due(sub_branch_ids: list[int], now: datetime) -> bool:
    """A cheap read: is there a deadline to escalate or a promise to judge? (Usually not.)"""
    if not sub_branch_ids:
        return False
    missed = db.session.scalar(_missed_cases(sub_branch_ids, now).with_only_columns(CollectionCase.id).limit(1))
    if missed is not None:
        return True
    return db.session.scalar(_due_promises(sub_branch_ids, now).limit(1)) is not None


def apply_due(sub_branch_ids: list[int], now: datetime) -> int:
    """Escalate missed deadlines and judge promises past their date; flushes, never commits."""
    if not sub_branch_ids:
        return 0
    changed = 0
    for case in db.session.scalars(_missed_cases(sub_branch_ids, now).order_by(CollectionCase.id)).all():
        changed += escalate(case, now)
    changed += judge_promises(open_promises(sub_branch_ids, due_before=bank_today(now)), now)
    db.session.flush()
    return changed


def bring_up_to_date(sub_branch_ids: list[int], now: datetime) -> int:
    """For views that only read (pages, the inbox): when something is due, record it in its own short write
    transaction and commit it, so what the page shows next is what is stored."""
    if not anything_due(sub_branch_ids, now):
        return 0
    db.session.commit()  # end the read transaction, so SQLite's write lock is taken up front below
    with immediate_transactions():
        changed = apply_due(sub_branch_ids, now)
        db.session.commit()
    return changed
