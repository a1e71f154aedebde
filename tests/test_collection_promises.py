"""Contacts and promises to pay: promises judged against the loan book, never against the clock alone; a broken
promise makes a follow-up contact due the next morning."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.collection_helpers import (
    DAY,
    call_body,
    case_of,
    china,
    current_row,
    log_call,
    open_by_book,
    overdue_row,
)
from tests.factories import World, user_by_name
from tests.loan_helpers import run_import
from webapp.collection.refresh import apply_due
from webapp.collection.write import log_contact
from webapp.errors import Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.models import CaseEvent, CollectionContact, PaymentPromise
from webapp.write_kernel import WriteContext

NEXT = DAY + timedelta(days=1)
PROMISED = DAY + timedelta(days=4)  # 2026-12-05


def promise_of(contact: CollectionContact) -> PaymentPromise:
    promise = db.session.scalar(sa.select(PaymentPromise).where(PaymentPromise.contact_id == contact.id))
    assert promise is not None
    return promise


def book(day: date, **kwargs: str) -> None:
    """The nightly file for ``day``, imported at 18:30 that day."""
    run_import([overdue_row(**kwargs)], as_of=day, now=china(day, 18, 30))


def inbox_kinds(username: str, moment: object) -> list[str]:
    return [item.kind for item in inbox_items(user_by_name(username), moment)]  # type: ignore[arg-type]


def test_a_call_records_the_promise_and_counts_as_first_contact(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(PROMISED, "5000"))
        case = case_of("JJ0001")
        assert case.first_contact_at == china(NEXT, 9, 10)
        assert case.escalated_at is None
        promise = promise_of(contact)
        assert (promise.made_on, promise.promised_on, promise.amount_cents, promise.method, promise.status) == (
            NEXT, PROMISED, 500_000, "bank_transfer", "open")
        assert contact.cause == "business_downturn" and contact.reached


def test_a_promise_whose_date_passes_without_payment_is_broken(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(PROMISED, "5000"))
        for day in (NEXT, NEXT + timedelta(days=1), NEXT + timedelta(days=2), PROMISED):
            book(day, dpd=str((day - DAY).days + 3), overdue="5000.00")
        # The evening of the promised day: the date has not passed yet.
        assert promise_of(contact).status == "open"
        # Just after midnight the inbox is computed: the book for the 5th shows no payment.
        morning = china(PROMISED + timedelta(days=1), 0, 5)
        assert "collection_follow_up" in inbox_kinds("mgr1", morning)
        promise = promise_of(contact)
        assert promise.status == "broken" and promise.paid_cents == 0
        assert promise.judged_book_date == PROMISED
        assert promise.follow_up_due_at == china(PROMISED + timedelta(days=1), 10, 0)
        assert promise.followed_up_at is None
        kinds = db.session.scalars(sa.select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
        assert kinds.count("promise_broken") == 1
        # Computing again records nothing twice.
        assert apply_due([world.sub_branches["A1"]], china(PROMISED + timedelta(days=1), 9, 0)) == 0
        # A follow-up call the next morning clears the item.
        log_call(case_of("JJ0001"), china(PROMISED + timedelta(days=1), 9, 30))
        assert promise_of(contact).followed_up_at == china(PROMISED + timedelta(days=1), 9, 30)
        assert "collection_follow_up" not in inbox_kinds("mgr1", china(PROMISED + timedelta(days=1), 9, 31))


def test_a_late_book_breaks_no_promise(app: Flask, world: World) -> None:
    """The date has passed but the book has not reached it: nothing is known, nothing is broken."""
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(NEXT + timedelta(days=1), "5000"))
        assert apply_due([world.sub_branches["A1"]], china(NEXT + timedelta(days=5), 9)) >= 0
        assert promise_of(contact).status == "open"
        # The late file for the promised day arrives, no payment: broken, the follow-up due the next morning.
        late = NEXT + timedelta(days=1)
        run_import([overdue_row(dpd="5", overdue="5000.00")], as_of=late, now=china(NEXT + timedelta(days=5), 15))
        promise = promise_of(contact)
        assert promise.status == "broken"
        assert promise.follow_up_due_at == china(NEXT + timedelta(days=6), 10, 0)


def test_a_payment_on_the_book_keeps_the_promise_early(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book(overdue="8000.00")
        contact = log_call(case, china(NEXT, 9, 10), promise=(PROMISED, "2000"))
        book(NEXT + timedelta(days=1), dpd="5", overdue="6000.00", last_paid="2026-12-03")
        promise = promise_of(contact)
        assert promise.status == "kept" and promise.paid_cents == 200_000
        assert case_of("JJ0001").status == "open"  # still 6,000 overdue


def test_a_part_payment_is_a_broken_promise_with_what_was_paid(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(PROMISED, "5000"))
        book(PROMISED, dpd="7", overdue="2000.00", last_paid="2026-12-05")
        apply_due([world.sub_branches["A1"]], china(PROMISED + timedelta(days=1), 8))
        promise = promise_of(contact)
        assert promise.status == "broken" and promise.paid_cents == 300_000


def test_the_loan_current_again_keeps_the_promise_and_closes_the_case(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(PROMISED, "5000"))
        run_import([current_row(balance="176000.00", last_paid="2026-12-04")], as_of=PROMISED - timedelta(days=1),
                   now=china(PROMISED - timedelta(days=1), 18, 30))
        assert promise_of(contact).status == "kept"
        closed = case_of("JJ0001")
        assert closed.status == "closed" and closed.close_reason == "current"


def test_a_call_before_the_book_judges_already_counts_as_the_follow_up(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(NEXT + timedelta(days=1), "5000"))
        log_call(case_of("JJ0001"), china(NEXT + timedelta(days=2), 8, 0), reached=False)
        book(NEXT + timedelta(days=1), dpd="5", overdue="5000.00")
        apply_due([world.sub_branches["A1"]], china(NEXT + timedelta(days=2), 9))
        promise = promise_of(contact)
        assert promise.status == "broken" and promise.followed_up_at == china(NEXT + timedelta(days=2), 8, 0)


def test_a_late_first_contact_escalates_at_once(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        log_call(case, china(NEXT, 11, 15))
        case = case_of("JJ0001")
        assert case.first_contact_at == china(NEXT, 11, 15) and case.escalated_at == china(NEXT, 11, 15)
        events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.kind == "escalated")).all()
        assert len(events) == 1 and events[0].detail["late_minutes"] == 75
        assert "collection_first_contact_late" in inbox_kinds("lead1", china(NEXT, 11, 16))


def _bad(app: Flask, world: World, **changes: object) -> set[str]:
    case = case_of("JJ0001")
    body = call_body(china(NEXT, 9, 10), promise=(PROMISED, "5000"))
    for key, value in changes.items():
        if key.startswith("promise_"):
            body["promise"][key[len("promise_"):]] = value
        else:
            body[key] = value
    with pytest.raises(Invalid) as error:
        log_contact(WriteContext(actor=user_by_name("mgr1"), now=china(NEXT, 9, 30)), case, str(uuid.uuid4()), body)
    db.session.rollback()
    return set(error.value.fields)


def test_bad_contacts_are_refused_field_by_field(app: Flask, world: World) -> None:
    with app.test_request_context():
        open_by_book()
        assert _bad(app, world, channel="fax") == {"channel"}
        assert _bad(app, world, channel=None) == {"channel"}
        assert _bad(app, world, reached=None) == {"reached"}
        assert _bad(app, world, reached="maybe") == {"reached"}
        assert _bad(app, world, person="neighbour") == {"person"}
        assert _bad(app, world, cause="") == {"cause"}
        assert _bad(app, world, answer="") == {"answer"}
        assert _bad(app, world, answer="x" * 1001) == {"answer"}
        assert _bad(app, world, answer="a\x00b") == {"answer"}
        assert _bad(app, world, person_name=["list"]) == {"person_name"}
        assert _bad(app, world, contacted_at="yesterday") == {"contacted_at"}
        assert _bad(app, world, contacted_at="2026-12-02T11:00") == {"contacted_at"}  # in the future
        assert _bad(app, world, contacted_at="2026-12-01T18:00") == {"contacted_at"}  # before the case opened
        assert _bad(app, world, contacted_at="9999-12-31T23:59+14:00") == {"contacted_at"}
        assert _bad(app, world, meeting_at="2026-12-01T08:00") == {"meeting_at"}
        assert _bad(app, world, promise_date="2026-12-01") == {"promise.date"}
        assert _bad(app, world, promise_date="2027-12-01") == {"promise.date"}
        assert _bad(app, world, promise_date="soon") == {"promise.date"}
        for amount in ("-5", "0", "abc", "1.234", "1e9", "NaN", "Infinity", True, None, [1]):
            assert _bad(app, world, promise_amount=amount) == {"promise.amount"}, amount
        assert _bad(app, world, promise_method="bitcoin") == {"promise.method"}
        assert _bad(app, world, reached="no", cause="", answer="") == {"promise"}
        assert _bad(app, world, visit_id="0b6f3a2c-9c8e-4e0a-8a44-3f1f1b0e0c11") == {"visit_id"}
        assert _bad(app, world, channel="visit", visit_id="0b6f3a2c-9c8e-4e0a-8a44-3f1f1b0e0c11") == {"visit_id"}
        assert _bad(app, world, promise="tomorrow") == {"promise"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionContact)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentPromise)) == 0
        with pytest.raises(Invalid):
            log_contact(WriteContext(actor=user_by_name("mgr1"), now=china(NEXT, 9)), case_of("JJ0001"),
                        str(uuid.uuid4()), ["not", "an", "object"])


def test_amounts_with_commas_and_fen_are_exact(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        contact = log_call(case, china(NEXT, 9, 10), promise=(PROMISED, "12,345.67"))
        assert promise_of(contact).amount_cents == 1_234_567


def test_who_may_record_and_replays(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        body = call_body(china(NEXT, 9, 10))
        for outsider in ("mgr2", "reviewer1", "admin"):
            with pytest.raises(Forbidden):
                log_contact(WriteContext(actor=user_by_name(outsider), now=china(NEXT, 9, 30)), case,
                            str(uuid.uuid4()), body)
        contact_id = str(uuid.uuid4())
        ctx = WriteContext(actor=user_by_name("lead1"), now=china(NEXT, 9, 30))
        assert log_contact(ctx, case, contact_id, body).status == "created"
        db.session.commit()
        assert log_contact(ctx, case, contact_id, body).status == "unchanged"
        with pytest.raises(Conflict):
            log_contact(ctx, case, contact_id, {**body, "answer": "换了说法"})
        db.session.rollback()
        run_import([current_row(last_paid="2026-12-02")], as_of=NEXT, now=china(NEXT, 18, 30))
        with pytest.raises(Conflict):
            log_contact(WriteContext(actor=user_by_name("mgr1"), now=china(NEXT, 19)), case_of("JJ0001"),
                        str(uuid.uuid4()), call_body(china(NEXT, 18, 40)))
