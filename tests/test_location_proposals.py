"""A precise check-in at a merchant without a location proposes one; only the team lead of its sub-branch
decides, and a decision never overwrites a location the merchant got meanwhile."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import LoggedIn
from tests.factories import World
from tests.page_helpers import HX, english, submit_visit
from webapp.extensions import db
from webapp.models import LocationProposal, Merchant, Visit

SHOP = (30.2790, 120.1600)  # where 小李水果店 really is


@pytest.fixture
def mgr1(login: Any) -> LoggedIn:
    return english(login("mgr1"))


@pytest.fixture
def lead1(login: Any) -> LoggedIn:
    return english(login("lead1"))


def proposals(app: Flask) -> list[tuple[int, str, float]]:
    with app.app_context():
        return [(p.id, p.status, p.accuracy_m) for p in db.session.scalars(
            sa.select(LocationProposal).order_by(LocationProposal.id))]


def merchant_location(app: Flask, merchant_id: int) -> tuple[float | None, float | None, str | None]:
    with app.app_context():
        merchant = db.session.get(Merchant, merchant_id)
        assert merchant is not None
        return merchant.lat, merchant.lon, merchant.location_source


def propose(app: Flask, user: LoggedIn, world: World, accuracy: float = 25.0) -> int:
    submit_visit(user, world.merchants["a1_unlocated"], point=SHOP, accuracy=accuracy)
    return proposals(app)[-1][0]


def test_only_a_precise_checkin_proposes(app: Flask, world: World, mgr1: LoggedIn) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_unlocated"], point=SHOP, accuracy=60)
    assert proposals(app) == []
    assert 'data-checkin-status="unverifiable"' in mgr1.get(f"/visits/{vid}").get_data(as_text=True)
    submit_visit(mgr1, world.merchants["a1_unlocated"], point=(SHOP[0] + 0.00001, SHOP[1]), accuracy=25)
    assert [(status, accuracy) for _id, status, accuracy in proposals(app)] == [("pending", 25.0)]
    submit_visit(mgr1, world.merchants["a1_owned"], point=(30.2741, 120.1636), accuracy=5)
    assert len(proposals(app)) == 1, "a located merchant gets no proposal"


def test_lead_sees_and_confirms_a_proposal(app: Flask, world: World, mgr1: LoggedIn, lead1: LoggedIn) -> None:
    proposal_id = propose(app, mgr1, world)
    merchant_id = world.merchants["a1_unlocated"]
    listing = lead1.get("/location-proposals").get_data(as_text=True)
    assert f'data-proposal="{proposal_id}"' in listing and "小李水果店" in listing
    assert f'data-proposal="{proposal_id}"' in lead1.get(f"/merchants/{merchant_id}").get_data(as_text=True)
    assert "data-proposal=" not in mgr1.get(f"/merchants/{merchant_id}").get_data(as_text=True)

    response = lead1.post(f"/location-proposals/{proposal_id}/confirm", {"next": f"/merchants/{merchant_id}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/merchants/{merchant_id}"
    assert merchant_location(app, merchant_id) == (SHOP[0], SHOP[1], "checkin")
    assert proposals(app)[0][1] == "confirmed"
    page = lead1.get(f"/merchants/{merchant_id}").get_data(as_text=True)
    assert "from a verified check-in" in page and 'data-merchant-located="yes"' in page
    assert "data-proposal=" not in lead1.get("/location-proposals").get_data(as_text=True)

    # From now on check-ins at this merchant are rated against the confirmed point.
    vid = submit_visit(mgr1, merchant_id, point=(SHOP[0] + 0.0002, SHOP[1]), accuracy=15)
    assert 'data-checkin-status="verified"' in mgr1.get(f"/visits/{vid}").get_data(as_text=True)
    assert len(proposals(app)) == 1

    again = lead1.post(f"/location-proposals/{proposal_id}/confirm", headers=HX)
    assert again.status_code == 200 and "This proposal was already decided." in again.get_data(as_text=True)


def test_htmx_decision_returns_the_row(app: Flask, world: World, mgr1: LoggedIn, lead1: LoggedIn) -> None:
    proposal_id = propose(app, mgr1, world)
    response = lead1.post(f"/location-proposals/{proposal_id}/reject", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'data-proposal-status="rejected"' in html and "Proposal rejected." in html
    assert merchant_location(app, world.merchants["a1_unlocated"]) == (None, None, None)


def test_only_the_sub_branch_lead_decides(app: Flask, world: World, mgr1: LoggedIn, login: Any) -> None:
    proposal_id = propose(app, mgr1, world)
    for url in (f"/location-proposals/{proposal_id}/confirm", f"/location-proposals/{proposal_id}/reject"):
        assert mgr1.post(url).status_code == 403
        assert login("reviewer1").post(url).status_code == 403
        assert login("lead2").post(url).status_code == 404
        assert login("mgrb").post(url).status_code == 404
    assert mgr1.post("/location-proposals/999999/confirm").status_code == 404
    assert mgr1.get("/location-proposals").status_code == 403
    assert "data-proposal=" not in login("lead2").get("/location-proposals").get_data(as_text=True)
    assert proposals(app)[0][1] == "pending"
    assert merchant_location(app, world.merchants["a1_unlocated"]) == (None, None, None)


def test_confirming_one_sets_the_others_aside(app: Flask, world: World, mgr1: LoggedIn, lead1: LoggedIn,
                                             login: Any) -> None:
    first = propose(app, mgr1, world, accuracy=25)
    second = propose(app, english(login("mgr2")), world, accuracy=10)
    assert lead1.post(f"/location-proposals/{second}/confirm").status_code == 303
    assert {pid: status for pid, status, _a in proposals(app)} == {first: "superseded", second: "confirmed"}


def test_a_location_set_meanwhile_is_never_overwritten(app: Flask, world: World, mgr1: LoggedIn,
                                                      lead1: LoggedIn) -> None:
    proposal_id = propose(app, mgr1, world)
    merchant_id = world.merchants["a1_unlocated"]
    with app.app_context():
        merchant = db.session.get(Merchant, merchant_id)
        assert merchant is not None
        merchant.lat, merchant.lon, merchant.location_source = 30.2800, 120.1610, "admin"
        db.session.commit()
    response = lead1.post(f"/location-proposals/{proposal_id}/confirm", headers=HX)
    assert response.status_code == 200
    assert "The merchant got a location meanwhile" in response.get_data(as_text=True)
    assert proposals(app)[0][1] == "superseded"
    assert merchant_location(app, merchant_id) == (30.2800, 120.1610, "admin")


def test_lead_sees_the_flags_of_the_proposing_visit(app: Flask, world: World, mgr1: LoggedIn,
                                                    lead1: LoggedIn) -> None:
    submit_visit(mgr1, world.merchants["a1_owned"], point=(30.2741, 120.1636), accuracy=5)
    # Moments later 600 m away: faster than a car, so the proposed point is suspect.
    propose(app, mgr1, world, accuracy=20)
    html = lead1.get("/location-proposals").get_data(as_text=True)
    assert 'data-proposal-flag="impossible_travel"' in html and "Impossible travel speed" in html


def test_zero_accuracy_never_proposes(app: Flask, world: World, mgr1: LoggedIn) -> None:
    """An accuracy of exactly 0 m is a mocked location: it must not become the merchant's address."""
    submit_visit(mgr1, world.merchants["a1_unlocated"], point=SHOP, accuracy=0)
    assert proposals(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
