"""The inbox ("needs your action"): an item appears for the person who must act, and leaves when it is done."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.api_helpers import confirm, member_body
from tests.factories import WULIN, World, user_by_name
from tests.page_helpers import submit_visit
from tests.review_helpers import create_visit, decision
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import bank_today, day_bounds
from webapp.extensions import db
from webapp.models import LocationProposal, Merchant
from webapp.sweeps.planning import MerchantCriteria, NewSweepDay, Targets, create_sweep_day


def inbox_kinds(user: Any) -> list[str]:
    response = user.htmx_get("/inbox/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [part.split('"', 1)[0] for part in html.split('data-inbox-kind="')[1:]]


def count(user: Any) -> str:
    response = user.htmx_get("/inbox/count")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def test_a_sent_back_visit_waits_in_its_leads_inbox_until_resubmitted(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=1)
    reviewer, mgr1, mgr2 = login("reviewer1"), login("mgr1"), login("mgr2")
    assert inbox_kinds(mgr1) == []
    assert "inbox-count" not in count(mgr1)

    assert decision(reviewer, visit_id, "send_back", "请补拍库存照片").status_code == 303
    assert inbox_kinds(mgr1) == ["visit_sent_back"]
    page = mgr1.get("/inbox/").get_data(as_text=True)
    assert "老王面馆" in page and "请补拍库存照片" in page and f'href="/visits/{visit_id}"' in page
    assert '>1<' in count(mgr1)
    assert inbox_kinds(mgr2) == [] and inbox_kinds(reviewer) == []

    response = mgr1.post(f"/review/visits/{visit_id}/resubmit", {"note": "已补拍", "expected": "sent_back:1"})
    assert response.status_code == 303
    assert inbox_kinds(mgr1) == []


def test_a_squad_member_is_asked_to_confirm_until_they_do(app: Flask, world: World, login: Any,
                                                          squad_visit: str) -> None:
    mgr1, mgr2, mgr3, mgr7 = login("mgr1"), login("mgr2"), login("mgr3"), login("mgr7")
    assert inbox_kinds(mgr2) == ["squad_confirmation"] and inbox_kinds(mgr3) == ["squad_confirmation"]
    assert inbox_kinds(mgr1) == [] and inbox_kinds(mgr7) == []
    page = mgr2.get("/inbox/").get_data(as_text=True)
    assert f'href="/visits/{squad_visit}#confirm-form"' in page

    assert confirm(mgr2, squad_visit, "mgr2", member_body()).status_code == 201
    assert inbox_kinds(mgr2) == [] and inbox_kinds(mgr3) == ["squad_confirmation"]


def test_the_inbox_asks_for_a_login(client: Any) -> None:
    assert client.get("/inbox/").status_code == 302
    assert client.get("/inbox/count").status_code == 302


def test_a_location_proposal_waits_for_the_lead_until_decided(app: Flask, world: World, login: Any) -> None:
    """A precise check-in at an unlocated merchant proposes its place: lead1 decides it (not the proposer)."""
    mgr1, lead1 = login("mgr1"), login("lead1")
    submit_visit(mgr1, world.merchants["a1_unlocated"], point=WULIN, accuracy=25.0)
    with app.app_context():
        proposal_id = db.session.scalar(sa.select(LocationProposal.id))
    assert inbox_kinds(lead1) == ["location_proposal"]
    assert inbox_kinds(mgr1) == [] and inbox_kinds(login("mgr7")) == []
    page = lead1.get("/inbox/").get_data(as_text=True)
    assert f'href="/location-proposals#proposal-{proposal_id}"' in page and "±25" in page

    assert lead1.post(f"/location-proposals/{proposal_id}/confirm").status_code == 303
    assert inbox_kinds(lead1) == []


def _sweep(app: Flask, day: date, squad: list[str], merchants: list[int]) -> int:
    with app.app_context():
        plan = NewSweepDay(sweep_date=day, title="扫街", criteria=MerchantCriteria(), targets=Targets())
        chosen = [db.session.get(Merchant, i) for i in merchants]
        sweep_day = create_sweep_day(user_by_name("lead1"), plan, chosen,  # type: ignore[arg-type]
                                     [user_by_name(u) for u in squad])
        db.session.commit()
        return sweep_day.id


def test_a_sweep_day_assigned_to_me_is_in_my_inbox_until_my_squads_stops_are_visited(
    app: Flask, world: World, login: Any
) -> None:
    shops = [world.merchants["a1_owned"], world.merchants["a1_other"]]
    today_id = _sweep(app, bank_today(), ["mgr1"], shops)
    later_id = _sweep(app, bank_today() + timedelta(days=3), ["mgr1"], shops[:1])
    _sweep(app, bank_today() + timedelta(days=30), ["mgr1"], shops[:1])  # too far ahead to mention yet
    mgr1, mgr3 = login("mgr1"), login("mgr3")
    page = mgr1.htmx_get("/inbox/").get_data(as_text=True)
    assert inbox_kinds(mgr1) == ["sweep_day", "sweep_day"]
    assert 'href="/today/"' in page and f'href="/sweeps/{later_id}"' in page
    assert page.index('href="/today/"') < page.index(f'href="/sweeps/{later_id}"')  # today's first: due
    assert inbox_kinds(mgr3) == []
    assert today_id != later_id

    start, _ = day_bounds(bank_today())
    moment = max(datetime.now(UTC) - timedelta(minutes=2), start + timedelta(seconds=1))
    for shop in shops:
        body = visit_body(shop, lead="mgr1", started_at=moment.isoformat(timespec="seconds"))
        assert mgr1.api("PUT", f"/api/v1/visits/{new_id()}", json=body).status_code == 201
    page = mgr1.htmx_get("/inbox/").get_data(as_text=True)
    assert inbox_kinds(mgr1) == ["sweep_day"] and 'href="/today/"' not in page
