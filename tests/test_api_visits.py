"""The visit write API: every status it promises, replays, conflicts and scope."""
from __future__ import annotations

from typing import Any

from flask import Flask

from tests.factories import WULIN, World
from tests.visit_helpers import new_id, visit_body


def put(user: Any, visit_id: str, body: dict[str, Any], **headers: str) -> Any:
    return user.api("PUT", f"/api/v1/visits/{visit_id}", json=body, headers=headers)


def test_create_replay_conflict_and_update(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    body = visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1])
    first = put(mgr1, vid, body)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["checkin"]["status"] == "verified"
    etag = first.headers["ETag"]
    assert put(mgr1, vid, body).status_code == 200
    changed = dict(body, notes={"lead": "改了"})
    conflict = put(mgr1, vid, changed)
    assert conflict.status_code == 409
    assert conflict.get_json()["etag"] == etag
    updated = put(mgr1, vid, changed, **{"If-Match": etag})
    assert updated.status_code == 200
    assert updated.get_json()["version"] == 2
    assert updated.headers["ETag"] != etag
    got = mgr1.get(f"/api/v1/visits/{vid}")
    assert got.status_code == 200 and got.get_json()["notes"] == {"lead": "改了"}


def test_outside_geofence_is_kept_and_flagged(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    response = put(mgr1, vid, visit_body(world.merchants["a1_owned"], lat=WULIN[0] + 0.027, lon=WULIN[1]))
    assert response.status_code == 201
    data = response.get_json()
    assert data["checkin"]["status"] == "outside_geofence"
    assert [f["code"] for f in data["flags"]] == ["outside_geofence"]


def test_merchant_of_another_sub_branch_is_404(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    response = put(mgr1, new_id(), visit_body(world.merchants["a2"], lat=WULIN[0], lon=WULIN[1]))
    assert response.status_code == 404
    assert response.is_json


def test_photo_upload_replay_and_conflict(app: Flask, world: World, login: Any) -> None:
    from tests.visit_helpers import jpeg_bytes, photo_form

    mgr1 = login("mgr1")
    vid, pid = new_id(), new_id()
    assert put(mgr1, vid, visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1])).status_code == 201
    data = jpeg_bytes(1)
    url = f"/api/v1/visits/{vid}/photos/{pid}"
    first = mgr1.api("PUT", url, data=photo_form(data), content_type="multipart/form-data")
    assert first.status_code == 201, first.get_json()
    photo = first.get_json()
    again = mgr1.api("PUT", url, data=photo_form(data), content_type="multipart/form-data")
    assert again.status_code == 200
    other = mgr1.api("PUT", url, data=photo_form(jpeg_bytes(2)), content_type="multipart/form-data")
    assert other.status_code == 409
    image = mgr1.get(photo["display_url"])
    image.close()
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    mgr7 = login("mgr7")
    assert mgr7.get(photo["display_url"]).status_code == 404
