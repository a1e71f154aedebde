"""Open the phone's map app at a merchant, in that app's datum: AMap (GCJ-02), Baidu (BD-09), Apple Maps (WGS-84).

Stored coordinates are WGS-84 (webapp/geo/coords.py). AMap and Baidu read coordinates in their own datum, so a
WGS-84 point handed over as it is lands 300-600 m off (the wrong side of a market street); each link is converted
here for the app it opens. Apple Maps takes WGS-84 and does the conversion for its Chinese map itself, as it does
for the phone's own GNSS fix. The links are https: each opens the app when it is installed and the provider's web
map otherwise. Only coordinates leave the app, never the merchant's name (it may be a person's).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from webapp.geo.coords import CoordSystem, from_wgs84

# Baidu's URL API asks the calling app to name itself.
BAIDU_SOURCE = "webapp.xiaowei.fieldwork"


@dataclass(frozen=True)
class NavigationLink:
    """One map app and the URL that opens it at the point, in its datum."""

    app: str  # "amap", "baidu", "apple"
    datum: CoordSystem
    url: str
    lat: float  # the point as the app reads it
    lon: float


def _point(lat: float, lon: float, datum: CoordSystem) -> tuple[float, float]:
    shown = from_wgs84(lat, lon, datum)
    return round(shown[0], 6), round(shown[1], 6)


def navigation_links(lat: float, lon: float, label: str) -> list[NavigationLink]:
    """Links that open AMap, Baidu Maps and Apple Maps at a WGS-84 point (``label`` names the place in the apps
    that need a title: a generic word, never the merchant's name)."""
    links = []
    g_lat, g_lon = _point(lat, lon, "gcj02")
    links.append(NavigationLink("amap", "gcj02", "https://uri.amap.com/marker?" + urlencode({
        "position": f"{g_lon},{g_lat}", "name": label, "coordinate": "gaode", "callnative": "1"}), g_lat, g_lon))
    b_lat, b_lon = _point(lat, lon, "bd09")
    links.append(NavigationLink("baidu", "bd09", "https://api.map.baidu.com/marker?" + urlencode({
        "location": f"{b_lat},{b_lon}", "title": label, "content": label, "coord_type": "bd09ll", "output": "html",
        "src": BAIDU_SOURCE}), b_lat, b_lon))
    w_lat, w_lon = round(lat, 6), round(lon, 6)
    links.append(NavigationLink("apple", "wgs84", "https://maps.apple.com/?" + urlencode({
        "daddr": f"{w_lat},{w_lon}", "dirflg": "w"}), w_lat, w_lon))
    return links
