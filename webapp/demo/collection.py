"""First contacts on the demo's collection cases, through the collection write path (webapp.collection.write):
the loan book opened the cases when it was imported this morning; the owners have phoned some of them already
(one promised to pay), the rest are due today and sit in the owners' inboxes with their deadlines."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.collection.write import log_contact
from webapp.demo.writer import context, demo_id
from webapp.extensions import db
from webapp.models import CollectionCase

CONTACTED_SHARE = 2  # every second case has had its first call


def contact_cases(now: datetime) -> int:
    """Log the first call on every second open case; returns the contacts written."""
    cases = list(db.session.scalars(sa.select(CollectionCase).where(CollectionCase.status == "open")
                                    .order_by(CollectionCase.id)))
    written = 0
    for index, case in enumerate(cases):
        if index % CONTACTED_SHARE:
            continue
        called = max(case.opened_at.replace(second=0, microsecond=0), now - timedelta(minutes=5))
        body: dict[str, object] = {"channel": "phone", "person": "borrower", "reached": True,
                                   "cause": "funds_delayed", "answer": "货款还没回笼，下周回款后先还逾期部分。",
                                   "contacted_at": called.isoformat()}
        if index == 0:
            body["promise"] = {"date": (bank_today(now) + timedelta(days=7)).isoformat(), "amount": "5000",
                               "method": "mobile_banking"}
        log_contact(context(case.owner, now), case, demo_id("contact", case.loan_id), body)
        written += 1
    return written
