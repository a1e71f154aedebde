"""Who sees which visit, photo and merchant through the API; out of scope is 404, like a missing record."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests import photo_samples as samples
from tests.api_helpers import good_body, point_at, put, stored_state
from tests.factories import SIJIQING, World
from tests.visit_helpers import new_id, now_iso, visit_body


@dataclass(frozen=True)
class Visits:
    """Visit ids by what they are, and one photo of mgr1's own visit."""

    mgr1_own: str
    mgr2_solo: str
    mgr2_with_mgr1: str
    mgr7_in_a2: str
    photo_urls: tuple[str, str]


def create(user: Any, body: dict[str, Any]) -> str:
    vid = new_id()
    response = put(user, vid, body)
    assert response.status_code == 201, response.get_json()
    return vid


def upload(user: Any, visit_id: str, seed: int = 1) -> Any:
    data = samples.jpeg_bytes(samples.shop_scene(seed, (320, 240)))
    return user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{new_id()}",
                    data={"file": (io.BytesIO(data), "p.jpg"), "category": "inventory", "captured_at": now_iso(-30)},
                    content_type="multipart/form-data")


@pytest.fixture
def visits(app: Flask, world: World, login: Any) -> Visits:
    mgr1, mgr2, mgr7 = login("mgr1"), login("mgr2"), login("mgr7")
    own = create(mgr1, good_body(world, 4.0))
    solo = create(mgr2, good_body(world, 7.0, merchant_id=world.merchants["a1_other"], lead="mgr2"))
    squad = create(mgr2, good_body(world, 9.0, lead="mgr2", observer="mgr1"))
    near_sijiqing = point_at(5, 0.0, origin=SIJIQING)
    in_a2 = create(mgr7, visit_body(world.merchants["a2"], lead="mgr7", lat=near_sijiqing[0], lon=near_sijiqing[1]))
    photo = upload(mgr1, own)
    assert photo.status_code == 201
    return Visits(own, solo, squad, in_a2, (photo.get_json()["display_url"], photo.get_json()["thumb_url"]))


# Which of the fixture's visits each user sees.
SEES = {
    "mgr1": {"mgr1_own", "mgr2_with_mgr1"},
    "mgr2": {"mgr2_solo", "mgr2_with_mgr1"},
    "mgr3": set(),
    "mgr7": {"mgr7_in_a2"},
    "lead1": {"mgr1_own", "mgr2_solo", "mgr2_with_mgr1"},
    "lead2": {"mgr7_in_a2"},
    "reviewer1": {"mgr1_own", "mgr2_solo", "mgr2_with_mgr1", "mgr7_in_a2"},
    "admin": {"mgr1_own", "mgr2_solo", "mgr2_with_mgr1", "mgr7_in_a2"},
    "reviewerb": set(),
    "mgrb": set(),
}
ALL_VISITS = ("mgr1_own", "mgr2_solo", "mgr2_with_mgr1", "mgr7_in_a2")


@pytest.mark.parametrize("username", list(SEES))
def test_each_role_sees_exactly_its_visits(app: Flask, login: Any, visits: Visits, username: str) -> None:
    user = login(username)
    seen = set()
    for name in ALL_VISITS:
        response = user.get(f"/api/v1/visits/{getattr(visits, name)}")
        assert response.status_code == (200 if name in SEES[username] else 404)
        assert response.is_json
        if response.status_code == 200:
            seen.add(name)
            assert response.get_json()["id"] == getattr(visits, name)
    assert seen == SEES[username]


def test_out_of_scope_looks_exactly_like_missing(app: Flask, login: Any, visits: Visits) -> None:
    mgr1 = login("mgr1")
    hidden = mgr1.get(f"/api/v1/visits/{visits.mgr2_solo}")
    missing = mgr1.get(f"/api/v1/visits/{new_id()}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_a_visit_id_of_someone_elses_visit_cannot_be_probed_with_a_put(
    app: Flask, world: World, login: Any, visits: Visits
) -> None:
    """mgr7 guesses the id of a visit in A1: the answer is 404, not a 409 that would confirm it exists."""
    mgr7 = login("mgr7")
    before = stored_state(app)
    near = point_at(5, 0.0, origin=SIJIQING)
    response = put(mgr7, visits.mgr1_own, visit_body(world.merchants["a2"], lead="mgr7", lat=near[0], lon=near[1]))
    assert response.status_code == 404
    same_sub_branch = put(login("mgr3"), visits.mgr1_own, good_body(world, lead="mgr3"))
    assert same_sub_branch.status_code == 404
    assert stored_state(app) == before


