"""PUT /api/v1/visits/{id}/confirmations/{username}: each support or observer confirms from their own login."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.api_helpers import confirm, good_body, member_body, put, stored_state
from tests.factories import World
from tests.visit_helpers import new_id, now_iso


def test_support_and_observer_confirm_with_their_own_check_in(
    app: Flask, world: World, login: Any, squad_visit: str
) -> None:
    mgr2, mgr3 = login("mgr2"), login("mgr3")
    first = confirm(mgr2, squad_visit, "mgr2", member_body())
    assert first.status_code == 201, first.get_json()
    support = first.get_json()["squad"]["support"]
    assert support["username"] == "mgr2"
    confirmation = support["confirmation"]
    assert confirmation["checkin_status"] == "verified"
    assert confirmation["distance_m"] == pytest.approx(20, abs=0.5)
    assert confirmation["accuracy_m"] == 8.0
    assert confirmation["note"] == "库存充足"
    assert confirmation["confirmed_at"]
    assert first.get_json()["squad"]["observer"]["confirmation"] is None

    observer = confirm(mgr3, squad_visit, "mgr3", member_body(15.0, note="店员两名"))
    assert observer.status_code == 201
    assert observer.get_json()["squad"]["observer"]["confirmation"]["note"] == "店员两名"
    assert stored_state(app)["rows"]["SquadConfirmation"] == 2
    # The lead sees both confirmations on the visit.
    squad = login("mgr1").get(f"/api/v1/visits/{squad_visit}").get_json()["squad"]
    assert squad["support"]["confirmation"]["note"] == "库存充足"
    assert squad["observer"]["confirmation"]["note"] == "店员两名"


def test_the_same_confirmation_again_is_200_and_a_different_one_409(
    app: Flask, world: World, login: Any, squad_visit: str
) -> None:
    mgr2 = login("mgr2")
    body = member_body()
    assert confirm(mgr2, squad_visit, "mgr2", body).status_code == 201
    before = stored_state(app)
    assert confirm(mgr2, squad_visit, "MGR2", body).status_code == 200
    changed = confirm(mgr2, squad_visit, "mgr2", dict(body, note="改口了"))
    assert changed.status_code == 409
    assert changed.get_json()["message"]
    assert stored_state(app) == before


@pytest.mark.parametrize(("actor", "username", "status"), [
    pytest.param("mgr2", "mgr3", 403, id="support-confirms-for-the-observer"),
    pytest.param("mgr3", "mgr2", 403, id="observer-confirms-for-the-support"),
    pytest.param("mgr1", "mgr2", 403, id="lead-confirms-for-the-support"),
    pytest.param("mgr1", "mgr1", 403, id="lead-confirms-himself"),
    pytest.param("lead1", "lead1", 403, id="team-lead-who-sees-it-but-is-not-in-the-squad"),
    pytest.param("reviewer1", "reviewer1", 403, id="reviewer"),
    pytest.param("mgr7", "mgr7", 404, id="manager-of-another-sub-branch"),
    pytest.param("reviewerb", "reviewerb", 404, id="reviewer-of-another-branch"),
])
def test_only_the_named_support_or_observer_confirms(
    app: Flask, world: World, login: Any, squad_visit: str, actor: str, username: str, status: int
) -> None:
    user = login(actor)
    before = stored_state(app)
    response = confirm(user, squad_visit, username, member_body())
    assert response.status_code == status
    assert response.is_json and response.get_json()["message"]
    assert stored_state(app) == before


def test_a_manager_outside_the_squad_cannot_see_the_visit_to_confirm(
    app: Flask, world: World, login: Any
) -> None:
    vid = new_id()
    assert put(login("mgr1"), vid, good_body(world, support="mgr2")).status_code == 201
    before = stored_state(app)
    assert confirm(login("mgr3"), vid, "mgr3", member_body()).status_code == 404
    assert stored_state(app) == before


BAD_CONFIRMATIONS = [
    ("lat-beyond-90", {"checkin": {"lat": 90.5, "lon": 120.16, "accuracy_m": 5, "captured_at": now_iso()}},
     "checkin.lat"),
    ("lon-NaN", {"checkin": {"lat": 30.27, "lon": "NaN", "accuracy_m": 5, "captured_at": now_iso()}}, "checkin.lon"),
    ("accuracy-negative", {"checkin": {"lat": 30.27, "lon": 120.16, "accuracy_m": -3, "captured_at": now_iso()}},
     "checkin.accuracy_m"),
    ("time-in-the-future", {"checkin": {"lat": 30.27, "lon": 120.16, "accuracy_m": 5,
                                        "captured_at": now_iso(3 * 86400)}}, "checkin.captured_at"),
    ("note-too-long", {"note": "x" * 2001}, "note"),
    ("note-with-nul", {"note": "店员\u0000两名"}, "note"),
    ("body-a-list", [1, 2], "body"),
]


@pytest.mark.parametrize(("body", "field"), [pytest.param(b, f, id=i) for i, b, f in BAD_CONFIRMATIONS])
def test_an_invalid_confirmation_is_422_and_stores_nothing(
    app: Flask, world: World, login: Any, squad_visit: str, body: Any, field: str
) -> None:
    mgr2 = login("mgr2")
    before = stored_state(app)
    response = confirm(mgr2, squad_visit, "mgr2", body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert stored_state(app) == before
    assert confirm(mgr2, squad_visit, "mgr2", member_body()).status_code == 201


@pytest.mark.parametrize(("text", "content_type"), [
    ("note=hi", "application/x-www-form-urlencoded"),
    ('{"note": ', "application/json"),
    ('{"note": ' * 50_000, "application/json"),
], ids=["form", "broken-json", "nested-too-deep"])
def test_a_confirmation_body_that_is_not_json_is_422(
    app: Flask, world: World, login: Any, squad_visit: str, text: str, content_type: str
) -> None:
    mgr2 = login("mgr2")
    response = mgr2.api("PUT", f"/api/v1/visits/{squad_visit}/confirmations/mgr2", data=text,
                        content_type=content_type)
    assert response.status_code == 422
    assert response.get_json()["message"]
    assert stored_state(app)["rows"]["SquadConfirmation"] == 0


@pytest.mark.parametrize("visit_id", ["not-a-uuid", "1234"])
def test_a_confirmation_of_a_visit_id_that_is_not_a_uuid_is_422(
    app: Flask, world: World, login: Any, visit_id: str
) -> None:
    response = confirm(login("mgr2"), visit_id, "mgr2", member_body())
    assert response.status_code == 422
    assert "id" in response.get_json()["fields"]


def test_a_confirmation_of_an_unknown_visit_is_404(app: Flask, world: World, login: Any) -> None:
    response = confirm(login("mgr2"), new_id(), "mgr2", member_body())
    assert response.status_code == 404 and response.is_json


def test_a_confirmation_without_csrf_or_session_is_refused_as_json(
    app: Flask, world: World, login: Any, squad_visit: str
) -> None:
    mgr2 = login("mgr2")
    url = f"/api/v1/visits/{squad_visit}/confirmations/mgr2"
    no_csrf = mgr2.client.put(url, json=member_body())
    assert no_csrf.status_code == 400 and no_csrf.get_json()["error"] == "csrf"
    anonymous = app.test_client().put(url, json=member_body(), headers={"X-CSRFToken": mgr2.csrf})
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthenticated"
    assert stored_state(app)["rows"]["SquadConfirmation"] == 0
