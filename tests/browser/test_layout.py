"""Every role's pages on a Pixel 7: nothing wider than the screen, tab labels that never wrap, every control at least
44 x 44 CSS px, squads and figures that never break inside a name or number; and a screenshot of each role's main
screens in test-artifacts/screenshots/ (README, "Screens") for a person to look at.

The pages are found as a person finds them: from the role's tabs and its "More" page, following the links of
each page one step further, one page per kind (/merchants/12 stands for every merchant page). The server is this
module's own, with a day of work in it (a visit with photos, a squad visit waiting for a confirmation, a sweep day
today), so the detail pages have something to lay out.
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, new_phone, sign_in
from tests.browser.layout_checks import SCREENSHOTS, page_links, pattern, problems
from tests.conftest import login_client
from tests.visit_helpers import jpeg_bytes
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import Merchant, SweepDay, User
from webapp.photos.write import PhotoFields, put_photo
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext

ROLES = {"manager": "mgr1", "team_lead": "lead1", "reviewer": "reviewer1", "admin": "admin"}
PAGES_PER_ROLE = 28


def _visit(server: LiveServer, lead: str, merchant: Merchant, *, support: str | None, photos: int,
           hours_ago: float) -> str:
    """A visit through the write functions the API uses, checked in at the shop."""
    now = datetime.now(UTC)
    started = now - timedelta(hours=hours_ago)
    visit_id = str(uuid.uuid4())
    with server.app.test_request_context():
        actor = db.session.scalar(sa.select(User).where(User.username == lead))
        assert actor is not None
        ctx = WriteContext(actor=actor, now=now)
        put_visit(ctx, visit_id, {
            "merchant_id": merchant.id, "kind": "marketing",
            "squad": {"lead": lead, "support": support, "observer": None},
            "started_at": started.isoformat(timespec="seconds"),
            "checkin": {"lat": merchant.lat, "lon": merchant.lon, "accuracy_m": 12.5,
                        "captured_at": (started + timedelta(minutes=1)).isoformat(timespec="seconds")},
            "outcome": {"effective": True, "deals": ["credit_card"], "next_step": "下周带申请表再来",
                        "application": {"product": "经营贷", "amount": 300000}},
            "notes": {"lead": "老板有扩店打算"},
        })
        for index in range(photos):
            put_photo(ctx, visit_id, str(uuid.uuid4()), jpeg_bytes(7000 + index + int(hours_ago * 10), (1200, 900)),
                      PhotoFields(category="premises",
                                  captured_at=(started + timedelta(minutes=2 + index)).isoformat(timespec="seconds")))
        db.session.commit()
        db.session.remove()
    return visit_id


@pytest.fixture(scope="module")
def workday(server: LiveServer) -> LiveServer:
    """A day of work on this module's server: mgr1's visit with photos, mgr2's squad visit that mgr1 has to
    confirm, and lead1's sweep day today (the demo's, or one over the district with most of mgr1's merchants)."""
    with server.app.app_context():
        shops = {name: list(db.session.scalars(
            sa.select(Merchant).join(User, Merchant.owner_id == User.id)
            .where(User.username == name, Merchant.lat.is_not(None)).order_by(Merchant.id).limit(2)))
            for name in ("mgr1", "mgr2")}
        for merchants in shops.values():
            for merchant in merchants:
                db.session.expunge(merchant)
        district = db.session.scalar(
            sa.select(Merchant.district).join(User, Merchant.owner_id == User.id)
            .where(User.username == "mgr1").group_by(Merchant.district).order_by(sa.func.count().desc()).limit(1))
        db.session.remove()
    _visit(server, "mgr1", shops["mgr1"][0], support=None, photos=2, hours_ago=3)
    _visit(server, "mgr2", shops["mgr2"][0], support="mgr1", photos=1, hours_ago=2)
    with server.app.app_context():
        lead1 = db.session.scalar(sa.select(User).where(User.username == "lead1"))
        assert lead1 is not None
        planned = db.session.scalar(sa.select(SweepDay.id).where(
            SweepDay.team_id == lead1.team_id, SweepDay.sweep_date == bank_today()))
        db.session.remove()
    if planned is None:  # the lived-in demo has today's sweep day under way; plan one where it has not
        response = login_client(server.app, "lead1").post("/sweeps/new", {
            "sweep_date": bank_today().isoformat(), "title": "扫街", "district": district,
            "target_consultations": "5", "target_applications": "2", "target_deals": "1"})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return server


def crawl(page: Page, origin: str, role: str) -> list[str]:
    """Open the role's tabs and "More", screenshot them, then every page they link to (one per kind), and
    collect what each page breaks."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    main: list[str] = page.evaluate(
        "() => Array.from(document.querySelectorAll('nav.tabbar a.tab')).map(a => a.pathname)")
    found: list[str] = []
    seen: set[str] = set()
    queue = list(main)
    for index, url in enumerate(main):
        page.goto(url)
        page.wait_for_load_state("load")
        key = pattern(url).strip("/").replace("/", "-").replace("{id}", "id") or "home"
        page.screenshot(path=str(SCREENSHOTS / f"{role}-{index + 1}-{key}.png"), full_page=False)
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.pop(0)
        if pattern(url) in seen:
            continue
        seen.add(pattern(url))
        response = page.goto(url)
        if response is None or response.status >= 400:
            continue
        page.wait_for_load_state("load")
        found += problems(page)
        queue += [link for link in page_links(page, origin) if pattern(link) not in seen]
    return found


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_the_phone_and_every_control_the_thumb(
    browser: Browser, phone_profile: dict[str, Any], workday: LiveServer, role: str
) -> None:
    context = new_phone(browser, phone_profile, workday)
    try:
        page = context.new_page()
        sign_in(page, ROLES[role])
        tabs = page.locator("nav.tabbar a.tab")
        assert 2 <= tabs.count() <= 5
        found = crawl(page, workday.url, role)
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_a_wide_screen_shows_the_queue_and_a_visits_photo_log_side_by_side(
    browser: Browser, workday: LiveServer
) -> None:
    """The reviewer's desktop: the filters folded above the first result, the queue on the left, the visit opened
    from it on the right with its photo log, its address in the bar (a reload opens the visit's own page)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", base_url=workday.url)
    try:
        page = context.new_page()
        sign_in(page, "reviewer1", "/review/")
        panel = page.locator("details.filter-panel")
        assert panel.get_attribute("open") is None
        assert page.locator("[data-review-row]").first.bounding_box()["y"] < 900, \
            "the first result is on the first screen"  # type: ignore[index]
        # The first visit with photos (the lived-in demo has visits without any, saved with no camera).
        first_row = page.locator("[data-review-row]").filter(has_not=page.locator("[data-no-photos]")).first
        first_row.locator("[data-open-review]").click()
        pane = page.locator("[data-review-pane]")
        photos = pane.locator(".review-photos .photo-with-evidence")
        photos.first.wait_for()
        visit_id = first_row.get_attribute("data-review-row")
        page.wait_for_url(re.compile(rf"/review/visits/{visit_id}\?back="))
        rows_box, pane_box = page.locator("#review-results").bounding_box(), pane.bounding_box()
        assert rows_box and pane_box and pane_box["x"] >= rows_box["x"] + rows_box["width"] - 1
        page.screenshot(path=str(SCREENSHOTS / "reviewer-desktop-queue-and-visit.png"))
        page.reload()
        page.locator(".review-visit .review-photos").wait_for()
        assert page.locator("[data-review-pane]").count() == 0
    finally:
        context.close()
