"""Defects found on the walk of issue 17, each held by a test: the reviewer's page shows the loan application; a
dismissed flag no longer marks its photo in red; the device the phone read is on the evidence; sampling defaults
to the last complete week with visits and refuses an empty draw. (The sweep summary's credit is in test_sweeps,
the PDF and manifest in test_review_exports, the import's help and phones in test_merchant_import, logging out
offline in tests/browser/test_offline_logout.py.)"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.factories import World
from tests.review_helpers import create_visit, download
from tests.visit_helpers import jpeg_bytes, new_id, photo_form, visit_body
from webapp.bank_time import bank_today, day_bounds
from webapp.extensions import db
from webapp.models import Photo, VisitFlag
from webapp.models.review import ReviewSample


def test_the_reviewers_visit_page_shows_the_loan_application(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=0, outcome={
        "effective": True, "deals": [], "next_step": "送材料", "follow_up_date": "2026-12-10",
        "application": {"product": "个人经营贷", "amount": 300000}})
    page = login("reviewer1").get(f"/review/visits/{visit_id}").get_data(as_text=True)
    application = page.split("data-application>")[1].split("</dd>")[0]
    assert "个人经营贷" in application and "¥300,000" in application
    assert "2026年12月10日" in page


def test_a_dismissed_flag_no_longer_marks_its_photo(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=1)
    with app.app_context():
        photo_id = db.session.scalar(sa.select(Photo.id).where(Photo.visit_id == visit_id))
        flag = VisitFlag(visit_id=visit_id, photo_id=photo_id, code="photo_old", detail="old",
                         evidence={"hours_before": 30})
        db.session.add(flag)
        db.session.commit()
        flag_id = flag.id
    reviewer, mgr1 = login("reviewer1"), login("mgr1")

    def marks() -> tuple[str, str, str]:
        """The photo's mark in the queue, on the review page, and on the manager's visit page."""
        mark = rf'data-photo-id="{photo_id}" data-flag-marks="(\w+)"'
        queue = re.search(mark, reviewer.get("/review/").get_data(as_text=True))
        review = re.search(mark, reviewer.get(f"/review/visits/{visit_id}").get_data(as_text=True))
        own = re.search(rf'<li class="photo-tile( flagged)?" data-lightbox-item data-photo-id="{photo_id}"',
                        mgr1.get(f"/visits/{visit_id}").get_data(as_text=True))
        assert queue and review and own
        return queue.group(1), review.group(1), "flagged" if own.group(1) else "plain"

    assert marks() == ("standing", "standing", "flagged")
    assert reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                         {"decision": "dismissed", "reason": "拍摄时间正常，手机时钟有误"}).status_code == 303
    assert marks() == ("dismissed", "dismissed", "plain")
    queue = reviewer.get("/review/").get_data(as_text=True)
    assert 'class="flag-mark-dismissed"' in queue


def test_the_device_the_phone_read_is_on_the_evidence(app: Flask, world: World, login: Any) -> None:
    """The phone shrinks the photo (no EXIF left) and sends the camera it read: the reviewer sees it."""
    mgr1 = login("mgr1")
    visit_id, photo_id = new_id(), new_id()
    body = visit_body(world.merchants["a1_owned"], lat=30.2741, lon=120.1551)
    assert mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    form = photo_form(jpeg_bytes(4242), exif_device="Xiaomi 23127PN0CC")
    response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=form,
                        content_type="multipart/form-data")
    assert response.status_code == 201
    reviewer = login("reviewer1")
    page = reviewer.get(f"/review/visits/{visit_id}").get_data(as_text=True)
    assert "Xiaomi 23127PN0CC" in page
    status, data, _headers = download(reviewer, "/review/export.zip?language=en")
    assert status == 200
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        rows = list(csv.DictReader(io.StringIO(zipped.read("manifest.csv").decode("utf-8-sig"))))
    assert [row["device"] for row in rows if row["photo_id"] == photo_id] == ["Xiaomi 23127PN0CC"]


def test_sampling_defaults_to_the_last_complete_week_with_visits_and_refuses_an_empty_draw(
    app: Flask, world: World, login: Any
) -> None:
    today = bank_today()
    this_monday = today - timedelta(days=today.weekday())
    three_weeks_ago = this_monday - timedelta(days=21) + timedelta(days=2)  # a Wednesday
    moment = day_bounds(three_weeks_ago)[0] + timedelta(hours=10)
    create_visit(app, world, photos=0, at=moment.astimezone(UTC))
    reviewer = login("reviewer1")
    page = reviewer.get("/review/samples/").get_data(as_text=True)
    monday = this_monday - timedelta(days=21)
    assert f'name="from" value="{monday.isoformat()}"' in page
    assert f'name="to" value="{(monday + timedelta(days=6)).isoformat()}"' in page

    empty_week = this_monday - timedelta(days=7)
    response = reviewer.post("/review/samples/", {"from": empty_week.isoformat(),
                                                   "to": (empty_week + timedelta(days=6)).isoformat(),
                                                   "percent": "10", "minimum": "2", "seed": "123"})
    assert response.status_code == 422 and "此期间和范围内没有拜访" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewSample)) == 0
    response = reviewer.post("/review/samples/", {"from": monday.isoformat(),
                                                   "to": (monday + timedelta(days=6)).isoformat(),
                                                   "percent": "10", "minimum": "2", "seed": "123"})
    assert response.status_code == 303
    assert datetime.now(UTC) > moment
