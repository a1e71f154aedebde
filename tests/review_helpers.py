"""Visits with photos for the review tests, made through the app's own write functions (webapp.visits.write,
webapp.photos.write) in a request context: the same rows and files the JSON API makes, without HTTP."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.factories import SIJIQING, WULIN, World, user_by_name
from tests.visit_helpers import jpeg_bytes, new_id, visit_body
from webapp.extensions import db
from webapp.photos.write import PhotoFields, put_photo
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext

POINTS = {"a1_owned": WULIN, "a1_other": (WULIN[0] + 0.001, WULIN[1]), "a2": SIJIQING}


def create_visit(app: Flask, world: World, *, lead: str = "mgr1", merchant: str = "a1_owned", photos: int = 1,
                 seed: int = 1, kind: str = "marketing", at: datetime | None = None, support: str | None = None,
                 observer: str | None = None, photo_data: list[bytes] | None = None, **body: Any) -> str:
    """A visit led by ``lead``, received by the server at ``at`` (default now) and started 5 minutes before,
    with ``photos`` distinct photos (or the given JPEG bytes)."""
    moment = at or datetime.now(UTC)
    merchant_id = world.other_branch_merchant if merchant == "other_branch" else world.merchants[merchant]
    point = POINTS.get(merchant, (29.87, 121.55))
    with app.test_request_context():
        ctx = WriteContext(actor=user_by_name(lead), now=moment)
        visit_id = new_id()
        payload = visit_body(merchant_id, lead=lead, support=support, observer=observer, lat=point[0], lon=point[1],
                             kind=kind, **body)
        payload["started_at"] = (moment - timedelta(minutes=5)).isoformat(timespec="seconds")
        payload["checkin"]["captured_at"] = (moment - timedelta(minutes=4)).isoformat(timespec="seconds")
        put_visit(ctx, visit_id, payload)
        for index, data in enumerate(photo_data or [jpeg_bytes(seed * 100 + i) for i in range(photos)]):
            captured = (moment - timedelta(minutes=3, seconds=index)).isoformat(timespec="seconds")
            put_photo(ctx, visit_id, new_id(), data, PhotoFields(category="premises", captured_at=captured))
        db.session.commit()
        db.session.remove()
    return visit_id


def add_photo(app: Flask, visit_id: str, *, by: str = "mgr1", seed: int = 99, category: str = "inventory") -> str:
    with app.test_request_context():
        now = datetime.now(UTC)
        ctx = WriteContext(actor=user_by_name(by), now=now)
        photo_id = new_id()
        put_photo(ctx, visit_id, photo_id, jpeg_bytes(seed),
                  PhotoFields(category=category, captured_at=(now - timedelta(seconds=30)).isoformat(timespec="seconds")))
        db.session.commit()
        db.session.remove()
    return photo_id


def decision(user: Any, visit_id: str, action: str, reason: str = "", **extra: str) -> Any:
    """Post a decision as a plain form (no htmx): 303 on success."""
    return user.post(f"/review/visits/{visit_id}/decision", {"action": action, "reason": reason, **extra})


def download(user: Any, url: str) -> tuple[int, bytes, dict[str, str]]:
    """GET a file and close the response (a streamed file stays open until then)."""
    response = user.get(url)
    try:
        return response.status_code, response.get_data(), dict(response.headers)
    finally:
        response.close()
