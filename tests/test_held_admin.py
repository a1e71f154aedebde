"""The admin's view of held photos: everyone of the admin's branch, per person with bytes, never another
branch's; the sync page tells a manager when a held photo expired."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests import photo_samples as samples
from tests.factories import World
from tests.visit_helpers import new_id, now_iso
from webapp.extensions import db
from webapp.models import HeldPhoto
from webapp.photos.sweep import sweep


def hold(user: Any, seed: int) -> str:
    photo_id = new_id()
    form = {"file": (io.BytesIO(samples.jpeg_bytes(samples.shop_scene(seed, (480, 360)))), "p.jpg"),
            "category": "premises", "captured_at": now_iso(-60)}
    answer = user.api("PUT", f"/api/v1/visits/{new_id()}/photos/{photo_id}", data=form,
                      content_type="multipart/form-data")
    assert answer.status_code == 202, answer.get_json()
    return photo_id


def test_the_admin_sees_what_is_held_in_the_branch_per_person(app: Flask, world: World, login: Any) -> None:
    first, second = hold(login("mgr1"), 1), hold(login("mgr1"), 2)
    other_sub_branch = hold(login("mgr7"), 3)
    other_branch = hold(login("mgrb"), 5)
    page = login("admin").get("/admin/held-photos/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for photo_id in (first, second, other_sub_branch):
        assert f'data-held-photo="{photo_id}"' in html
    assert 'data-held-user="mgr1"' in html and 'data-held-user="mgr7"' in html
    assert other_branch not in html and 'data-held-user="mgrb"' not in html
    assert login("admin").get("/admin/held-photos/?state=attached").get_data(as_text=True).count(
        "data-held-photo=") == 0
    for role in ("mgr1", "lead1", "reviewer1"):
        assert login(role).get("/admin/held-photos/").status_code == 403


def test_an_expired_held_photo_is_named_on_the_uploaders_sync_page(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    photo_id = hold(mgr1, 4)
    with app.app_context():
        row = db.session.get(HeldPhoto, photo_id)
        assert row is not None
        row.created_at = datetime.now(UTC) - timedelta(days=40)
        db.session.commit()
        assert sweep(datetime.now(UTC)).held_expired == 1
    html = mgr1.get("/sync/").get_data(as_text=True)
    assert f'data-held-photo="{photo_id}"' in html and 'data-held-state="expired"' in html
    assert 'data-held-state="expired"' in login("admin").get("/admin/held-photos/?state=expired").get_data(
        as_text=True)