@pytest.mark.parametrize(("username", "visible"), [
    ("mgr1", True), ("lead1", True), ("reviewer1", True), ("admin", True),
    ("mgr2", False), ("mgr3", False), ("mgr7", False), ("lead2", False), ("reviewerb", False), ("mgrb", False),
])
def test_photos_follow_the_scope_of_their_visit(
    app: Flask, login: Any, visits: Visits, username: str, visible: bool
) -> None:
    user = login(username)
    for url in visits.photo_urls:
        with user.get(url) as response:
            if visible:
                assert response.status_code == 200
                assert response.mimetype == "image/jpeg"
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.data[:3] == b"\xff\xd8\xff"
            else:
                assert response.status_code == 404
                assert not response.data.startswith(b"\xff\xd8")


def test_photo_urls_need_a_session(app: Flask, visits: Visits) -> None:
    with app.test_client().get(visits.photo_urls[0]) as response:
        assert response.status_code == 302
        assert not response.data.startswith(b"\xff\xd8")


@pytest.mark.parametrize(("username", "status"), [
    pytest.param("mgr2", 404, id="manager-who-cannot-see-it"),
    pytest.param("mgr7", 404, id="manager-of-another-sub-branch"),
    pytest.param("lead1", 403, id="team-lead-who-sees-it"),
    pytest.param("reviewer1", 403, id="reviewer-who-sees-it"),
    pytest.param("reviewerb", 404, id="reviewer-of-another-branch"),
])
def test_only_squad_members_add_photos(
    app: Flask, login: Any, visits: Visits, username: str, status: int
) -> None:
    before = stored_state(app)
    response = upload(login(username), visits.mgr1_own, seed=2)
    assert response.status_code == status
    assert response.get_json()["message"]
    assert stored_state(app) == before


def test_every_squad_member_may_add_photos(app: Flask, login: Any, visits: Visits) -> None:
    """mgr1 is the observer of mgr2's visit: not the lead, but in the squad."""
    assert upload(login("mgr1"), visits.mgr2_with_mgr1, seed=3).status_code == 201


def test_a_reviewer_cannot_put_a_visit(app: Flask, world: World, login: Any) -> None:
    """Reviewers see the branch's merchants but never take part in a visit: the squad check refuses them."""
    reviewer = login("reviewer1")
    before = stored_state(app)
    for body, field in ((good_body(world), "squad"), (good_body(world, lead="reviewer1"), "squad.lead")):
        response = put(reviewer, new_id(), body)
        assert response.status_code == 422
        assert field in response.get_json()["fields"]
    assert stored_state(app) == before


def merchant_ids(user: Any) -> dict[int, dict[str, Any]]:
    response = user.get("/api/v1/merchants")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    return {m["id"]: m for m in response.get_json()["merchants"]}


@pytest.mark.parametrize(("username", "expected"), [
    ("mgr1", {"a1_owned", "a1_other", "a1_unlocated"}),
    ("lead1", {"a1_owned", "a1_other", "a1_unlocated"}),
    ("mgr7", {"a2"}),
    ("reviewer1", {"a1_owned", "a1_other", "a1_unlocated", "a2"}),
    ("reviewerb", {"other_branch"}),
])
def test_merchants_lists_what_the_user_may_see(
    app: Flask, world: World, login: Any, username: str, expected: set[str]
) -> None:
    ids = {**world.merchants, "other_branch": world.other_branch_merchant}
    listed = merchant_ids(login(username))
    assert set(listed) == {ids[name] for name in expected}
    for merchant in listed.values():
        assert set(merchant) >= {"id", "name", "address", "district", "lat", "lon", "phone"}
        assert merchant["phone"] == "138****5678"  # masked even for the owner


def test_merchants_carry_their_wgs84_location(app: Flask, world: World, login: Any) -> None:
    listed = merchant_ids(login("mgr1"))
    owned = listed[world.merchants["a1_owned"]]
    assert (owned["lat"], owned["lon"]) == pytest.approx((30.2741, 120.1636))
    assert owned["name"] == "老王面馆" and owned["district"] == "武林商圈"
    unlocated = listed[world.merchants["a1_unlocated"]]
    assert unlocated["lat"] is None and unlocated["lon"] is None


def test_merchants_need_a_session(app: Flask, world: World) -> None:
    response = app.test_client().get("/api/v1/merchants")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthenticated"
