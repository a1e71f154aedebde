"""Maps that show something: a default GCJ-02 tile layer for China (configurable), the CSP that lets exactly its
hosts in, navigation links in each map app's datum, and Today's markers (stops, what was visited, the phone)."""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from tests.factories import WULIN, World
from webapp.config import DEFAULT_TILE_URL, default_config
from webapp.geo.coords import from_wgs84
from webapp.geo.navigation import navigation_links
from webapp.security import _origin


def test_the_default_tiles_are_amaps_gcj02_road_map() -> None:
    config = default_config("/tmp/instance")
    assert config["MAP_TILE_URL"] == DEFAULT_TILE_URL and "autonavi.com" in DEFAULT_TILE_URL
    assert config["MAP_TILE_DATUM"] == "gcj02" and "高德" in config["MAP_TILE_ATTRIBUTION"]


@pytest.mark.parametrize(("template", "origin"), [
    (DEFAULT_TILE_URL, "https://*.is.autonavi.com"),
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}", "https://*.tianditu.gov.cn"),
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://tiles.bank.example/{z}/{x}/{y}.png", "https://tiles.bank.example"),
    ("/_tiles/{z}/{x}/{y}.png", ""),
    ("", ""),
])
def test_the_csp_names_the_tile_hosts_with_a_valid_wildcard(template: str, origin: str) -> None:
    assert _origin(template) == origin


def test_the_pages_carry_the_default_tiles_and_their_hosts_in_the_csp(app: Flask, world: World, login: Any) -> None:
    app.config.update(MAP_TILE_URL=DEFAULT_TILE_URL, MAP_TILE_DATUM="gcj02", MAP_TILE_ATTRIBUTION="© 高德地图")
    response = login("mgr1").get("/today/")
    html = response.get_data(as_text=True)
    assert 'data-datum="gcj02"' in html and "webrd0{s}.is.autonavi.com" in html
    assert "https://*.is.autonavi.com" in response.headers["Content-Security-Policy"]


def test_navigation_links_open_each_app_in_its_own_datum() -> None:
    links = {link.app: link for link in navigation_links(WULIN[0], WULIN[1], "商户")}
    assert set(links) == {"amap", "baidu", "apple"}
    gcj, bd = from_wgs84(*WULIN, "gcj02"), from_wgs84(*WULIN, "bd09")
    amap = parse_qs(urlsplit(links["amap"].url).query)
    lon, lat = map(float, amap["position"][0].split(","))
    assert (lat, lon) == pytest.approx(gcj, abs=1e-6) and amap["coordinate"] == ["gaode"]
    baidu = parse_qs(urlsplit(links["baidu"].url).query)
    assert tuple(map(float, baidu["location"][0].split(","))) == pytest.approx(bd, abs=1e-6)
    assert baidu["coord_type"] == ["bd09ll"]
    apple = parse_qs(urlsplit(links["apple"].url).query)
    assert tuple(map(float, apple["daddr"][0].split(","))) == pytest.approx(WULIN, abs=1e-6)
    # GCJ-02 and BD-09 are hundreds of metres from WGS-84 here: handing one app another's datum would be wrong.
    assert abs(gcj[0] - WULIN[0]) + abs(gcj[1] - WULIN[1]) > 0.003
    assert all(link.url.startswith("https://") for link in links.values())


def test_a_merchant_page_offers_navigation_instead_of_raw_coordinates(app: Flask, world: World, login: Any) -> None:
    html = login("mgr1").get(f"/merchants/{world.merchants['a1_owned']}").get_data(as_text=True)
    assert html.count("data-navigate-app=") == 3
    assert 'data-navigate-app="amap" data-datum="gcj02"' in html and 'data-datum="bd09"' in html
    assert "(WGS-84" not in html
    # No registered place: nothing to navigate to.
    assert "data-navigate-app" not in login("mgr1").get(
        f"/merchants/{world.merchants['a1_unlocated']}").get_data(as_text=True)


def test_todays_map_has_a_key_for_every_kind_of_marker(app: Flask, world: World, login: Any) -> None:
    html = login("mgr1").get(f"/today/?lat={WULIN[0]}&lon={WULIN[1]}").get_data(as_text=True)
    legend = re.findall(r'<circle class="([^"]+)"', html.split('class="map-legend')[1].split("</ul>")[0])
    assert legend == ["xw-marker state-pending seq-stop", "xw-marker state-visited", "xw-me"]
    partial = login("mgr1").htmx_get(f"/today/route?lat={WULIN[0]}&lon={WULIN[1]}").get_data(as_text=True)
    markers = json.loads(re.search(r'data-markers="([^"]*)"', partial).group(1).replace("&#34;", '"'))  # type: ignore[union-attr]
    assert markers[0]["state"] == "me"
