"""PUT /api/v1/visits/{id}/photos/{id}: stored once, replayed as 200, and every hostile file refused cleanly."""
from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from tests import photo_samples as samples
from tests.api_helpers import good_body, put, stored_state
from tests.factories import World
from tests.visit_helpers import jpeg_bytes, new_id, now_iso


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """Tests may tighten settings with parametrize('app_config', [{...}], indirect=True)."""
    return {**app_config, **getattr(request, "param", {})}


def upload(user: Any, visit_id: str, photo_id: str, data: bytes, *, filename: str = "photo.jpg",
           **fields: str) -> Any:
    form: dict[str, Any] = {"category": "premises", "captured_at": now_iso(-60), **fields}
    form = {key: value for key, value in form.items() if value is not None}
    form["file"] = (io.BytesIO(data), filename)
    return user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=form,
                    content_type="multipart/form-data")


def new_visit(user: Any, world: World, **overrides: Any) -> str:
    vid = new_id()
    response = put(user, vid, good_body(world, **overrides))
    assert response.status_code == 201, response.get_json()
    return vid


def served_bytes(user: Any, url: str) -> bytes:
    """The body of a photo URL; the file handle send_file opened is closed again."""
    with user.get(url) as response:
        assert response.status_code == 200
        return bytes(response.data)


def shop_jpeg(seed: int = 1, **params: Any) -> bytes:
    return samples.jpeg_bytes(samples.shop_scene(seed, (640, 480)), **params)


