"""Escalation of a missed first contact (once, to the lead and the sub-branch head), and collection visits made
through the ordinary offline visit path linked to the case."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from tests.collection_helpers import DAY, case_of, china, log_call, open_by_book
from tests.conftest import LoggedIn
from tests.factories import World, user_by_name
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import BANK_ZONE, bank_today
from webapp.collection.refresh import apply_due
from webapp.collection.settings import set_head
from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.models import CaseEvent, CaseVisit, CollectionNotice
from webapp.write_kernel import WriteContext

NEXT = DAY + timedelta(days=1)


def missed_notices() -> list[tuple[str, int]]:
    return [(n.kind, n.recipient_id) for n in db.session.scalars(
        sa.select(CollectionNotice).where(CollectionNotice.kind == "first_contact_missed"))]


def test_a_missed_deadline_escalates_once_to_the_lead_and_the_head(app: Flask, world: World) -> None:
    with app.test_request_context():
        set_head(WriteContext(actor=user_by_name("admin"), now=china(DAY, 8)), world.sub_branches["A1"],
                 str(user_by_name("reviewer1").id))
        db.session.commit()
        case = open_by_book()
        before = inbox_items(user_by_name("lead1"), china(NEXT, 9, 59))
        assert "collection_first_contact_missed" not in [i.kind for i in before]
        assert case_of("JJ0001").escalated_at is None
        # 10:05: the lead opens the inbox; the deadline has passed without a contact.
        items = {i.kind: i for i in inbox_items(user_by_name("lead1"), china(NEXT, 10, 5))}
        assert items["collection_first_contact_missed"].urgency == "overdue"
        assert case_of("JJ0001").escalated_at == china(NEXT, 10, 5)
        lead, head = user_by_name("lead1").id, user_by_name("reviewer1").id
        assert sorted(missed_notices()) == sorted([("first_contact_missed", lead), ("first_contact_missed", head)])
        # The owner's own item is now overdue.
        mine = {i.kind: i for i in inbox_items(user_by_name("mgr1"), china(NEXT, 10, 6))}
        assert mine["collection_first_contact"].urgency == "overdue"
        # Computing again (another page, the import, the cron job) escalates nothing more.
        assert apply_due([world.sub_branches["A1"]], china(NEXT, 12)) == 0
        assert len(missed_notices()) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                                 .where(CaseEvent.kind == "escalated", CaseEvent.case_id == case.id)) == 1
        # The late contact later keeps the record of how late it was.
        log_call(case_of("JJ0001"), china(NEXT, 14, 30))
        assert case_of("JJ0001").first_contact_at == china(NEXT, 14, 30)
        assert len(missed_notices()) == 2


def test_noting_a_notice_takes_it_out_of_the_inbox(app: Flask, world: World, login: object) -> None:
    with app.test_request_context():
        case_id = open_by_book().id
    lead: LoggedIn = login("lead1")  # type: ignore[operator]
    app.config["TEST_NOW"] = china(NEXT, 8)
    assert "collection_case_opened" in lead.get("/inbox/").get_data(as_text=True)
    page = lead.get(f"/collection/cases/{case_id}").get_data(as_text=True)
    assert "data-mark-noted" in page
    response = lead.post(f"/collection/cases/{case_id}/noted")
    assert response.status_code == 303
    assert "collection_case_opened" not in lead.get("/inbox/").get_data(as_text=True)
    assert "data-mark-noted" not in lead.get(f"/collection/cases/{case_id}").get_data(as_text=True)


def test_the_cli_refresh_escalates_for_cron(app: Flask, world: World) -> None:
    with app.test_request_context():
        open_by_book()
    app.config["TEST_NOW"] = china(NEXT, 10, 30)
    result: Result = app.test_cli_runner().invoke(args=["collection", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 change" in result.output
    with app.test_request_context():
        assert case_of("JJ0001").escalated_at == china(NEXT, 10, 30)


def test_a_collection_visit_through_the_api_links_to_the_case(app: Flask, world: World, login: object) -> None:
    now = datetime.now(UTC)
    today = bank_today(now)
    with app.test_request_context():
        open_by_book(day=today, opened=now - timedelta(hours=1))
        case_id = case_of("JJ0001").id
    mgr1: LoggedIn = login("mgr1")  # type: ignore[operator]
    visit_id = new_id()
    body = visit_body(world.merchants["a1_owned"], kind="collection", lat=30.2741, lon=120.1636)
    response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert response.status_code == 201, response.get_json()
    marketing = new_id()
    assert mgr1.api("PUT", f"/api/v1/visits/{marketing}",
                    json=visit_body(world.merchants["a1_owned"])).status_code == 201
    with app.test_request_context():
        links = db.session.scalars(sa.select(CaseVisit.visit_id).where(CaseVisit.case_id == case_id)).all()
        assert links == [visit_id]
        case = case_of("JJ0001")
        assert case.first_contact_at is not None and case.first_contact_at <= now
        kinds = db.session.scalars(sa.select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).all()
        assert "visit_linked" in kinds
    # The replay of the same visit links nothing twice.
    again = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert again.status_code == 200
    # A contact by visit names the linked visit.
    page = mgr1.get(f"/collection/cases/{case_id}").get_data(as_text=True)
    assert f'value="{visit_id}"' in page
    form = {"contact_id": new_id(), "channel": "visit", "visit_id": visit_id, "person": "borrower", "reached": "yes",
            "cause": "illness", "answer": "住院了，下周出院",
            "contacted_at": (now - timedelta(minutes=2)).astimezone(BANK_ZONE).strftime("%Y-%m-%dT%H:%M")}
    app.config["TEST_NOW"] = now
    response = mgr1.post(f"/collection/cases/{case_id}/contacts", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.test_request_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseVisit)) == 1
