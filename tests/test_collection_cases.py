"""Cases opened and closed by the loan book and by hand: one open case per loan, owned by the loan's manager,
the superiors told at once, never closed silently."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from tests.collection_helpers import (
    DAY,
    case_of,
    china,
    current_row,
    open_by_book,
    overdue_row,
)
from tests.factories import World, user_by_name
from tests.loan_helpers import loan_by_number, loan_row, run_import
from webapp.collection.cases import open_case, open_case_by_hand
from webapp.collection.settings import set_head
from webapp.database import immediate_transactions
from webapp.errors import Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.models import CaseEvent, CollectionCase, CollectionNotice, Loan
from webapp.write_kernel import WriteContext

NEXT = DAY + timedelta(days=1)


def notices(case_id: int) -> set[tuple[str, str]]:
    rows = db.session.execute(sa.select(CollectionNotice.kind, CollectionNotice.recipient_id)
                              .where(CollectionNotice.case_id == case_id)).all()
    names = {user.id: user.username for user in (user_by_name(n) for n in ("lead1", "lead2", "mgr1", "mgr2",
                                                                           "reviewer1", "admin"))}
    return {(kind, names.get(rid, str(rid))) for kind, rid in rows}


def events(case_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(CaseEvent.kind).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.id)))


def test_the_nightly_import_opens_a_case_and_tells_the_lead(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book(opened=china(DAY, 18, 30))
        assert case.status == "open" and case.open_reason == "book" and case.opened_by_id is None
        assert case.owner.username == "mgr1"
        assert case.opened_at == china(DAY, 18, 30)
        assert case.first_contact_due_at == china(NEXT, 10, 0)
        assert case.dpd_at_open == 3 and case.overdue_cents_at_open == 500_000
        assert notices(case.id) == {("case_opened", "lead1")}
        assert events(case.id) == ["opened"]


def test_the_sub_branch_head_is_told_too_where_one_is_configured(app: Flask, world: World) -> None:
    with app.test_request_context():
        admin = user_by_name("admin")
        set_head(WriteContext(actor=admin, now=china(DAY, 8)), world.sub_branches["A1"], str(user_by_name("reviewer1").id))
        db.session.commit()
        case = open_by_book()
        assert notices(case.id) == {("case_opened", "lead1"), ("case_opened", "reviewer1")}


def test_the_same_file_again_opens_nothing_more(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        run_import([overdue_row()], as_of=DAY, now=china(DAY, 19, 0))
        run_import([overdue_row(dpd="4", overdue="5200.00")], as_of=NEXT, now=china(NEXT, 18, 30))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionCase)) == 1
        assert case_of("JJ0001").id == case.id
        # Told once of the opening; the next evening's import also finds the first contact missed.
        assert notices(case.id) == {("case_opened", "lead1"), ("first_contact_missed", "lead1")}


def test_the_database_refuses_a_second_open_case(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        twin = CollectionCase(loan_id=case.loan_id, sub_branch_id=case.sub_branch_id, owner_id=case.owner_id,
                              status="open", open_reason="manual", opened_at=case.opened_at,
                              first_contact_due_at=case.first_contact_due_at, close_note="", open_note="")
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # A closed case beside the open one is history, not a second open case.
        db.session.add(CollectionCase(loan_id=case.loan_id, sub_branch_id=case.sub_branch_id, owner_id=case.owner_id,
                                      status="closed", open_reason="manual", opened_at=case.opened_at,
                                      first_contact_due_at=case.first_contact_due_at, close_reason="current",
                                      close_note="", open_note=""))
        db.session.commit()


def test_concurrent_openings_end_with_one_case(app: Flask, world: World) -> None:
    with app.test_request_context():
        run_import([current_row()], as_of=DAY, now=china(DAY, 9))
        loan_id = loan_by_number("JJ0001").id
    results: list[int] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(username: str) -> None:
        try:
            # Released together; each then runs one request-like transaction (BEGIN IMMEDIATE on SQLite, so
            # there they queue; on PostgreSQL they overlap and the unique index decides).
            barrier.wait(timeout=10)
            with app.app_context(), immediate_transactions():
                actor = user_by_name(username)
                loan = db.session.get(Loan, loan_id)
                assert loan is not None
                opening = open_case(WriteContext(actor=actor, now=china(DAY, 10)), loan, by_hand=True, note="x")
                db.session.commit()
                results.append(opening.case.id)
                db.session.remove()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("mgr1", "lead1", "mgr1", "lead1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert len(results) == 4 and len(set(results)) == 1
    with app.test_request_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionCase)) == 1
        assert events(results[0]) == ["opened"]


@pytest.mark.parametrize(("row", "reason"), [
    (current_row(last_paid="2026-12-02"), "current"),
    (loan_row(status="结清", balance="0.00", last_paid="2026-12-02"), "settled"),
    (loan_row(status="核销", balance="180000.00"), "written_off"),
])
def test_the_book_closes_the_case_with_its_reason(app: Flask, world: World, row: dict[str, str], reason: str) -> None:
    with app.test_request_context():
        case = open_by_book()
        run_import([row], as_of=NEXT, now=china(NEXT, 18, 30))
        closed = case_of("JJ0001")
        assert closed.id == case.id
        assert closed.status == "closed" and closed.close_reason == reason and closed.closed_by_id is None
        assert closed.closed_at == china(NEXT, 18, 30)
        assert events(case.id)[-1] == "closed"
        assert ("case_closed", "lead1") in notices(case.id)


def test_new_arrears_after_a_close_open_a_new_case(app: Flask, world: World) -> None:
    with app.test_request_context():
        first = open_by_book()
        run_import([current_row(last_paid="2026-12-02")], as_of=NEXT, now=china(NEXT, 18, 30))
        later = NEXT + timedelta(days=30)
        run_import([overdue_row(dpd="1", overdue="3000.00")], as_of=later, now=china(later, 18, 30))
        second = case_of("JJ0001")
        assert second.id != first.id and second.status == "open"
        assert db.session.get(CollectionCase, first.id).status == "closed"  # type: ignore[union-attr]


def test_the_case_follows_the_loan_to_another_manager(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        run_import([overdue_row(manager="mgr2")], as_of=NEXT, now=china(NEXT, 18, 30))
        moved = case_of("JJ0001")
        assert moved.id == case.id and moved.owner.username == "mgr2"
        assert "owner_changed" in events(case.id)


def test_a_case_opened_by_hand_on_a_current_loan_stays_open_while_the_loan_is_current(
        app: Flask, world: World) -> None:
    with app.test_request_context():
        run_import([current_row()], as_of=DAY, now=china(DAY, 9))
        loan = loan_by_number("JJ0001")
        opening = open_case_by_hand(WriteContext(actor=user_by_name("mgr1"), now=china(DAY, 10)), loan,
                                    "  老板说生意下滑，下月可能还不上  ")
        db.session.commit()
        case = opening.case
        assert case.open_reason == "manual" and case.opened_by.username == "mgr1"  # type: ignore[union-attr]
        assert case.open_note == "老板说生意下滑，下月可能还不上"
        assert case.first_contact_due_at == china(DAY, 23, 59)
        run_import([current_row(balance="170000.00", last_paid="2026-12-02")], as_of=NEXT, now=china(NEXT, 18, 30))
        assert case_of("JJ0001").status == "open"
        later = NEXT + timedelta(days=3)
        run_import([overdue_row(dpd="2", overdue="100.00")], as_of=later, now=china(later, 18, 30))
        assert case_of("JJ0001").id == case.id
        run_import([current_row(last_paid="2026-12-06")], as_of=later + timedelta(days=1), now=china(later, 20))
        assert case_of("JJ0001").close_reason == "current"


def test_opening_by_hand_refuses_what_it_must(app: Flask, world: World) -> None:
    with app.test_request_context():
        run_import([current_row(), loan_row("JJ0002", status="结清", balance="0.00")], as_of=DAY, now=china(DAY, 9))
        loan = loan_by_number("JJ0001")
        ctx = WriteContext(actor=user_by_name("mgr1"), now=china(DAY, 10))
        with pytest.raises(Invalid) as empty:
            open_case_by_hand(ctx, loan, "   ")
        assert set(empty.value.fields) == {"note"}
        with pytest.raises(Invalid):
            open_case_by_hand(ctx, loan, "x" * 501)
        with pytest.raises(Invalid):
            open_case_by_hand(ctx, loan, 42)
        with pytest.raises(Forbidden):
            open_case_by_hand(WriteContext(actor=user_by_name("mgr2"), now=china(DAY, 10)), loan, "看看")
        with pytest.raises(Conflict):
            open_case_by_hand(ctx, loan_by_number("JJ0002"), "已结清")
        open_case_by_hand(ctx, loan, "第一次")
        with pytest.raises(Conflict):
            open_case_by_hand(WriteContext(actor=user_by_name("lead1"), now=china(DAY, 11)), loan, "第二次")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionCase)) == 0