def test_a_photo_is_stored_once_and_replayed_as_200(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_visit(mgr1, world), new_id()
    data = shop_jpeg(1)
    first = upload(mgr1, vid, pid, data)
    assert first.status_code == 201, first.get_json()
    photo = first.get_json()
    assert photo["id"] == pid and photo["category"] == "premises"
    assert photo["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(photo["phash"]) == 16 and int(photo["phash"], 16) >= 0
    assert photo["flags"] == []
    after_first = stored_state(app)
    assert after_first["rows"]["Photo"] == 1
    assert len(after_first["files"]) == 3  # original, display, thumb; no temporary leftovers

    again = upload(mgr1, vid, pid, data, category="premises")
    assert again.status_code == 200
    assert again.get_json()["id"] == pid
    assert stored_state(app) == after_first

    listed = mgr1.get(f"/api/v1/visits/{vid}").get_json()["photos"]
    assert [(p["id"], p["sha256"], p["display_url"], p["thumb_url"]) for p in listed] == [
        (pid, photo["sha256"], photo["display_url"], photo["thumb_url"])]


def test_different_bytes_under_the_same_id_are_409_and_the_first_photo_stays(
    app: Flask, world: World, login: Any
) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_visit(mgr1, world), new_id()
    first = upload(mgr1, vid, pid, shop_jpeg(1))
    display_before = served_bytes(mgr1, first.get_json()["display_url"])
    before = stored_state(app)
    conflict = upload(mgr1, vid, pid, shop_jpeg(2))
    assert conflict.status_code == 409
    assert conflict.get_json()["message"]
    assert stored_state(app) == before
    assert served_bytes(mgr1, first.get_json()["display_url"]) == display_before


def test_a_photo_id_of_another_visit_is_409(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    first_visit, second_visit, pid = new_visit(mgr1, world), new_visit(mgr1, world, offset_m=6.0), new_id()
    data = shop_jpeg(1)
    assert upload(mgr1, first_visit, pid, data).status_code == 201
    before = stored_state(app)
    assert upload(mgr1, second_visit, pid, data).status_code == 409
    assert stored_state(app) == before


def test_the_stored_copies_are_clean_jpegs_served_with_nosniff(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid, pid = new_visit(mgr1, world), new_id()
    data = samples.jpeg_full_of_metadata(samples.shop_scene(3, (800, 600)))
    photo = upload(mgr1, vid, pid, data).get_json()
    assert photo["evidence"]["exif_lat"] == pytest.approx(31.2304, abs=1e-4)
    for url in (photo["display_url"], photo["thumb_url"]):
        with mgr1.get(url) as response:
            assert response.status_code == 200
            assert response.mimetype == "image/jpeg"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            served = Image.open(io.BytesIO(response.data))
        assert served.format == "JPEG"
        assert not served.getexif() and "icc_profile" not in served.info and "comment" not in served.info


def test_a_png_is_accepted(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    response = upload(mgr1, vid, new_id(), samples.png_bytes(samples.shop_scene(4, (320, 240))), filename="x.png")
    assert response.status_code == 201


# --- refused uploads -------------------------------------------------------------------------------------

def _tiff() -> bytes:
    return samples.encoded(samples.shop_scene(5, (200, 150)), "TIFF")


HOSTILE_FILES: list[tuple[str, Callable[[], bytes], str, int, str]] = [
    ("plain-text", lambda: b"this is not a photo\n" * 20, "photo.jpg", 415, "unsupported_type"),
    ("pdf", samples.pdf_bytes, "scan.jpg", 415, "unsupported_type"),
    ("tiff-renamed-jpg", _tiff, "photo.jpg", 415, "unsupported_type"),
    ("svg", samples.svg_bytes, "photo.svg", 415, "unsupported_type"),
    ("gif", lambda: samples.encoded(samples.shop_scene(6, (120, 90)), "GIF"), "photo.gif", 415, "unsupported_type"),
    ("webp", lambda: samples.encoded(samples.shop_scene(6, (120, 90)), "WEBP"), "photo.jpg", 415,
     "unsupported_type"),
    ("zero-bytes", lambda: b"", "photo.jpg", 422, "empty"),
    ("png-bomb-50000x50000", lambda: samples.png_header_only(50_000, 50_000), "photo.png", 422, "too_many_pixels"),
    ("truncated-jpeg", lambda: samples.truncated(shop_jpeg(7)), "photo.jpg", 422, "corrupt"),
    ("jpeg-magic-then-garbage", lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "photo.jpg", 422, "corrupt"),
]


@pytest.mark.parametrize(("make", "filename", "status", "code"),
                         [pytest.param(m, f, s, c, id=i) for i, m, f, s, c in HOSTILE_FILES])
def test_a_hostile_file_is_refused_and_nothing_is_stored(
    app: Flask, world: World, login: Any, make: Callable[[], bytes], filename: str, status: int, code: str
) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    before = stored_state(app)
    response = upload(mgr1, vid, new_id(), make(), filename=filename)
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["error"] == code
    assert body["message"]
    assert stored_state(app) == before
    assert upload(mgr1, vid, new_id(), shop_jpeg(8)).status_code == 201


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 60_000}], indirect=True)
def test_a_request_over_the_apps_body_limit_is_413_json(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    big = shop_jpeg(1)
    assert len(big) > 60_000
    before = stored_state(app)
    response = upload(mgr1, vid, new_id(), big)
    assert response.status_code == 413
    assert response.is_json and response.get_json()["message"]
    assert stored_state(app) == before
    small = samples.jpeg_bytes(samples.shop_scene(1, (200, 150)))
    assert len(small) < 50_000
    assert upload(mgr1, vid, new_id(), small).status_code == 201


@pytest.mark.parametrize("app_config", [{"PHOTO_MAX_BYTES": 40_000}], indirect=True)
def test_a_photo_over_the_photo_limit_is_413_json(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    big = shop_jpeg(1)
    assert len(big) > 40_000
    before = stored_state(app)
    response = upload(mgr1, vid, new_id(), big)
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large" and response.get_json()["message"]
    assert stored_state(app) == before
    assert upload(mgr1, vid, new_id(), samples.jpeg_bytes(samples.shop_scene(1, (200, 150)))).status_code == 201


@pytest.mark.parametrize("app_config", [{"PHOTO_MAX_PIXELS": 100_000}], indirect=True)
def test_a_photo_over_the_pixel_limit_is_422(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    before = stored_state(app)
    response = upload(mgr1, vid, new_id(), jpeg_bytes(1, (400, 300)))
    assert response.status_code == 422
    assert response.get_json()["error"] == "too_many_pixels"
    assert stored_state(app) == before


BAD_FIELDS = [
    ("category-missing", {"category": None}, "category"),
    ("category-unknown", {"category": "selfie"}, "category"),
    ("captured-missing", {"captured_at": None}, "captured_at"),
    ("captured-in-two-days", {"captured_at": now_iso(2 * 86400)}, "captured_at"),
    ("captured-without-zone", {"captured_at": "2026-01-01T10:00:00"}, "captured_at"),
    ("captured-year-1", {"captured_at": "0001-01-01T00:00:00+08:00"}, "captured_at"),
    ("exif-time-garbage", {"exif_taken_at": "last tuesday"}, "exif_taken_at"),
    ("exif-time-year-1-china-time", {"exif_taken_at": "0001-01-01T00:00:00"}, "exif_taken_at"),
    ("exif-time-year-1-with-zone", {"exif_taken_at": "0001-01-01T00:00:00+01:00"}, "exif_taken_at"),
    ("exif-lat-beyond-90", {"exif_lat": "91", "exif_lon": "120"}, "exif_lat"),
    ("exif-lon-beyond-180", {"exif_lat": "30", "exif_lon": "-181"}, "exif_lat"),
    ("exif-lat-NaN", {"exif_lat": "NaN", "exif_lon": "120"}, "exif_lat"),
    ("exif-lat-without-lon", {"exif_lat": "30.27"}, "exif_lat"),
]


@pytest.mark.parametrize(("fields", "field"), [pytest.param(v, f, id=i) for i, v, f in BAD_FIELDS])
def test_invalid_photo_fields_are_422(
    app: Flask, world: World, login: Any, fields: dict[str, str | None], field: str
) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    before = stored_state(app)
    response = upload(mgr1, vid, new_id(), shop_jpeg(1), **fields)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert response.get_json()["message"]
    assert stored_state(app) == before
    assert upload(mgr1, vid, new_id(), shop_jpeg(1)).status_code == 201


def test_an_upload_without_a_file_is_422(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    response = mgr1.api("PUT", f"/api/v1/visits/{vid}/photos/{new_id()}",
                        data={"category": "premises", "captured_at": now_iso()}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["fields"]


@pytest.mark.parametrize("which", ["visit", "photo"])
def test_ids_that_are_not_uuids_are_422(app: Flask, world: World, login: Any, which: str) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    visit_id, photo_id = (("nope", new_id()) if which == "visit" else (vid, "nope"))
    before = stored_state(app)
    response = upload(mgr1, visit_id, photo_id, shop_jpeg(1))
    assert response.status_code == 422
    assert stored_state(app) == before


def test_a_photo_of_an_unknown_visit_is_404_for_a_role_that_records_no_visits(
    app: Flask, world: World, login: Any
) -> None:
    # A manager's photo that comes before its visit is held (202): tests/test_sync_server.py.
    reviewer = login("reviewer1")
    before = stored_state(app)
    response = upload(reviewer, new_id(), new_id(), shop_jpeg(1))
    assert response.status_code == 404 and response.is_json
    assert stored_state(app) == before


def test_no_temporary_files_are_left_in_the_store(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    for seed in (1, 2):
        assert upload(mgr1, vid, new_id(), shop_jpeg(seed)).status_code == 201
    names = [Path(name).name for name in stored_state(app)["files"]]
    assert len(names) == 6
    assert all(name.endswith(("-original.jpg", "-display.jpg", "-thumb.jpg")) for name in names)


@pytest.mark.parametrize("stamp", ["0001:01:01 00:00:00", "9999:12:31 23:59:59", "2026:13:45 99:99:99"])
def test_an_absurd_exif_time_in_the_file_is_kept_as_evidence_not_a_crash(
    app: Flask, world: World, login: Any, stamp: str
) -> None:
    from PIL.ExifTags import Base

    mgr1 = login("mgr1")
    vid = new_visit(mgr1, world)
    exif = samples.make_exif()
    exif[Base.DateTime] = stamp
    data = samples.jpeg_bytes(samples.shop_scene(11, (320, 240)), exif=exif)
    response = upload(mgr1, vid, new_id(), data)
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    old = [flag for flag in response.get_json()["flags"] if flag["code"] == "photo_old"]
    assert bool(old) is stamp.startswith("0001")
    assert upload(mgr1, vid, new_id(), shop_jpeg(12)).status_code == 201
