"""The review walk in real browsers: the reviewer (on a desktop) looks through the photo log in the lightbox,
approves one visit and sends another back; mgr1 (on a phone) sees the reason, adds a photo and resubmits;
the reviewer sees version 2 with the new photo, and approves it.

The two visits are made directly through the write functions (webapp.visits.write.put_visit and
webapp.photos.write.put_photo) inside live_server.app's request context: the visit form and the uploader
have their own walk (test_squad_visit.py); this one is about the review. The check-ins are at the shops,
three and two hours ago, so no other walk of mgr1 today meets an impossible-travel flag because of them.
"""
from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Phones, sign_in
from webapp.extensions import db
from webapp.models import Merchant, User
from webapp.photos.write import PhotoFields, put_photo
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext

SLOW = 20_000  # ms


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A distinct picture per seed, far apart in perceptual hash from the other walks' photos."""
    rng = random.Random(seed * 104729)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(16):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x0, y0, x0 + rng.randrange(60, 400), y0 + rng.randrange(60, 400)),
                     fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def make_visit(live_server: LiveServer, merchant: Merchant, hours_ago: int, seeds: tuple[int, ...]) -> str:
    """mgr1's visit with photos, through the same write functions as the JSON API."""
    import uuid

    app = live_server.app
    now = datetime.now(UTC)
    started = now - timedelta(hours=hours_ago)
    visit_id = str(uuid.uuid4())
    with app.test_request_context():
        mgr1 = db.session.scalar(sa.select(User).where(User.username == "mgr1"))
        assert mgr1 is not None
        ctx = WriteContext(actor=mgr1, now=now)
        put_visit(ctx, visit_id, {
            "merchant_id": merchant.id, "kind": "post_loan",
            "squad": {"lead": "mgr1", "support": None, "observer": None},
            "started_at": started.isoformat(timespec="seconds"),
            "checkin": {"lat": merchant.lat, "lon": merchant.lon, "accuracy_m": 15.0,
                        "captured_at": (started + timedelta(minutes=1)).isoformat(timespec="seconds")},
            "outcome": {"effective": True, "deals": [], "next_step": "下月再查",
                        "checklist": {"operating_state": "normal", "inventory_level": "normal",
                                      "fixed_assets": "unchanged", "abnormal": False}},
            "notes": {"lead": "经营正常"},
        })
        for index, seed in enumerate(seeds):
            put_photo(ctx, visit_id, str(uuid.uuid4()), scene(seed),
                      PhotoFields(category="premises",
                                  captured_at=(started + timedelta(minutes=2 + index)).isoformat(timespec="seconds")))
        db.session.commit()
        db.session.remove()
    return visit_id


@pytest.fixture(scope="module")
def two_visits(live_server: LiveServer) -> tuple[str, str]:
    """Two post-loan inspections by mgr1 at two shops mgr1 owns (not the sweep walk's district)."""
    with live_server.app.app_context():
        mgr1 = db.session.scalar(sa.select(User).where(User.username == "mgr1"))
        assert mgr1 is not None
        shops = list(db.session.scalars(
            sa.select(Merchant).where(Merchant.owner_id == mgr1.id, Merchant.lat.is_not(None),
                                      Merchant.district != "黄龙商圈").order_by(Merchant.id).limit(2)))
        for shop in shops:
            db.session.expunge(shop)
        db.session.remove()
    assert len(shops) == 2, "the demo has located merchants owned by mgr1"
    return (make_visit(live_server, shops[0], 3, (9101, 9102)),
            make_visit(live_server, shops[1], 2, (9201, 9202)))


