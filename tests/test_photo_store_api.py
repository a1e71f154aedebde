"""The same suite on both photo stores, local files and S3 (a real SeaweedFS): idempotent writes, scope, held
photos and their files, the sweeper, and a server killed in the middle of an upload."""
from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from flask import Flask

from tests import photo_samples as samples
from tests.factories import World
from tests.servers import Phone, app_server, s3_config
from tests.test_api_visit_writes import good_body, put
from tests.visit_helpers import new_id, now_iso
from webapp.extensions import db
from webapp.models import HeldPhoto, Photo
from webapp.photos.store import new_held_name, photo_names, photo_store
from webapp.photos.sweep import sweep
from webapp.photos.write import PhotoFields, PhotoTarget, photo_target, prepare_photo
from webapp.visits.request_context import write_context


@pytest.fixture(params=["local", "s3"])
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "s3":
        return {**app_config, **s3_config(request.getfixturevalue("seaweed"))}
    return app_config


def upload(user: Any, visit_id: str, photo_id: str, data: bytes) -> Any:
    form = {"file": (io.BytesIO(data), "photo.jpg"), "category": "premises", "captured_at": now_iso(-60)}
    return user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=form,
                    content_type="multipart/form-data")


def jpeg(seed: int) -> bytes:
    return samples.jpeg_bytes(samples.shop_scene(seed, (480, 360)))


