"""The server side of offline sync: photos that come before their visit are held and attached exactly once,
the author guard, the session and offline-page answers the outbox asks for, and the upload test hook."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from flask import Flask

from tests import photo_samples as samples
from tests.api_helpers import good_body, put, stored_state
from tests.factories import World
from tests.visit_helpers import new_id, now_iso
from webapp.extensions import db
from webapp.models import HeldPhoto, Photo


def upload(user: Any, visit_id: str, photo_id: str, data: bytes, **headers: str) -> Any:
    form = {"file": (io.BytesIO(data), "photo.jpg"), "category": "inventory", "captured_at": now_iso(-60)}
    return user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=form,
                    content_type="multipart/form-data", headers=headers)


def jpeg(seed: int = 1) -> bytes:
    return samples.jpeg_bytes(samples.shop_scene(seed, (480, 360)))


def held_rows(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(h.id, h.visit_id, h.state) for h in db.session.scalars(sa.select(HeldPhoto).order_by(HeldPhoto.id))]


def photo_ids(app: Flask, visit_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Photo.id).where(Photo.visit_id == visit_id)))


def holding_files(app: Flask) -> list[str]:
    """The held uploads in the store, by photo id (each upload has a file name of its own)."""
    folder = Path(app.config["PHOTO_STORE"]) / "held"
    return sorted(p.name.split(".")[0] + ".upload" for p in folder.iterdir()) if folder.exists() else []


# --- a photo before its visit -------------------------------------------------------------------------


def test_a_photo_sent_before_its_visit_is_held_then_attached_exactly_once(
    app: Flask, world: World, login: Any
) -> None:
    mgr1 = login("mgr1")
    vid, pid, data, body = new_id(), new_id(), jpeg(1), good_body(world)

    first = upload(mgr1, vid, pid, data)
    assert first.status_code == 202, first.get_json()
    assert first.get_json()["status"] == "held" and first.get_json()["message"]
    assert upload(mgr1, vid, pid, data).status_code == 202  # the lost acknowledgement replayed
    assert held_rows(app) == [(pid, vid, "held")]
    assert holding_files(app) == [f"{pid}.upload"]
    assert stored_state(app)["rows"]["Photo"] == 0

    visit = put(mgr1, vid, body)
    assert visit.status_code == 201, visit.get_json()
    assert [p["id"] for p in visit.get_json()["photos"]] == [pid]
    assert held_rows(app) == [(pid, vid, "attached")]
    assert holding_files(app) == []  # the photo store has the durable copies now
    after = stored_state(app)

    # Every replay afterwards, in any order, changes nothing.
    assert upload(mgr1, vid, pid, data).status_code == 200
    assert put(mgr1, vid, body).status_code == 200
    assert upload(mgr1, vid, pid, data).status_code == 200
    assert stored_state(app) == after
    assert photo_ids(app, vid) == [pid]
    with app.app_context():
        photo = db.session.get(Photo, pid)
        assert photo is not None and photo.category == "inventory" and photo.size_bytes == len(data)


def test_an_attach_interrupted_by_a_crash_happens_on_the_visit_replay(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid, body = new_id(), new_id(), good_body(world)
    assert upload(mgr1, vid, pid, jpeg(2)).status_code == 202
    with mock.patch("webapp.api.routes.attach_held_photos", return_value=[]):
        assert put(mgr1, vid, body).status_code == 201  # the visit committed, the attach never ran
    assert photo_ids(app, vid) == [] and held_rows(app) == [(pid, vid, "held")]

    replay = put(mgr1, vid, body)
    assert replay.status_code == 200
    assert [p["id"] for p in replay.get_json()["photos"]] == [pid]
    assert put(mgr1, vid, body).status_code == 200
    assert photo_ids(app, vid) == [pid]


def test_a_held_photo_sent_again_after_its_visit_is_stored_once_and_the_held_copy_settled(
    app: Flask, world: World, login: Any
) -> None:
    mgr1 = login("mgr1")
    vid, pid, data, body = new_id(), new_id(), jpeg(3), good_body(world)
    assert upload(mgr1, vid, pid, data).status_code == 202
    with mock.patch("webapp.api.routes.attach_held_photos", return_value=[]):
        assert put(mgr1, vid, body).status_code == 201
    assert upload(mgr1, vid, pid, data).status_code == 201  # straight through the write path
    assert held_rows(app) == [(pid, vid, "attached")] and holding_files(app) == []
    assert put(mgr1, vid, body).status_code == 200
    assert photo_ids(app, vid) == [pid]


def test_other_bytes_under_a_held_id_are_409(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_id(), new_id()
    assert upload(mgr1, vid, pid, jpeg(4)).status_code == 202
    conflict = upload(mgr1, vid, pid, jpeg(5))
    assert conflict.status_code == 409 and conflict.get_json()["message"]
    other_visit = upload(mgr1, new_id(), pid, jpeg(4))
    assert other_visit.status_code == 409
    assert held_rows(app) == [(pid, vid, "held")]


@pytest.mark.parametrize(("case", "status"), [("corrupt", 422), ("not_an_image", 415), ("bad_category", 422)])
def test_what_could_never_be_attached_is_refused_at_once_not_held(
    app: Flask, world: World, login: Any, case: str, status: int
) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_id(), new_id()
    if case == "bad_category":
        form = {"file": (io.BytesIO(jpeg(6)), "p.jpg"), "category": "selfie", "captured_at": now_iso(-60)}
        response = mgr1.api("PUT", f"/api/v1/visits/{vid}/photos/{pid}", data=form, content_type="multipart/form-data")
    else:
        data = samples.truncated(jpeg(6)) if case == "corrupt" else samples.svg_bytes()
        response = upload(mgr1, vid, pid, data)
    assert response.status_code == status and response.get_json()["message"]
    assert held_rows(app) == [] and holding_files(app) == []


def test_a_held_photo_its_visit_refuses_is_kept_and_shown_to_the_uploader(
    app: Flask, world: World, login: Any
) -> None:
    mgr2 = login("mgr2")
    vid, pid = new_id(), new_id()
    assert upload(mgr2, vid, pid, jpeg(7)).status_code == 202
    # mgr1 records the visit without mgr2 in the squad: mgr2's photo may not join it.
    visit = put(login("mgr1"), vid, good_body(world))
    assert visit.status_code == 201 and visit.get_json()["photos"] == []
    assert held_rows(app) == [(pid, vid, "rejected")]
    assert holding_files(app) == [f"{pid}.upload"]  # never dropped

    page = mgr2.get("/sync/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-held-photo="{pid}"' in html and 'data-held-state="rejected"' in html


def test_a_role_that_records_no_visits_holds_nothing(app: Flask, world: World, login: Any) -> None:
    response = upload(login("reviewer1"), new_id(), new_id(), jpeg(8))
    assert response.status_code == 404
    assert held_rows(app) == []


# --- whose item it is -----------------------------------------------------------------------------------


def test_an_item_of_another_author_is_refused_with_401_and_stores_nothing(
    app: Flask, world: World, login: Any
) -> None:
    mgr2 = login("mgr2")
    before = stored_state(app)
    response = put(mgr2, new_id(), good_body(world), **{"X-Expected-User": "mgr1"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "wrong_user" and response.get_json()["message"]
    assert stored_state(app) == before
    photo = upload(mgr2, new_id(), new_id(), jpeg(9), **{"X-Expected-User": "mgr1"})
    assert photo.status_code == 401 and held_rows(app) == []
    assert put(login("mgr1"), new_id(), good_body(world), **{"X-Expected-User": "MGR1"}).status_code == 201


# --- what the outbox and the service worker ask --------------------------------------------------------


def test_session_answers_who_is_logged_in_with_a_working_token(app: Flask, world: World, login: Any) -> None:
    anonymous = app.test_client().get("/sync/session")
    assert anonymous.status_code == 200 and anonymous.get_json() == {"user": None, "csrf_token": None}
    assert anonymous.headers["Cache-Control"] == "no-store"

    mgr1 = login("mgr1")
    info = mgr1.get("/sync/session").get_json()
    assert info["user"] == "mgr1" and info["csrf_token"]
    response = mgr1.client.put(f"/api/v1/visits/{new_id()}", json=good_body(world),
                               headers={"X-CSRFToken": info["csrf_token"]})
    assert response.status_code == 201


def test_offline_pages_list_the_managers_work_and_the_static_files(app: Flask, world: World, login: Any) -> None:
    assert app.test_client().get("/sync/offline-pages").status_code == 401
    listing = login("mgr1").get("/sync/offline-pages").get_json()
    assert listing["user"] == "mgr1" and listing["version"]
    urls = listing["urls"]
    owned = world.merchants["a1_owned"]
    assert {"/today/", "/sync/", f"/merchants/{owned}", f"/merchants/{owned}/visits/new"} <= set(urls)
    assert all(not url.startswith(("/login", "/logout", "/api/")) for url in urls)
    # Every static file by its content-hashed name (webapp/static_assets.py), never the worker's own script.
    assets = listing["assets"]
    assert any(re.fullmatch(r"/static/js/outbox\.[0-9a-f]{12}\.js", url) for url in assets)
    assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url) for url in assets)
    assert not any("/js/sw." in url for url in assets)

    reviewer = login("reviewer1").get("/sync/offline-pages").get_json()
    assert not any("/visits/new" in url or url == "/today/" for url in reviewer["urls"])


# --- the upload test hook ---------------------------------------------------------------------------------


@pytest.mark.parametrize("testing", [True, False])
def test_the_upload_delay_hook_works_only_in_testing(
    app: Flask, world: World, login: Any, tmp_path: Path, testing: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XW_TEST_HOOKS", raising=False)
    marker = tmp_path / "in-upload"
    mgr1 = login("mgr1")
    vid = new_id()
    assert put(mgr1, vid, good_body(world)).status_code == 201
    app.config.update(TEST_UPLOAD_DELAY_S=0.01, TEST_UPLOAD_DELAY_MARKER=str(marker), TESTING=testing)
    assert upload(mgr1, vid, new_id(), jpeg(10)).status_code == 201
    assert marker.exists() is testing


# --- which records the server has (the phone's check after its storage was wiped) ---------------------------


def known(user: Any, body: Any, **kwargs: Any) -> Any:
    return user.api("POST", "/sync/known", json=body, **kwargs)


def test_known_names_only_the_users_own_records_by_id(app: Flask, world: World, login: Any) -> None:
    from tests.test_api_confirmations import confirm, member_body

    mgr1, mgr2, mgr7 = login("mgr1"), login("mgr2"), login("mgr7")
    squad, alone, held_visit, missing = new_id(), new_id(), new_id(), new_id()
    assert put(mgr1, squad, good_body(world, support="mgr2")).status_code == 201
    assert put(mgr1, alone, good_body(world)).status_code == 201
    attached, held, never = new_id(), new_id(), new_id()
    assert upload(mgr1, alone, attached, jpeg(21)).status_code == 201
    assert upload(mgr1, held_visit, held, jpeg(22)).status_code == 202  # the server keeps it for its visit
    assert confirm(mgr2, squad, "mgr2", member_body()).status_code == 201
    other_branch_visit = new_id()
    assert put(mgr7, other_branch_visit, good_body(world, merchant_id=world.merchants["a2"], lead="mgr7")).status_code == 201

    ask = {"visits": [squad, alone, missing, other_branch_visit], "photos": [attached, held, never],
           "confirmations": [squad, alone]}
    response = known(mgr1, ask)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    # The field records (leads, peer records, survey answers: tests/test_api_records.py) are answered too.
    records = {"leads": [], "peer_records": [], "survey_responses": []}
    assert response.get_json() == {"visits": sorted([squad, alone]), "photos": sorted([attached, held]),
                                   "confirmations": [], **records}
    # mgr2 sees the squad visit and their own confirmation; the held photo is mgr1's alone.
    assert known(mgr2, ask).get_json() == {"visits": [squad], "photos": [], "confirmations": [squad], **records}
    # Upper-case ids are the same ids; a kind may be left out.
    assert known(mgr1, {"visits": [alone.upper()]}).get_json()["visits"] == [alone]


@pytest.mark.parametrize("body", [
    None, [], "visits", {"visits": "x"}, {"visits": ["not-a-uuid"]}, {"photos": [1]},
    {"visits": [new_id() for _ in range(1001)]},
])
def test_known_refuses_what_is_not_lists_of_ids(app: Flask, world: World, login: Any, body: Any) -> None:
    mgr1 = login("mgr1")
    response = mgr1.api("POST", "/sync/known", data=json.dumps(body) if body is not None else "{not json",
                        content_type="application/json")
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"


def test_known_answers_json_to_the_anonymous_and_to_a_deeply_nested_body(
    app: Flask, world: World, login: Any
) -> None:
    anonymous = app.test_client().post("/sync/known", json={"visits": []})
    # No session, so no CSRF secret either: the outbox must hear "log in again", as JSON.
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthenticated"
    mgr1 = login("mgr1")
    nested = mgr1.api("POST", "/sync/known", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert nested.status_code == 422
    no_token = mgr1.client.post("/sync/known", json={"visits": []})
    assert no_token.status_code == 400 and no_token.get_json()["error"] == "csrf"
