"""Collection cases for tests: loans made overdue through the loan book's one import path, at chosen times."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.loan_helpers import loan_by_number, loan_row, run_import
from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.models import CollectionCase, CollectionContact

# 2026-12-01 is a Tuesday.
DAY = date(2026, 12, 1)


def china(day: date, hour: int, minute: int = 0) -> datetime:
    """A China-time wall clock as the aware UTC instant the app stores."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANK_ZONE).astimezone(UTC)


def overdue_row(number: str = "JJ0001", *, dpd: str = "3", overdue: str = "5000.00", balance: str = "180000.00",
                **kwargs: Any) -> dict[str, str]:
    return loan_row(number, status="逾期", dpd=dpd, overdue=overdue, balance=balance, **kwargs)


def current_row(number: str = "JJ0001", *, balance: str = "180000.00", last_paid: str = "", **kwargs: Any) -> dict[str, str]:
    return loan_row(number, balance=balance, last_paid=last_paid, **kwargs)


def open_by_book(number: str = "JJ0001", *, opened: datetime | None = None, day: date = DAY,
                 **kwargs: Any) -> CollectionCase:
    """A loan current on the book the day before, overdue on ``day``, imported at ``opened`` (18:30 by default)."""
    from datetime import timedelta

    before = day - timedelta(days=1)
    run_import([current_row(number, **{k: v for k, v in kwargs.items() if k in ("merchant", "manager", "sub")})],
               as_of=before, now=china(before, 18, 30))
    run_import([overdue_row(number, **kwargs)], as_of=day, now=opened or china(day, 18, 30))
    return case_of(number)


def case_of(number: str) -> CollectionCase:
    loan = loan_by_number(number)
    case = db.session.scalar(sa.select(CollectionCase).where(CollectionCase.loan_id == loan.id)
                             .order_by(CollectionCase.id.desc()).limit(1))
    assert case is not None, f"no case for {number}"
    return case


def at(app: Flask, moment: datetime) -> None:
    """Put the app's clock (pages, inbox) at a moment: the test-only TEST_NOW hook."""
    app.config["TEST_NOW"] = moment


def call_body(when: datetime, *, reached: bool = True, promise: tuple[date, str] | None = None,
              **extra: Any) -> dict[str, Any]:
    """A phone call to the borrower as the contact form sends it (China wall-clock time, no zone)."""
    body: dict[str, Any] = {
        "channel": "phone", "person": "borrower", "reached": "yes" if reached else "no",
        "cause": "business_downturn" if reached else "", "answer": "生意不好，月底回款" if reached else "",
        "contacted_at": when.astimezone(BANK_ZONE).strftime("%Y-%m-%dT%H:%M"), "promise": None,
    }
    if promise is not None:
        body["promise"] = {"date": promise[0].isoformat(), "amount": promise[1], "method": "bank_transfer"}
    body.update(extra)
    return body


def log_call(case: CollectionCase, when: datetime, *, by: str = "mgr1", now: datetime | None = None,
             **kwargs: Any) -> CollectionContact:
    import uuid

    from tests.factories import user_by_name
    from webapp.collection.write import log_contact
    from webapp.write_kernel import WriteContext

    ctx = WriteContext(actor=user_by_name(by), now=now or when)
    contact = log_contact(ctx, case, str(uuid.uuid4()), call_body(when, **kwargs)).contact
    db.session.commit()
    return contact
