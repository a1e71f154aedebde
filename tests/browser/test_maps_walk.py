"""Maps that show something, in Chromium on a Pixel 7, with the default tile layer (AMap's GCJ-02 road map): its tiles
are asked for (and answered here with a blank tile: the tests run without the network), the markers sit where
GCJ-02 puts the shops, the phone's own position is shown and fitted with the stops, every marker's colour is in the
legend, the map never paints over the header or the tab bar, and a merchant page opens each map app in its datum."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Route, expect

from tests.browser.conftest import BLANK_TILE, LiveServer, new_phone, serve, sign_in
from tests.conftest import login_client
from tests.visit_helpers import new_id, now_iso, visit_body
from webapp.bank_time import bank_today
from webapp.config import DEFAULT_TILE_URL
from webapp.extensions import db
from webapp.geo.coords import from_wgs84
from webapp.models import Merchant, User, Visit

ME = "mgr2"


@pytest.fixture(scope="module")
def amap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with the tiles `make run` has: AMap's, in GCJ-02."""
    with serve(tmp_path_factory.mktemp("amap"), MAP_TILE_URL=DEFAULT_TILE_URL, MAP_TILE_DATUM="gcj02",
               MAP_TILE_ATTRIBUTION="© 高德地图 AutoNavi") as running:
        yield running


def _follow_up_today(server: LiveServer) -> Merchant:
    """A shop of mine whose follow-up is due today: a stop on Today's map. The shop is one nobody visited in the
    last two days (the demo's history varies with its date), so the visit below is its latest."""
    recent = datetime.now(UTC) - timedelta(hours=48)
    with server.app.app_context():
        visited = sa.select(Visit.merchant_id).where(Visit.started_at >= recent)
        shop = db.session.scalar(sa.select(Merchant).join(User, Merchant.owner_id == User.id).where(
            User.username == ME, Merchant.lat.is_not(None), Merchant.id.not_in(visited)).order_by(Merchant.id.desc()))
        assert shop is not None
        db.session.expunge(shop)
        db.session.remove()
    body = visit_body(shop.id, lead=ME, started_at=now_iso(-26 * 3600), lat=shop.lat, lon=shop.lon)
    body["checkin"]["captured_at"] = now_iso(-26 * 3600 + 60)
    body["outcome"]["follow_up_date"] = bank_today().isoformat()
    assert login_client(server.app, ME).api("PUT", f"/api/v1/visits/{new_id()}", json=body).status_code == 201
    return shop


def test_todays_map_shows_the_stops_and_me_on_amap_tiles(browser: Browser, phone_profile: dict[str, Any],
                                                         amap: LiveServer) -> None:
    shop = _follow_up_today(amap)
    assert shop.lat is not None and shop.lon is not None
    me = (shop.lat - 0.004, shop.lon - 0.003)  # a few hundred metres away
    context = new_phone(browser, phone_profile, amap, me)
    tiles: list[str] = []

    def tile(route: Route) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, body=BLANK_TILE, content_type="image/png")

    context.route(re.compile(r"^https://webrd0[1-4]\.is\.autonavi\.com/"), tile)
    try:
        page = context.new_page()
        sign_in(page, ME, "/today/")
        page.wait_for_function("() => document.querySelector('#today-route').dataset.fromPosition === 'yes'")
        page.wait_for_function("() => document.querySelectorAll('#today-map .leaflet-overlay-pane .xw-me').length === 1")
        assert tiles, "the default tile layer asked AMap for tiles"
        first = parse_qs(urlsplit(tiles[0]).query)
        assert first["style"] == ["8"] and {"x", "y", "z"} <= set(first)
        placed = page.evaluate("""(id) => {
          const out = [];
          const entry = xw.map.maps.get('today-map');
          const view = entry.map.getBounds();
          entry.layer.eachLayer((layer) => {
            if (!layer.getLatLng) return;
            const at = layer.getLatLng();
            out.push({ cls: layer.options.className, lat: at.lat, lon: at.lng, inView: view.contains(at) });
          });
          return out;
        }""", shop.id)
        gcj_shop, gcj_me = from_wgs84(shop.lat, shop.lon, "gcj02"), from_wgs84(*me, "gcj02")
        assert any(abs(p["lat"] - gcj_shop[0]) < 1e-6 and abs(p["lon"] - gcj_shop[1]) < 1e-6 for p in placed)
        mine = [p for p in placed if p["cls"] == "xw-me"]
        assert len(mine) == 1 and abs(mine[0]["lat"] - gcj_me[0]) < 1e-6 and abs(mine[0]["lon"] - gcj_me[1]) < 1e-6
        assert all(p["inView"] for p in placed), "the map fits the phone with the stops"

        # Every colour on the map is explained by the legend.
        fills = page.evaluate("""() => {
          const fill = (el) => getComputedStyle(el).fill;
          return {
            markers: Array.from(document.querySelectorAll('#today-map .leaflet-overlay-pane path.xw-marker, #today-map .leaflet-overlay-pane path.xw-me')).map(fill),
            legend: Array.from(document.querySelectorAll('.map-legend circle')).map(fill),
          };
        }""")
        assert fills["markers"] and set(fills["markers"]) <= set(fills["legend"]), fills

        # Scrolled under the header and above the tab bar, the map stays beneath them.
        page.evaluate("() => window.scrollTo(0, document.getElementById('today-map').getBoundingClientRect().top + window.scrollY - 30)")
        on_top = page.evaluate("""() => {
          const at = (el) => { const r = el.getBoundingClientRect(); return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); };
          return { header: Boolean(at(document.querySelector('header.topbar')).closest('header.topbar')),
                   tabs: Boolean(at(document.querySelector('nav.tabbar')).closest('nav.tabbar')) };
        }""")
        assert on_top == {"header": True, "tabs": True}
    finally:
        context.close()


def test_a_merchant_page_opens_the_map_apps_at_the_shop_in_their_datum(
    browser: Browser, phone_profile: dict[str, Any], amap: LiveServer
) -> None:
    with amap.app.app_context():
        shop = db.session.scalar(sa.select(Merchant).where(Merchant.lat.is_not(None)).order_by(Merchant.id))
        assert shop is not None and shop.lat is not None and shop.lon is not None
        point, shop_id = (shop.lat, shop.lon), shop.id
        db.session.remove()
    context = new_phone(browser, phone_profile, amap, point)
    try:
        page = context.new_page()
        sign_in(page, ME, f"/merchants/{shop_id}")
        links = page.locator("[data-navigate] a[data-navigate-app]")
        expect(links).to_have_count(3)
        amap_href = page.locator("a[data-navigate-app=amap]").get_attribute("href") or ""
        lon, lat = map(float, parse_qs(urlsplit(amap_href).query)["position"][0].split(","))
        expected = from_wgs84(*point, "gcj02")
        assert abs(lat - expected[0]) < 2e-6 and abs(lon - expected[1]) < 2e-6
        for index in range(3):
            box = links.nth(index).bounding_box()
            assert box and box["height"] >= 44
    finally:
        context.close()

