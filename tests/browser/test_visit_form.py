"""The visit form at the shop door, on a Pixel 7: short by default (kind, squad, check-in, the camera near the top,
effective, deals, the note; the rest folded), a post-loan check opens its checklist with the last inspection's
inventory photos beside the camera; after an offline save the button is off and the photos say they wait to be
sent; dates read and are typed the Chinese way on a phone set to English; a tap on a photo of a visit opens the
lightbox, never the bare JPEG."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    camera_files,
    new_phone,
    open_section,
    owned_merchant,
    sign_in,
    wait_for_app,
)
from tests.visit_helpers import jpeg_bytes
from webapp.extensions import db
from webapp.models import User
from webapp.photos.write import PhotoFields, put_photo
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext


def _inspection(server: LiveServer, merchant_id: int, shop: tuple[float, float], category: str) -> str:
    """An earlier post-loan inspection by the manager, with two photos of the given category."""
    now = datetime.now(UTC)
    started = now - timedelta(days=20)
    visit_id = str(uuid.uuid4())
    with server.app.test_request_context():
        actor = db.session.scalar(sa.select(User).where(User.username == MANAGER))
        assert actor is not None
        ctx = WriteContext(actor=actor, now=now)
        put_visit(ctx, visit_id, {
            "merchant_id": merchant_id, "kind": "post_loan",
            "squad": {"lead": MANAGER, "support": None, "observer": None},
            "started_at": started.isoformat(timespec="seconds"),
            "checkin": {"lat": shop[0], "lon": shop[1], "accuracy_m": 11.5,
                        "captured_at": started.isoformat(timespec="seconds")},
            "outcome": {"effective": False, "deals": [], "next_step": "",
                        "checklist": {"operating_state": "normal", "inventory_level": "normal",
                                      "fixed_assets": "unchanged", "abnormal": False}},
            "notes": {"lead": "库存正常"},
        })
        for n in range(2):
            put_photo(ctx, visit_id, str(uuid.uuid4()), jpeg_bytes(5100 + n, (1000, 750)),
                      PhotoFields(category=category, captured_at=started.isoformat(timespec="seconds")))
        db.session.commit()
        db.session.remove()
    return visit_id


@pytest.fixture(scope="module")
def inspected(server: LiveServer) -> tuple[int, tuple[float, float], str]:
    merchant_id, shop = owned_merchant(server.app, nth=1)
    return merchant_id, shop, _inspection(server, merchant_id, shop, "inventory")


def test_the_form_is_short_with_the_camera_near_the_top(browser: Browser, phone_profile: dict[str, Any],
                                                        server: LiveServer) -> None:
    merchant_id, shop = owned_merchant(server.app)
    context = new_phone(browser, phone_profile, server, shop)
    try:
        page = context.new_page()
        sign_in(page, MANAGER, f"/merchants/{merchant_id}/visits/new")
        order = page.evaluate("""() => Array.from(document.querySelectorAll('#visit-form > fieldset, #visit-form > details'))
                                   .filter((el) => !el.hidden).map((el) => el.dataset.section || (el.querySelector('legend') || {}).textContent.trim())""")
        assert order[:5] == ["拜访类型", "小分队", "定位签到", "照片", "拜访结果"], order
        for name in ("follow-up", "notes"):
            expect(page.locator(f"details[data-section='{name}']")).not_to_have_attribute("open", "")
        expect(page.locator("details[data-section='checklist']")).to_be_hidden()
        camera = page.locator("[data-form-photos] .photo-pick").first
        box = camera.bounding_box()
        viewport = page.viewport_size
        assert box and viewport and box["y"] < 2 * viewport["height"], "the camera is within two screens of the top"
        # What is folded opens with a tap.
        open_section(page, "follow-up")
        expect(page.locator("#next_step")).to_be_visible()
    finally:
        context.close()


def test_a_post_loan_check_opens_its_checklist_with_the_last_inventory_beside_the_camera(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer, inspected: tuple[int, tuple[float, float], str],
) -> None:
    merchant_id, shop, _ = inspected
    context = new_phone(browser, phone_profile, server, shop)
    try:
        page = context.new_page()
        sign_in(page, MANAGER, f"/merchants/{merchant_id}/visits/new?kind=post_loan")
        expect(page.locator("details[data-section='checklist']")).to_have_attribute("open", "")
        previous = page.locator("[data-form-photos] #previous-inventory")
        expect(previous).to_be_visible()
        expect(previous.locator("img")).to_have_count(2)
        expect(page.locator("#checklist_operating_state")).to_be_visible()
        # Switching to a marketing visit folds the post-loan parts away, and back again opens them.
        page.locator("input[data-visit-kind][value=marketing]").check()
        expect(previous).to_be_hidden()
        page.locator("input[data-visit-kind][value=post_loan]").check()
        expect(previous).to_be_visible()
    finally:
        context.close()


def test_after_an_offline_save_the_button_is_off_and_the_photos_wait_to_be_sent(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer,
) -> None:
    merchant_id, shop = owned_merchant(server.app, nth=2)
    context = new_phone(browser, phone_profile, server, shop)
    try:
        page = context.new_page()
        sign_in(page, MANAGER)
        wait_for_app(page)
        page.goto(f"/merchants/{merchant_id}/visits/new")
        expect(page.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted")
        context.set_offline(True)
        page.locator("[data-form-photos] input[data-photo-category=premises]").set_input_files(camera_files([61]))
        expect(page.locator("[data-form-photos] [data-upload-state=kept]")).to_have_count(1)
        page.locator("[data-save-visit]").click()
        expect(page.locator("[data-saved-notice]")).to_be_visible()
        save = page.locator("[data-save-visit]")
        expect(save).to_be_disabled()
        expect(save).to_have_text("已保存在本机")
        row = page.locator("[data-form-photos] [data-upload]")
        expect(row).to_have_attribute("data-upload-state", "queued")
        expect(row.locator(".upload-status")).to_have_text("等待发送")
        expect(row.locator("progress")).to_be_hidden()  # words, not an empty bar
        context.set_offline(False)
    finally:
        context.close()


def test_dates_read_and_are_typed_the_chinese_way_on_an_english_phone(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer,
) -> None:
    merchant_id, shop = owned_merchant(server.app)
    context = new_phone(browser, {**phone_profile, "locale": "en-US"}, server, shop)
    try:
        page = context.new_page()
        sign_in(page, MANAGER, f"/merchants/{merchant_id}/visits/new")
        open_section(page, "follow-up")
        field = page.locator("#follow_up_date")
        expect(field).to_have_attribute("placeholder", "2026年12月3日")
        field.fill("12月3日")
        field.blur()
        year = page.evaluate("() => new Date().getFullYear()")
        expect(field).to_have_value(f"{year}年12月3日")
        assert page.evaluate("() => xw.visitForm.body(document.getElementById('visit-form')).outcome.follow_up_date") \
            == f"{year}-12-03"
        field.fill("２０２７－１－９")
        field.blur()
        expect(field).to_have_value("2027年1月9日")
        field.fill("next tuesday")
        field.blur()
        expect(page.locator(".date-error")).to_contain_text("2026年12月3日")
        expect(field).to_have_attribute("aria-invalid", "true")
    finally:
        context.close()


def test_a_manager_tapping_a_photo_gets_the_lightbox(browser: Browser, phone_profile: dict[str, Any],
                                                     server: LiveServer,
                                                     inspected: tuple[int, tuple[float, float], str]) -> None:
    _, shop, visit_id = inspected
    context = new_phone(browser, phone_profile, server, shop)
    try:
        page = context.new_page()
        sign_in(page, MANAGER, f"/visits/{visit_id}")
        page.locator("#visit-photos [data-lightbox-open]").first.click()
        lightbox = page.locator("dialog[data-lightbox]")
        expect(lightbox).to_have_attribute("open", "")
        expect(lightbox.locator("[data-lightbox-image]")).to_have_attribute("src", re.compile(r"/display\.jpg$"))
        assert page.url.endswith(f"/visits/{visit_id}"), "the page stays; the photo opens above it"
        lightbox.locator("[data-lightbox-next]").click()
        expect(lightbox.locator("[data-lightbox-counter]")).to_contain_text("2")
        lightbox.locator("[data-lightbox-close]").click()
        expect(lightbox).not_to_have_attribute("open", "")
    finally:
        context.close()
