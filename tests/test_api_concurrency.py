"""Identical and conflicting writes at the same moment, for real: threads, each with its own logged-in client,
released together by a barrier against a file SQLite database or PostgreSQL.

Exactly one request creates; the others see what it made. No request may fail with a 500 or leave a
second row or a stray file behind.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests import photo_samples as samples
from tests.api_helpers import good_body, put, stored_state
from tests.factories import World
from tests.visit_helpers import new_id, now_iso
from webapp.extensions import db
from webapp.models import Photo, Visit
from webapp.photos.pipeline import Watermark, process_photo

THREADS = 6


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released at the same instant; re-raise any thread's exception."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=120) for future in futures]


def statuses(responses: list[Any]) -> list[int]:
    return sorted(response.status_code for response in responses)


@pytest.fixture
def mgr1_clients(login: Any) -> list[Any]:
    """THREADS separate sessions of mgr1, like one manager's outbox replaying from several tabs."""
    return [login("mgr1") for _ in range(THREADS)]


def test_the_database_is_one_that_threads_can_share(app: Flask) -> None:
    """An in-memory SQLite database would give each thread its own empty world and prove nothing."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert url.startswith("postgresql") or (url.startswith("sqlite:///") and ":memory:" not in url)


def test_identical_visit_puts_at_once_create_one_visit(app: Flask, world: World, mgr1_clients: list[Any]) -> None:
    vid = new_id()
    body = good_body(world)
    responses = all_at_once([lambda c=c: put(c, vid, body) for c in mgr1_clients])
    assert statuses(responses) == [200] * (THREADS - 1) + [201], [r.get_json() for r in responses]
    assert len({r.headers["ETag"] for r in responses}) == 1
    rows = stored_state(app)["rows"]
    assert rows["Visit"] == 1 and rows["VisitVersion"] == 1
    assert rows["VisitFlag"] == 0


def test_different_visit_bodies_at_once_give_one_201_and_one_409(
    app: Flask, world: World, mgr1_clients: list[Any]
) -> None:
    vid = new_id()
    bodies = [good_body(world, notes={"lead": "甲"}), good_body(world, notes={"lead": "乙"})]
    first, second = all_at_once([lambda c=c, b=b: put(c, vid, b) for c, b in zip(mgr1_clients, bodies)])
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    winner, loser = (first, second) if first.status_code == 201 else (second, first)
    assert loser.get_json()["etag"] == winner.headers["ETag"]
    with app.app_context():
        stored = db.session.scalars(sa.select(Visit)).one()
        assert stored.notes == winner.get_json()["notes"]
    assert stored_state(app)["rows"]["VisitVersion"] == 1


def test_updates_of_the_same_version_at_once_give_one_200_and_409s(
    app: Flask, world: World, mgr1_clients: list[Any]
) -> None:
    vid = new_id()
    created = put(mgr1_clients[0], vid, good_body(world))
    etag = created.headers["ETag"]
    bodies = [good_body(world, notes={"lead": f"改动 {n}"}) for n in range(THREADS)]
    responses = all_at_once([lambda c=c, b=b: put(c, vid, b, **{"If-Match": etag})
                             for c, b in zip(mgr1_clients, bodies)])
    assert statuses(responses) == [200] + [409] * (THREADS - 1), [r.get_data(as_text=True)[:300] for r in responses]
    rows = stored_state(app)["rows"]
    assert rows["Visit"] == 1 and rows["VisitVersion"] == 2


def _upload(user: Any, visit_id: str, photo_id: str, data: bytes) -> Any:
    form = {"file": (io.BytesIO(data), "p.jpg"), "category": "premises", "captured_at": now_iso(-30)}
    return user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=form,
                    content_type="multipart/form-data")


def _shop(seed: int) -> bytes:
    return samples.jpeg_bytes(samples.shop_scene(seed, (640, 480)))


def test_identical_photo_puts_at_once_store_one_photo(app: Flask, world: World, mgr1_clients: list[Any]) -> None:
    vid, pid = new_id(), new_id()
    assert put(mgr1_clients[0], vid, good_body(world)).status_code == 201
    data = _shop(1)
    responses = all_at_once([lambda c=c: _upload(c, vid, pid, data) for c in mgr1_clients])
    assert statuses(responses) == [200] * (THREADS - 1) + [201], [r.get_json() for r in responses]
    state = stored_state(app)
    assert state["rows"]["Photo"] == 1 and state["rows"]["PhotoHashBand"] == 9
    assert [Path(name).name for name in state["files"]] == [
        f"{pid}-display.jpg", f"{pid}-original.jpg", f"{pid}-thumb.jpg"]


def _stored_original(app: Flask, photo_id: str) -> bytes:
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        assert photo is not None
        key = photo.storage_key
    return (Path(app.config["PHOTO_STORE"]) / f"{key}-original.jpg").read_bytes()


def test_different_photos_under_one_id_at_once_keep_the_winners_files(
    app: Flask, world: World, mgr1_clients: list[Any]
) -> None:
    vid, pid = new_id(), new_id()
    assert put(mgr1_clients[0], vid, good_body(world)).status_code == 201
    photos = [_shop(2), _shop(3)]
    responses = all_at_once([lambda c=c, d=d: _upload(c, vid, pid, d) for c, d in zip(mgr1_clients, photos)])
    assert statuses(responses) == [201, 409], [r.get_json() for r in responses]
    winner = photos[0] if responses[0].status_code == 201 else photos[1]
    with app.app_context():
        assert db.session.get(Photo, pid).sha256 == responses[0 if winner is photos[0] else 1].get_json()["sha256"]
    # The loser must not have overwritten the winner's files under the shared id.
    mark = Watermark(taken_at=datetime.now(UTC), merchant_name="x", lat=None, lon=None)
    assert _stored_original(app, pid) == process_photo(winner, mark).original_jpeg
    assert len(stored_state(app)["files"]) == 3


def test_identical_confirmations_at_once_store_one(app: Flask, world: World, login: Any) -> None:
    vid = new_id()
    assert put(login("mgr1"), vid, good_body(world, support="mgr2")).status_code == 201
    clients = [login("mgr2") for _ in range(THREADS)]
    body = {"checkin": {"lat": 30.27412, "lon": 120.16362, "accuracy_m": 9, "captured_at": now_iso(-200)}}
    url = f"/api/v1/visits/{vid}/confirmations/mgr2"
    responses = all_at_once([lambda c=c: c.api("PUT", url, json=body) for c in clients])
    assert statuses(responses) == [200] * (THREADS - 1) + [201], [r.get_json() for r in responses]
    assert stored_state(app)["rows"]["SquadConfirmation"] == 1


def test_the_server_still_answers_after_the_rush(app: Flask, world: World, mgr1_clients: list[Any]) -> None:
    vid = new_id()
    body = good_body(world)
    all_at_once([lambda c=c: put(c, vid, body) for c in mgr1_clients])
    assert mgr1_clients[0].get(f"/api/v1/visits/{vid}").status_code == 200
    assert put(mgr1_clients[1], new_id(), good_body(world, 8.0)).status_code == 201
