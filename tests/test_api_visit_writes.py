"""PUT /api/v1/visits/{id}: the idempotent write as a client sees it, and bad input that must store nothing.

The stored-state helpers here are shared by the photo, confirmation and scope tests: "nothing is left
behind" means no row in any visit table and no file in the photo store.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.api_helpers import good_body, point_at, put, put_raw, stored_state
from tests.factories import WULIN, World, user_by_name
from tests.visit_helpers import new_id, now_iso, visit_body
from webapp.auth.sessions import end_all_sessions
from webapp.extensions import db
from webapp.models import (
    VisitVersion,
)
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext


def version_rows(app: Flask, visit_id: str) -> list[VisitVersion]:
    with app.app_context():
        rows = list(db.session.scalars(
            sa.select(VisitVersion).where(VisitVersion.visit_id == visit_id).order_by(VisitVersion.version)))
        db.session.expunge_all()
        return rows


# --- created, replayed, conflicting, updated ----------------------------------------------------------

def test_create_answers_201_with_the_visit_and_its_etag(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    response = put(mgr1, vid, good_body(world))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["id"] == vid and data["version"] == 1
    assert response.headers["ETag"] == data["etag"]
    assert data["checkin"]["status"] == "verified"
    assert data["checkin"]["distance_m"] == pytest.approx(3.0, abs=0.2)
    assert data["checkin"]["accuracy_m"] == 12.0
    assert data["squad"]["lead"]["username"] == "mgr1"
    assert data["flags"] == [] and data["photos"] == []
    assert stored_state(app)["rows"]["Visit"] == 1
    assert [v.version for v in version_rows(app, vid)] == [1]


def test_the_same_body_again_is_200_and_changes_nothing(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    first = put(mgr1, vid, body)
    assert first.status_code == 201
    before = stored_state(app)
    again = put(mgr1, vid, body)
    assert again.status_code == 200
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.get_json()["version"] == 1
    assert stored_state(app) == before


def _reordered(value: Any) -> Any:
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    return value


@pytest.mark.parametrize("render", [
    pytest.param(lambda body: json.dumps(_reordered(body), ensure_ascii=False), id="keys-reversed"),
    pytest.param(lambda body: json.dumps(body, indent=4, sort_keys=True), id="indented-ascii-escaped"),
    pytest.param(lambda body: json.dumps(body, separators=(",", ":"), ensure_ascii=False), id="compact"),
])
def test_the_same_body_in_another_spelling_is_a_replay(
    app: Flask, world: World, login: Any, render: Callable[[dict[str, Any]], str]
) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    assert put(mgr1, vid, body).status_code == 201
    again = put_raw(mgr1, vid, render(body))
    assert again.status_code == 200, again.get_json()
    assert stored_state(app)["rows"]["VisitVersion"] == 1


def timezone_shifted(iso: str, *, hours: int) -> str:
    return datetime.fromisoformat(iso).astimezone(timezone(timedelta(hours=hours))).isoformat()


def test_the_same_moment_in_another_time_zone_is_a_replay(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    assert put(mgr1, vid, body).status_code == 201
    shanghai = timezone_shifted(body["started_at"], hours=8)
    assert put(mgr1, vid, dict(body, started_at=shanghai)).status_code == 200


def test_an_upper_case_id_names_the_same_visit(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    assert put(mgr1, vid.upper(), body).status_code == 201
    assert put(mgr1, vid, body).status_code == 200
    assert mgr1.get(f"/api/v1/visits/{vid.upper()}").get_json()["id"] == vid
    assert stored_state(app)["rows"]["Visit"] == 1


def test_a_different_body_is_409_with_the_current_etag(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    first = put(mgr1, vid, body)
    before = stored_state(app)
    conflict = put(mgr1, vid, dict(body, notes={"lead": "另一个版本"}))
    assert conflict.status_code == 409
    data = conflict.get_json()
    assert data["etag"] == first.headers["ETag"]
    assert data["message"]
    assert stored_state(app) == before
    assert mgr1.get(f"/api/v1/visits/{vid}").get_json()["notes"] == body["notes"]


def test_if_match_updates_and_keeps_every_version(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    first = put(mgr1, vid, body)
    etag_v1 = first.headers["ETag"]
    changed = dict(body, notes={"lead": "老板同意下周申请"}, outcome={"effective": True, "deals": ["loan"]})
    updated = put(mgr1, vid, changed, **{"If-Match": etag_v1})
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["version"] == 2
    etag_v2 = updated.headers["ETag"]
    assert etag_v2 != etag_v1
    versions = version_rows(app, vid)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].body["notes"] == {"lead": "老板有扩店打算"}
    assert versions[1].body["notes"] == {"lead": "老板同意下周申请"}
    assert versions[0].body_hash != versions[1].body_hash
    # The same update replayed is a replay of version 2, not a third version.
    assert put(mgr1, vid, changed, **{"If-Match": etag_v2}).status_code == 200
    assert put(mgr1, vid, changed).status_code == 200
    # An outbox still holding version 1 is told what it would overwrite.
    stale = put(mgr1, vid, body, **{"If-Match": etag_v1})
    assert stale.status_code == 409 and stale.get_json()["etag"] == etag_v2
    assert [v.version for v in version_rows(app, vid)] == [1, 2]
    got = mgr1.get(f"/api/v1/visits/{vid}")
    assert got.headers["ETag"] == etag_v2 and got.get_json()["outcome"]["deals"] == ["loan"]


def test_an_update_that_moves_the_check_in_rates_it_again(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = good_body(world)
    first = put(mgr1, vid, body)
    assert first.get_json()["checkin"]["status"] == "verified"
    far = point_at(1500, 180.0)
    moved = dict(body, checkin=dict(body["checkin"], lat=far[0], lon=far[1]))
    updated = put(mgr1, vid, moved, **{"If-Match": first.headers["ETag"]})
    assert updated.status_code == 200
    data = updated.get_json()
    assert data["checkin"]["status"] == "outside_geofence"
    assert [f["code"] for f in data["flags"]] == ["outside_geofence"]
    back = put(mgr1, vid, body, **{"If-Match": updated.headers["ETag"]})
    assert back.get_json()["checkin"]["status"] == "verified" and back.get_json()["flags"] == []
    assert [v.version for v in version_rows(app, vid)] == [1, 2, 3]


def test_an_update_cannot_move_the_visit_to_another_merchant(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    first = put(mgr1, vid, good_body(world))
    before = stored_state(app)
    moved = good_body(world, merchant_id=world.merchants["a1_other"])
    response = put(mgr1, vid, moved, **{"If-Match": first.headers["ETag"]})
    assert response.status_code == 422
    assert "merchant_id" in response.get_json()["fields"]
    assert stored_state(app) == before


def test_only_the_lead_updates_a_squad_visit(app: Flask, world: World, login: Any) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    vid = new_id()
    body = good_body(world, support="mgr2")
    first = put(mgr1, vid, body)
    assert first.status_code == 201
    before = stored_state(app)
    # The support member sees the visit and may replay it, but not rewrite it.
    assert put(mgr2, vid, body).status_code == 200
    response = put(mgr2, vid, dict(body, notes={"lead": "不是我写的"}), **{"If-Match": first.headers["ETag"]})
    assert response.status_code == 403
    assert response.get_json()["message"]
    assert stored_state(app) == before


# --- the GET view ---------------------------------------------------------------------------------------

def test_get_shows_rating_flags_photos_squad_and_version(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    far = point_at(600, 90.0)
    body = visit_body(world.merchants["a1_owned"], lat=far[0], lon=far[1], accuracy=20.0,
                      support="mgr2", observer="mgr3")
    created = put(mgr1, vid, body)
    response = mgr1.get(f"/api/v1/visits/{vid}")
    assert response.status_code == 200
    data = response.get_json()
    assert response.headers["ETag"] == created.headers["ETag"] == data["etag"]
    assert data["version"] == 1
    assert data["checkin"]["status"] == "outside_geofence"
    assert data["checkin"]["distance_m"] == pytest.approx(600, abs=1)
    assert data["checkin"]["accuracy_m"] == 20.0
    flag = data["flags"][0]
    assert flag["code"] == "outside_geofence" and flag["detail"]
    assert flag["evidence"]["distance_m"] == pytest.approx(600, abs=1)
    assert flag["evidence"]["radius_m"] == 200.0
    assert data["photos"] == []
    assert {role: member["username"] for role, member in data["squad"].items()} == {
        "lead": "mgr1", "support": "mgr2", "observer": "mgr3"}
    assert data["squad"]["support"]["confirmation"] is None
    assert data["squad"]["observer"]["confirmation"] is None


# --- requests that are refused, store nothing, and leave the server working ---------------------------

def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that puts value at a dotted path of the body."""
    def mutate(body: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[leaf] = value
    return mutate


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(key)


def _days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


BAD_BODIES = [
    ("lat-above-90", _set("checkin.lat", 90.0001), "checkin.lat"),
    ("lat-below-minus-90", _set("checkin.lat", -91), "checkin.lat"),
    ("lon-above-180", _set("checkin.lon", 180.5), "checkin.lon"),
    ("lon-below-minus-180", _set("checkin.lon", -181), "checkin.lon"),
    ("lat-string-NaN", _set("checkin.lat", "NaN"), "checkin.lat"),
    ("lon-string-Infinity", _set("checkin.lon", "Infinity"), "checkin.lon"),
    ("lat-text", _set("checkin.lat", "thirty"), "checkin.lat"),
    ("lat-boolean", _set("checkin.lat", True), "checkin.lat"),
    ("accuracy-negative", _set("checkin.accuracy_m", -1), "checkin.accuracy_m"),
    ("accuracy-string-NaN", _set("checkin.accuracy_m", "NaN"), "checkin.accuracy_m"),
    ("accuracy-missing", _set("checkin.accuracy_m", None), "checkin.accuracy_m"),
    ("checkin-not-an-object", _set("checkin", [30.27, 120.16]), "checkin"),
    ("checkin-time-in-two-days", _set("checkin.captured_at", _days(2)), "checkin.captured_at"),
    ("start-in-three-days", _set("started_at", _days(3)), "started_at"),
    ("start-in-year-9999", _set("started_at", "9999-12-31T23:59:59-01:00"), "started_at"),
    ("start-in-year-1", _set("started_at", "0001-01-01T00:00:00+01:00"), "started_at"),
    ("start-90-days-ago", _set("started_at", _days(-90)), "started_at"),
    ("start-without-zone", _set("started_at", "2026-01-01T09:00:00"), "started_at"),
    ("start-not-a-time", _set("started_at", "yesterday"), "started_at"),
    ("start-missing", _drop("started_at"), "started_at"),
    ("merchant-missing", _drop("merchant_id"), "merchant_id"),
    ("merchant-text", _set("merchant_id", "abc"), "merchant_id"),
    ("merchant-negative", _set("merchant_id", -1), "merchant_id"),
    ("merchant-boolean", _set("merchant_id", True), "merchant_id"),
    ("merchant-beyond-64-bits", _set("merchant_id", 2**63), "merchant_id"),
    ("kind-unknown", _set("kind", "party"), "kind"),
    ("squad-missing", _drop("squad"), "squad"),
    ("squad-without-lead", _set("squad.lead", None), "squad.lead"),
    ("squad-lead-not-a-username", _set("squad.lead", "mgr 1; drop"), "squad.lead"),
    ("squad-one-person-two-roles", _set("squad.support", "mgr1"), "squad"),
    ("squad-member-of-another-sub-branch", _set("squad.support", "mgr7"), "squad.support"),
    ("squad-member-of-another-branch", _set("squad.observer", "mgrb"), "squad.observer"),
    ("squad-member-unknown", _set("squad.support", "nobody"), "squad.support"),
    ("squad-member-a-reviewer", _set("squad.support", "reviewer1"), "squad.support"),
    ("squad-without-the-writer", _set("squad.lead", "mgr2"), "squad"),
    ("notes-too-long", _set("notes.observer", "货" * 2001), "notes.observer"),
    ("notes-not-text", _set("notes.lead", {"text": "x"}), "notes.lead"),
    ("notes-with-nul", _set("notes.support", "库存\u0000充足"), "notes.support"),
    ("next-step-too-long", _set("outcome.next_step", "x" * 501), "outcome.next_step"),
    ("deal-unknown", _set("outcome.deals", ["bitcoin"]), "outcome.deals"),
    ("application-negative", _set("outcome.application", {"product": "loan", "amount": -5}),
     "outcome.application.amount"),
    ("follow-up-not-a-date", _set("outcome.follow_up_date", "next week"), "outcome.follow_up_date"),
    ("post-loan-without-checklist", _set("kind", "post_loan"), "outcome.checklist"),
]


@pytest.mark.parametrize(("mutate", "field"), [pytest.param(m, f, id=i) for i, m, f in BAD_BODIES])
def test_invalid_fields_are_422_and_store_nothing(
    app: Flask, world: World, login: Any, mutate: Callable[[dict[str, Any]], None], field: str
) -> None:
    mgr1 = login("mgr1")
    body = good_body(world)
    mutate(body)
    before = stored_state(app)
    response = put(mgr1, new_id(), body)
    assert response.status_code == 422, response.get_data(as_text=True)
    data = response.get_json()
    assert data["message"]
    assert field in data["fields"], data["fields"]
    assert data["fields"][field].strip()
    assert stored_state(app) == before
    assert put(mgr1, new_id(), good_body(world)).status_code == 201


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_raw_non_finite_token_in_the_body_is_422(app: Flask, world: World, login: Any, token: str) -> None:
    """JSON has no NaN, but Python's parser accepts the token: it must still not reach the database."""
    mgr1 = login("mgr1")
    body = good_body(world)
    text = json.dumps(body).replace(json.dumps(body["checkin"]["lat"]), token, 1)
    assert token in text
    before = stored_state(app)
    response = put_raw(mgr1, new_id(), text)
    assert response.status_code == 422
    assert "checkin.lat" in response.get_json()["fields"]
    assert stored_state(app) == before
    assert put(mgr1, new_id(), good_body(world)).status_code == 201


@pytest.mark.parametrize("merchant", ["unknown", "a2", "other_branch"])
def test_a_merchant_unknown_or_out_of_scope_is_404(app: Flask, world: World, login: Any, merchant: str) -> None:
    ids = {"unknown": 987654, "a2": world.merchants["a2"], "other_branch": world.other_branch_merchant}
    merchant_id = ids[merchant]
    mgr1 = login("mgr1")
    before = stored_state(app)
    response = put(mgr1, new_id(), good_body(world, merchant_id=merchant_id))
    assert response.status_code == 404
    assert response.is_json and response.get_json()["message"]
    assert stored_state(app) == before
    assert put(mgr1, new_id(), good_body(world)).status_code == 201


@pytest.mark.parametrize("raw_id", ["not-a-uuid", "12345", "0" * 37, "g" * 32, "00000000-0000-0000-0000-00000000000g"])
def test_an_id_that_is_not_a_uuid_is_422(app: Flask, world: World, login: Any, raw_id: str) -> None:
    mgr1 = login("mgr1")
    before = stored_state(app)
    response = put(mgr1, raw_id, good_body(world))
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert list(fields) == ["id"] and fields["id"]
    assert stored_state(app) == before


@pytest.mark.parametrize(("text", "content_type", "status"), [
    pytest.param("merchant_id=1&kind=marketing", "application/x-www-form-urlencoded", 415, id="form"),
    pytest.param('{"merchant_id": 1}', "text/plain", 415, id="json-as-text-plain"),
    pytest.param("<visit/>", "application/xml", 415, id="xml"),
    pytest.param('{"merchant_id": 1, ', "application/json", 422, id="broken-json"),
    pytest.param("", "application/json", 422, id="empty"),
    pytest.param("[1, 2, 3]", "application/json", 422, id="array"),
    pytest.param('"a string"', "application/json", 422, id="string"),
    pytest.param("[" * 100_000 + "]" * 100_000, "application/json", 422, id="nested-too-deep"),
])
def test_a_body_that_is_not_a_json_object_is_refused(
    app: Flask, world: World, login: Any, text: str, content_type: str, status: int
) -> None:
    mgr1 = login("mgr1")
    before = stored_state(app)
    response = put_raw(mgr1, new_id(), text, content_type=content_type)
    assert response.status_code == status
    assert response.is_json and response.get_json()["message"]
    assert stored_state(app) == before


def test_a_missing_csrf_header_is_400_json(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    before = stored_state(app)
    response = mgr1.client.put(f"/api/v1/visits/{new_id()}", json=good_body(world))
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf" and response.get_json()["message"]
    wrong = mgr1.client.put(f"/api/v1/visits/{new_id()}", json=good_body(world), headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400 and wrong.is_json
    assert stored_state(app) == before


def test_without_a_session_the_api_answers_401_json(app: Flask, world: World) -> None:
    """A client that never logged in (or whose cookie expired) is told to log in, never redirected."""
    anonymous = app.test_client()
    before = stored_state(app)
    for headers in ({}, {"X-CSRFToken": "left-over-token"}):
        response = anonymous.put(f"/api/v1/visits/{new_id()}", json=good_body(world), headers=headers)
        assert response.status_code == 401, response.get_data(as_text=True)
        assert response.get_json()["error"] == "unauthenticated"
        assert "Location" not in response.headers
    assert anonymous.get(f"/api/v1/visits/{new_id()}").status_code == 401
    assert stored_state(app) == before


def test_after_logout_a_replayed_put_is_401_json(app: Flask, world: World, login: Any) -> None:
    """The outbox replays with the token it kept: the answer must say 'log in again', not 'bad request'."""
    mgr1 = login("mgr1")
    assert mgr1.post("/logout").status_code == 303
    before = stored_state(app)
    response = put(mgr1, new_id(), good_body(world))
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthenticated"
    assert "Location" not in response.headers
    assert stored_state(app) == before


def test_a_session_ended_on_the_server_is_401_json(app: Flask, world: World, login: Any) -> None:
    """The cookie (and its CSRF secret) survives, but the admin ended every session of the user."""
    mgr1 = login("mgr1")
    with app.app_context():
        end_all_sessions(user_by_name("mgr1"))
        db.session.commit()
    response = put(mgr1, new_id(), good_body(world))
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthenticated"


def test_a_start_time_an_hour_ahead_is_accepted(app: Flask, world: World, login: Any) -> None:
    """A phone clock an hour off is kept and judged by the clock_skew flag, not refused."""
    mgr1 = login("mgr1")
    body = good_body(world, started_at=now_iso(3600))
    assert put(mgr1, new_id(), body).status_code == 201


def test_a_replay_of_an_old_visit_is_still_recognised(app: Flask, world: World, login: Any) -> None:
    """The time window guards what is stored anew; a queue replaying a visit accepted 70 days ago
    must get 200, not 422, and an edit that leaves the times alone must still be allowed."""
    mgr1 = login("mgr1")
    vid = new_id()
    body = visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1])
    with app.test_request_context():
        past = datetime.now(UTC) - timedelta(days=70)
        put_visit(WriteContext(actor=user_by_name("mgr1"), now=past + timedelta(minutes=10)), vid,
                  {**body, "started_at": past.isoformat(), "checkin": {**body["checkin"], "captured_at": past.isoformat()}})
        db.session.commit()
    old_body = {**body, "started_at": past.isoformat(), "checkin": {**body["checkin"], "captured_at": past.isoformat()}}
    replay = put(mgr1, vid, old_body)
    assert replay.status_code == 200, replay.get_json()
    edit = put(mgr1, vid, {**old_body, "notes": {"lead": "补记"}}, **{"If-Match": replay.headers["ETag"]})
    assert edit.status_code == 200, edit.get_json()
    too_new = put(mgr1, vid, {**old_body, "started_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()},
                  **{"If-Match": edit.headers["ETag"]})
    assert too_new.status_code == 422
    assert "started_at" in too_new.get_json()["fields"]
