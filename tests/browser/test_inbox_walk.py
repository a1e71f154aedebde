"""Needs your action, on a Pixel 7: a squad visit waiting for my confirmation and a visit the reviewer sent back
appear in my inbox with the count on its tab, each opens where it is done, and each leaves the inbox once done."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, new_phone, sign_in, wait_for_app
from tests.conftest import login_client
from tests.review_helpers import decision
from tests.visit_helpers import jpeg_bytes, new_id, photo_form, visit_body
from webapp.extensions import db
from webapp.models import Merchant, User

ME = "mgr6"


def _shop(server: LiveServer, owner: str) -> Merchant:
    with server.app.app_context():
        merchant = db.session.scalar(sa.select(Merchant).join(User, Merchant.owner_id == User.id).where(
            User.username == owner, Merchant.lat.is_not(None)).order_by(Merchant.id))
        assert merchant is not None
        db.session.expunge(merchant)
        db.session.remove()
        return merchant


def _visit(server: LiveServer, lead: str, merchant: Merchant, support: str | None = None) -> str:
    """A visit with one photo through the JSON API, as the lead's phone sends it."""
    phone = login_client(server.app, lead)
    visit_id = new_id()
    body = visit_body(merchant.id, lead=lead, support=support, lat=merchant.lat, lon=merchant.lon)
    assert phone.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    response = phone.api("PUT", f"/api/v1/visits/{visit_id}/photos/{new_id()}",
                         data=photo_form(jpeg_bytes(hash(visit_id) % 10_000)), content_type="multipart/form-data")
    assert response.status_code == 201
    return visit_id


KINDS = "[data-inbox-kind=squad_confirmation], [data-inbox-kind=visit_sent_back]"


def _inbox(page: Page) -> Any:
    """This walk's items in the inbox (the demo gives the manager post-loan checks as well)."""
    page.goto("/inbox/")
    return page.locator(f"[data-inbox] .inbox-item:is({KINDS})")


def _others(page: Page) -> int:
    return page.locator(f"[data-inbox] .inbox-item:not({KINDS})").count()


def _badge(page: Page) -> Any:
    return page.locator("nav.tabbar [data-tab=inbox] .inbox-count")


def test_a_confirmation_and_a_sent_back_visit_come_and_go(browser: Browser, phone_profile: dict[str, Any],
                                                          server: LiveServer) -> None:
    shop = _shop(server, ME)
    squad_visit = _visit(server, "mgr5", _shop(server, "mgr5"), support=ME)
    own_visit = _visit(server, ME, shop)
    context = new_phone(browser, phone_profile, server, (shop.lat, shop.lon))  # type: ignore[arg-type]
    try:
        page = context.new_page()
        sign_in(page, ME)
        wait_for_app(page)
        items = _inbox(page)
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-inbox-kind", "squad_confirmation")
        others = _others(page)
        expect(_badge(page)).to_have_text(str(others + 1))

        # The reviewer sends my own visit back: it joins the inbox, the tab says 2.
        assert decision(login_client(server.app, "reviewer1"), own_visit, "send_back", "门头照片模糊，请重拍").status_code == 303
        items = _inbox(page)
        expect(items).to_have_count(2)
        expect(_badge(page)).to_have_text(str(others + 2))
        sent_back = page.locator("[data-inbox-kind=visit_sent_back]")
        expect(sent_back).to_contain_text("门头照片模糊，请重拍")

        # Confirming my part of the squad visit: from the inbox to the form, check in, confirm; it leaves.
        page.locator("[data-inbox-kind=squad_confirmation] a").click()
        page.wait_for_url(f"**/visits/{squad_visit}#confirm-form")
        form = page.locator("form[data-confirm-form]")
        form.locator("[data-checkin-start]").click()
        expect(form.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted")
        form.locator("[data-confirm-part]").click()
        expect(page.locator(f"[data-member={ME}]")).to_have_attribute("data-confirmed", "yes")
        items = _inbox(page)
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-inbox-kind", "visit_sent_back")
        expect(_badge(page)).to_have_text(str(others + 1))

        # The sent-back visit: to the visit, resubmit; it leaves, and the tab counts only the others.
        page.locator("[data-inbox-kind=visit_sent_back] a").click()
        page.wait_for_url(f"**/visits/{own_visit}")
        page.locator("#resubmit-note").fill("已重拍门头")
        page.locator("[data-resubmit]").click()
        expect(page.locator("#review-status")).to_have_attribute("data-review-state", "received")
        expect(_inbox(page)).to_have_count(0)
        if others:
            expect(_badge(page)).to_have_text(str(others))
        else:
            expect(page.locator("[data-inbox-empty]")).to_be_visible()
            expect(_badge(page)).to_have_count(0)
    finally:
        context.close()