def test_reviewer_approves_one_sends_back_another_and_sees_version_two(
    phones: Phones, two_visits: tuple[str, str], tmp_path: Path,
) -> None:
    approved, sent_back = two_visits
    reviewer = phones(desktop=True).new_page()
    sign_in(reviewer, "reviewer1", "/review/")
    reviewer.locator("nav.tabbar a[href='/review/']").click()
    reviewer.wait_for_url("**/review/")
    row = reviewer.locator(f'[data-review-row="{approved}"]')
    expect(row).to_have_attribute("data-state", "received")
    expect(row.locator("[data-lightbox-item]")).to_have_count(2)

    # The photo log in the lightbox: arrow keys move through the photos, Esc closes.
    row.locator("[data-lightbox-open]").first.click()
    lightbox = reviewer.locator("dialog[data-lightbox]")
    expect(lightbox).to_have_attribute("open", "")
    first_photo = row.locator("[data-lightbox-item]").first.get_attribute("data-photo-id")
    second_photo = row.locator("[data-lightbox-item]").nth(1).get_attribute("data-photo-id")
    expect(lightbox).to_have_attribute("data-photo-id", first_photo or "")
    expect(lightbox.locator("[data-lightbox-panel] [data-evidence='uploaded']")).to_be_visible()
    expect(lightbox.locator("[data-lightbox-image]")).to_have_attribute("src", f"/photos/{first_photo}/display.jpg")
    reviewer.keyboard.press("ArrowRight")
    expect(lightbox).to_have_attribute("data-photo-id", second_photo or "")
    reviewer.keyboard.press("ArrowLeft")
    expect(lightbox).to_have_attribute("data-photo-id", first_photo or "")
    reviewer.keyboard.press("Escape")
    expect(lightbox).not_to_have_attribute("open", "")

    # Approve the first visit from its review page.
    row.locator("[data-open-review]").click()
    reviewer.wait_for_url(re.compile(rf"/review/visits/{approved}\?back=/review/"))  # back keeps the filters
    expect(reviewer.locator(".photo-with-evidence [data-evidence='checkin']")).to_have_count(2)
    reviewer.locator("[data-action='approve']").click()
    expect(reviewer.locator("#review-decision")).to_have_attribute("data-state", "approved")
    expect(reviewer.locator("[data-audit-action='approve']")).to_have_count(1)

    # Send the second back: a reason is required, and said before anything is posted.
    reviewer.goto(f"/review/visits/{sent_back}")
    reviewer.locator("[data-action='send_back']").click()
    expect(reviewer.locator("[data-client-error]")).to_be_visible()
    reviewer.locator("#decision-reason").fill("库存照片缺失，请补拍仓库")
    reviewer.locator("[data-action='send_back']").click()
    expect(reviewer.locator("#review-decision")).to_have_attribute("data-state", "sent_back")
    expect(reviewer.locator("[data-review-reason]")).to_have_text("库存照片缺失，请补拍仓库")

    # mgr1 on the phone: the reason, a new photo, resubmit.
    phone = phones().new_page()
    sign_in(phone, "mgr1", f"/visits/{sent_back}")
    status = phone.locator("#review-status")
    expect(status).to_have_attribute("data-review-state", "sent_back")
    expect(status.locator("[data-send-back-reason]")).to_have_text("库存照片缺失，请补拍仓库")
    picture = tmp_path / "inventory.jpg"
    picture.write_bytes(scene(9203))
    phone.locator('input[data-photo-category="inventory"]').set_input_files(str(picture))
    expect(phone.locator('[data-upload][data-upload-state="done"]')).to_have_count(1, timeout=SLOW)
    expect(phone.locator("#visit-photos img[data-photo-id]")).to_have_count(3, timeout=SLOW)
    phone.locator("#resubmit-note").fill("已补拍仓库")
    phone.locator("[data-resubmit]").click()
    expect(phone.locator("#review-status")).to_have_attribute("data-review-state", "received")
    expect(phone.locator("#review-status")).to_have_attribute("data-review-round", "2")
    expect(phone.locator("article.visit")).to_have_attribute("data-version", "2")

    # The reviewer sees version 2, with the new photo marked, and approves it.
    reviewer.goto(f"/review/visits/{sent_back}")
    expect(reviewer.locator("[data-visit-version]")).to_have_attribute("data-visit-version", "2")
    expect(reviewer.locator("[data-version-row]")).to_have_count(2)
    expect(reviewer.locator(".photo-with-evidence")).to_have_count(3)
    expect(reviewer.locator(".log-photo.new-photo")).to_have_count(1)
    expect(reviewer.locator("[data-audit-action='resubmit']")).to_contain_text("已补拍仓库")
    reviewer.locator("[data-action='approve']").click()
    expect(reviewer.locator("#review-decision")).to_have_attribute("data-state", "approved")
    expect(reviewer.locator("[data-audit-action]")).to_have_count(3)
    assert phones.errors == []
