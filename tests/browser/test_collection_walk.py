"""The collection walk on a Pixel 7: the nightly import makes mgr1's loan overdue at 18:30; mgr1 finds the case
in the inbox with a deadline of 10:00 tomorrow, calls at 09:10 and records a promise; lead1 sees the first
contact on time; the promised date passes with no payment on the book and the follow-up falls due.

The app's clock is moved with the test-only TEST_NOW setting (honoured only when app.testing), never by
waiting; the loan file goes through the loan book's one import path, as the nightly job sends it. The walk
uses days a month ahead of today, so no other walk's data meets it.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Phones, sign_in
from tests.loan_helpers import loan_csv, loan_row
from webapp.bank_time import BANK_ZONE, bank_today
from webapp.extensions import db
from webapp.loans.importer import import_loans
from webapp.loans.reader import read_loan_file
from webapp.models import User
from webapp.write_kernel import WriteContext

NUMBER = "WALK-0001"
BORROWER = "清收演示面馆"


def china(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANK_ZONE).astimezone(UTC)


def nightly_import(server: LiveServer, day: date, **row: str) -> None:
    """The core banking system's file for ``day``, imported at 18:30 that day."""
    app = server.app
    app.config["TEST_NOW"] = china(day, 18, 30)
    file = loan_csv([loan_row(NUMBER, merchant="WALK-001", borrower=BORROWER, manager="mgr1", disbursed="2026-01-05",
                              matures="2028-01-05", **row)])
    with app.test_request_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin is not None
        outcome = import_loans(WriteContext(actor=admin, now=china(day, 18, 30)), admin.sub_branch.branch_id,
                               read_loan_file(file), day, source="cli", file_name="nightly.csv")
        assert outcome.ok, outcome.problems
        db.session.commit()
        db.session.remove()


@pytest.fixture
def clock(live_server: LiveServer) -> Iterator[LiveServer]:
    yield live_server
    live_server.app.config.pop("TEST_NOW", None)


def test_overdue_at_night_called_next_morning_promise_broken(clock: LiveServer, phones: Phones) -> None:
    day = bank_today() + timedelta(days=30)
    tomorrow = day + timedelta(days=1)
    promised = day + timedelta(days=3)
    app = clock.app
    nightly_import(clock, day - timedelta(days=1))
    nightly_import(clock, day, status="逾期", dpd="1", overdue="5000.00")

    # 09:05 the next morning: mgr1 opens the inbox on the phone and finds the case, due at 10:00.
    app.config["TEST_NOW"] = china(tomorrow, 9, 5)
    mgr1 = phones().new_page()
    sign_in(mgr1, "mgr1")
    mgr1.goto("/inbox/")
    item = mgr1.locator('[data-inbox-kind="collection_first_contact"]', has_text=BORROWER)
    expect(item).to_have_count(1)
    expect(item.locator("time")).to_have_text(f"{tomorrow.isoformat()} 10:00")

    # 09:10: the call. The form's time defaults to now; the promise: 5,000 yuan by transfer in three days.
    app.config["TEST_NOW"] = china(tomorrow, 9, 10)
    item.locator("a").click()
    mgr1.wait_for_url("**/collection/cases/*")
    expect(mgr1.locator("[data-first-contact] [data-deadline-state]")).to_have_attribute("data-deadline-state", "pending")
    expect(mgr1.locator("[data-first-contact-due]")).to_have_text(f"{tomorrow.isoformat()} 10:00")
    form = mgr1.locator("#contact-form")
    expect(form.locator("#contacted_at")).to_have_value(f"{tomorrow.isoformat()}T09:10")
    form.locator('input[name="reached"][value="yes"]').check()
    form.locator("#cause").select_option("business_downturn")
    form.locator("#answer").fill("这个月生意差，三天后货款到账就还")
    form.locator("#promise_date").fill(promised.isoformat())
    form.locator("#promise_amount").fill("5000")
    form.locator("#promise_method").select_option("bank_transfer")
    form.locator("[data-save-contact]").click()
    expect(mgr1.locator("[data-first-contact] [data-deadline-state]")).to_have_attribute("data-deadline-state", "on_time")
    expect(mgr1.locator("[data-first-contact-at]")).to_have_text(f"{tomorrow.isoformat()} 09:10")
    expect(mgr1.locator("#contacts [data-promise='open']")).to_have_count(1)
    case_url = mgr1.url.split("#")[0]
    mgr1.goto("/inbox/")
    expect(mgr1.locator('[data-inbox-kind="collection_first_contact"]', has_text=BORROWER)).to_have_count(0)

    # lead1 was told of the case when it opened, and sees the first contact on time.
    app.config["TEST_NOW"] = china(tomorrow, 9, 30)
    lead1 = phones().new_page()
    sign_in(lead1, "lead1")
    lead1.goto("/inbox/")
    expect(lead1.locator('[data-inbox-kind="collection_case_opened"]', has_text=BORROWER)).to_have_count(1)
    lead1.goto("/collection/board/lead")
    row = lead1.locator("#open-cases tr", has_text=BORROWER)
    expect(row.locator("[data-deadline-state]")).to_have_attribute("data-deadline-state", "on_time")

    # The book shows no payment up to the promised day; the morning after, the follow-up is due.
    for book_day in (tomorrow, day + timedelta(days=2), promised):
        nightly_import(clock, book_day, status="逾期", dpd=str((book_day - day).days + 1), overdue="5000.00")
    app.config["TEST_NOW"] = china(promised + timedelta(days=1), 8, 30)
    mgr1.goto("/inbox/")
    follow_up = mgr1.locator('[data-inbox-kind="collection_follow_up"]', has_text=BORROWER)
    expect(follow_up).to_have_count(1)
    expect(follow_up.locator("time")).to_have_text(f"{(promised + timedelta(days=1)).isoformat()} 10:00")
    follow_up.locator("a").click()
    mgr1.wait_for_url(f"{case_url}*")
    expect(mgr1.locator("[data-promise-row='broken']")).to_have_count(1)
    expect(mgr1.locator("[data-follow-up-due]")).to_be_visible()
    lead1.goto("/collection/board/lead")
    expect(lead1.locator("#broken [data-broken-promise]", has_text=BORROWER)).to_have_count(1)
    assert phones.errors == []