def store_names(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(f.name for f in photo_store().list())


def stored_key(app: Flask, photo_id: str) -> str:
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        assert photo is not None
        return photo.storage_key


def held_state(app: Flask, photo_id: str) -> tuple[str, str]:
    with app.app_context():
        held = db.session.get(HeldPhoto, photo_id)
        assert held is not None
        return held.state, held.storage_name


def test_a_photo_is_stored_once_served_in_scope_and_replayed(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid, data = new_id(), new_id(), jpeg(1)
    assert put(mgr1, vid, good_body(world)).status_code == 201
    assert upload(mgr1, vid, pid, data).status_code == 201
    assert upload(mgr1, vid, pid, data).status_code == 200
    assert upload(mgr1, vid, pid, jpeg(2)).status_code == 409
    key = stored_key(app, pid)
    assert store_names(app) == sorted(photo_names(key))  # the refused upload left nothing

    with mgr1.get(f"/photos/{pid}/display.jpg") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        with app.app_context():
            assert served.data == photo_store().get(f"{key}-display.jpg")
        etag = served.headers["ETag"]
    with mgr1.client.get(f"/photos/{pid}/thumb.jpg", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 200  # another variant, another validator
    with mgr1.client.get(f"/photos/{pid}/display.jpg", headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304
    for outsider in ("mgr7", "mgr2", "reviewerb"):
        with login(outsider).get(f"/photos/{pid}/display.jpg") as denied:
            assert denied.status_code == 404, outsider


def test_a_held_photo_lives_in_the_store_until_attached(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_id(), new_id()
    assert upload(mgr1, vid, pid, jpeg(3)).status_code == 202
    state, name = held_state(app, pid)
    assert state == "held" and store_names(app) == [name] and name.startswith(f"held/{pid}.")
    assert put(mgr1, vid, good_body(world)).status_code == 201
    assert held_state(app, pid)[0] == "attached"
    assert store_names(app) == sorted(photo_names(stored_key(app, pid)))


def test_a_held_upload_superseded_by_a_direct_one_leaves_no_file(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_id(), new_id()
    assert upload(mgr1, vid, pid, jpeg(4)).status_code == 202
    with mock.patch("webapp.api.routes.attach_held_photos", return_value=[]):
        assert put(mgr1, vid, good_body(world)).status_code == 201
    direct = upload(mgr1, vid, pid, jpeg(5))  # other bytes under the same id, now that the visit exists
    assert direct.status_code == 201
    assert held_state(app, pid)[0] == "superseded"
    assert store_names(app) == sorted(photo_names(stored_key(app, pid)))
    assert f'data-held-photo="{pid}"' not in mgr1.get("/sync/").get_data(as_text=True)


def test_the_sweeper_removes_what_no_row_names_and_expires_unclaimed_held_photos(
    app: Flask, world: World, login: Any
) -> None:
    mgr1 = login("mgr1")
    vid, kept = new_id(), new_id()
    assert put(mgr1, vid, good_body(world)).status_code == 201
    assert upload(mgr1, vid, kept, jpeg(6)).status_code == 201
    held_id = new_id()
    assert upload(mgr1, new_id(), held_id, jpeg(7)).status_code == 202
    expiring = new_id()
    assert upload(mgr1, new_id(), expiring, jpeg(8)).status_code == 202
    # A request killed after writing its files and before its commit: files no row names.
    with app.test_request_context():
        from flask_login import login_user

        from tests.factories import user_by_name

        login_user(user_by_name("mgr1"))
        target = photo_target(write_context(), vid, new_id(), jpeg(9),
                              PhotoFields(category="premises", captured_at=now_iso(-30)))
        assert isinstance(target, PhotoTarget)
        orphan = prepare_photo(target, jpeg(9))
        db.session.rollback()
        # And a held upload whose request died before its row.
        stray = new_held_name(new_id())
        photo_store().put(stray, jpeg(12))
    orphans = [*photo_names(orphan.storage_key), stray]
    assert set(orphans) <= set(store_names(app))
    with app.app_context():
        row = db.session.get(HeldPhoto, expiring)
        assert row is not None
        row.created_at = datetime.now(UTC) - timedelta(days=31)
        db.session.commit()

    with app.app_context():
        report = sweep(datetime.now(UTC), grace_s=0)
    assert (report.orphans_removed, report.held_expired) == (4, 1)
    assert held_state(app, expiring)[0] == "expired" and held_state(app, held_id)[0] == "held"
    assert store_names(app) == sorted([*photo_names(stored_key(app, kept)), held_state(app, held_id)[1]])
    with app.app_context():
        assert sweep(datetime.now(UTC), grace_s=3600).orphans_removed == 0


def test_the_sweeper_keeps_young_files_whatever_they_are(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert upload(mgr1, new_id(), new_id(), jpeg(10)).status_code == 202
    before = store_names(app)
    with app.app_context():
        assert sweep(datetime.now(UTC)).orphans_removed == 0
    assert store_names(app) == before


def test_a_server_killed_mid_upload_leaves_only_what_the_sweeper_removes(
    app: Flask, app_config: dict[str, Any], world: World, tmp_path: Path
) -> None:
    marker = tmp_path / "in-upload"
    slow = app_server(tmp_path / "slow", {**app_config, "TEST_UPLOAD_DELAY_S": 60,
                                          "TEST_UPLOAD_DELAY_MARKER": str(marker)},
                      extra_env={"XW_TEST_HOOKS": "1"})
    vid, pid, data = new_id(), new_id(), jpeg(11)
    try:
        phone = Phone(slow.url)
        assert phone.login("mgr1").status == 303
        assert phone.put_json(f"/api/v1/visits/{vid}", good_body(world)).status == 201
        fields = {"category": "premises", "captured_at": now_iso(-60)}
        answers: list[int] = []

        def send() -> None:
            try:
                answers.append(phone.put_photo(vid, pid, data, fields).status)
            except OSError:  # the server died under the request: no answer at all
                answers.append(0)

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the upload never reached its commit"
        slow.kill_all()
        sender.join(30)
        assert answers == [0]  # never acknowledged
        assert len(store_names(app)) == 3  # its files, with no row
    finally:
        slow.stop()

    again = app_server(tmp_path / "again", app_config)
    try:
        phone = Phone(again.url)
        assert phone.login("mgr1").status == 303
        assert phone.put_photo(vid, pid, data, {"category": "premises", "captured_at": now_iso(-60)}).status == 201
    finally:
        again.stop()
    assert len(store_names(app)) == 6
    with app.app_context():
        assert sweep(datetime.now(UTC), grace_s=0).orphans_removed == 3
    assert store_names(app) == sorted(photo_names(stored_key(app, pid)))
