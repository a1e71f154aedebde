"""Datum conversion against published reference points.

Every reference pair below is copied from a public source named next to it;
all are given here as (lat, lon) even where the source writes lon, lat.
"""

from __future__ import annotations

import math
import random

import pytest
from geopy.distance import geodesic

from webapp.geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    valid_lat_lon,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

Pair = tuple[float, float]

GCJ_SRC_EVIL = 'github.com/googollee/eviltransform python/test.py'
GCJ_SRC_AMAP = ('AMap Web service coordinate-convert example (coordsys=gps), '
                'https://lbs.amap.com/api/webservice/guide/api/convert, response as '
                'mirrored at https://apifox.com/apidoc/project-759159/api-14671355')
GCOORD = 'github.com/hujiulong/gcoord test/fixtures/china-cities.json'
ALIYUN = ('Alibaba Cloud address purification TransferCoord example, '
          'https://help.aliyun.com/zh/address-purification/addrpapi/developer-reference/'
          'coordinate-system-conversion')
GEOCHINA = ('R package geoChina conv() docs, Beijing railway station, '
            'https://rdocumentation.org/packages/geoChina/versions/1.3.0/topics/conv')
WANDERGIS = 'github.com/wandergis/coordtransform README.md'

# (place, WGS-84, GCJ-02, source)
GCJ02_REFERENCES: list[tuple[str, Pair, Pair, str]] = [
    # googollee/eviltransform python/test.py, TESTS list
    ('Shanghai', (31.1774276, 121.5272106), (31.17530398364597, 121.531541859215), GCJ_SRC_EVIL),
    ('Shenzhen', (22.543847, 113.912316), (22.540796131694766, 113.9171764808363), GCJ_SRC_EVIL),
    ('Beijing', (39.911954, 116.377817), (39.91334545536069, 116.38404722455657), GCJ_SRC_EVIL),
    # AMap's own convert API: input 116.481499,39.990475 gps -> 116.487585177952,39.991754014757
    ('Beijing Wangjing (AMap API)', (39.990475, 116.481499),
     (39.991754014757, 116.487585177952), GCJ_SRC_AMAP),
    # hujiulong/gcoord test/fixtures/china-cities.json, "WGS84" and "GCJ02" fields
    ('Zhengzhou', (34.7478004, 113.6192856), (34.7466173, 113.6253334), GCOORD),
    ('Shenyang', (41.8032629, 123.4253306), (41.8057023, 123.4314787), GCOORD),
    ('Quanzhou', (24.8770487, 118.6711365), (24.8741363, 118.6756787), GCOORD),
    ('Jinhua', (29.0820414, 119.6427465), (29.0790641, 119.6474509), GCOORD),
    ('Jiuquan', (39.7319946, 98.4937175), (39.7328234, 98.4943595), GCOORD),
    ('Nagqu', (31.4784436, 92.0499619), (31.4762063, 92.0512438), GCOORD),
    # Aliyun doc example: GCJ02 120.026268,30.279164 -> WGS84 120.021519,30.281543
    ('Hangzhou Yuhang (Aliyun)', (30.281543, 120.021519), (30.279164, 120.026268), ALIYUN),
    # geoChina docs: WGS-84 (39.90105, 116.42079), GCJ-02 (39.90245, 116.42703)
    ('Beijing railway station', (39.90105, 116.42079), (39.90245, 116.42703), GEOCHINA),
]

# Pairs whose GCJ-02 side was produced by running a WGS-84 input forward
# (library test vectors and AMap's gps->GCJ API).  For these the exact
# inverse must land on the WGS input; the common one-step approximation
# misses them by 0.3-2.7 m, so this is what proves we iterate.
GCJ02_FORWARD_REFERENCES = [r for r in GCJ02_REFERENCES if r[3] in (GCJ_SRC_EVIL, GCJ_SRC_AMAP)]

# (place, WGS-84, BD-09, source)
BD09_REFERENCES: list[tuple[str, Pair, Pair, str]] = [
    # hujiulong/gcoord test/fixtures/china-cities.json, "WGS84" and "BD09" fields
    ('Zhumadian', (33.0133556, 114.0164322), (33.0176697, 114.0287781), GCOORD),
    ('Zhengzhou', (34.7478004, 113.6192856), (34.7528605, 113.6317519), GCOORD),
    ('Shenyang', (41.8032629, 123.4253306), (41.8114013, 123.438095), GCOORD),
    ('Shantou', (23.3567569, 116.6775114), (23.3598884, 116.6885014), GCOORD),
    ('Xichang', (27.8850446, 102.2658401), (27.8876621, 102.2738428), GCOORD),
    ('Xilinhot', (43.9312805, 116.0414035), (43.9397782, 116.0546232), GCOORD),
    # Aliyun doc example: BD09 120.032768,30.285238 / WGS84 120.021519,30.281543
    ('Hangzhou Yuhang (Aliyun)', (30.281543, 120.021519), (30.285238, 120.032768), ALIYUN),
    # geoChina docs: WGS-84 (39.90105, 116.42079), BD-09 (39.90851, 116.43351)
    ('Beijing railway station', (39.90105, 116.42079), (39.90851, 116.43351), GEOCHINA),
]

# (place, GCJ-02, BD-09, source)
BD09_GCJ02_REFERENCES: list[tuple[str, Pair, Pair, str]] = [
    # wandergis/coordtransform README: bd09togcj02(116.404, 39.915) ->
    # [116.39762729119315, 39.90865673957631]
    ('Beijing Tiananmen (bd->gcj)', (39.90865673957631, 116.39762729119315),
     (39.915, 116.404), WANDERGIS),
    # same README: gcj02tobd09(116.404, 39.915) -> [116.41036949371029, 39.92133699351021]
    ('Beijing Tiananmen (gcj->bd)', (39.915, 116.404),
     (39.92133699351021, 116.41036949371029), WANDERGIS),
    ('Hangzhou Yuhang (Aliyun)', (30.279164, 120.026268), (30.285238, 120.032768), ALIYUN),
    ('Quanzhou', (24.8741363, 118.6756787), (24.8804872, 118.6821251), GCOORD),
    ('Nagqu', (31.4762063, 92.0512438), (31.4824421, 92.0576832), GCOORD),
]


def _m(a: Pair, b: Pair) -> float:
    return geodesic(a, b).meters


def _ids(refs: list[tuple[str, Pair, Pair, str]]) -> list[str]:
    return [r[0] for r in refs]


# --- published reference points -------------------------------------------

@pytest.mark.parametrize(('place', 'wgs', 'gcj', 'source'), GCJ02_REFERENCES,
                         ids=_ids(GCJ02_REFERENCES))
def test_gcj02_to_wgs84_matches_published_point(place: str, wgs: Pair, gcj: Pair,
                                                source: str) -> None:
    assert _m(gcj02_to_wgs84(*gcj), wgs) < 2.0, source
    assert _m(to_wgs84(*gcj, 'gcj02'), wgs) < 2.0, source


@pytest.mark.parametrize(('place', 'wgs', 'gcj', 'source'), GCJ02_REFERENCES,
                         ids=_ids(GCJ02_REFERENCES))
def test_wgs84_to_gcj02_matches_published_point(place: str, wgs: Pair, gcj: Pair,
                                                source: str) -> None:
    assert _m(wgs84_to_gcj02(*wgs), gcj) < 2.0, source
    assert _m(from_wgs84(*wgs, 'gcj02'), gcj) < 2.0, source


@pytest.mark.parametrize(('place', 'wgs', 'gcj', 'source'), GCJ02_FORWARD_REFERENCES,
                         ids=_ids(GCJ02_FORWARD_REFERENCES))
def test_gcj02_inverse_is_exact_on_forward_generated_pairs(place: str, wgs: Pair, gcj: Pair,
                                                           source: str) -> None:
    assert _m(gcj02_to_wgs84(*gcj), wgs) < 0.1, source


def test_wgs84_to_gcj02_reproduces_library_vectors_to_1e_6_degree() -> None:
    for _, wgs, gcj, source in GCJ02_REFERENCES:
        if source != GCJ_SRC_EVIL:
            continue
        lat, lon = wgs84_to_gcj02(*wgs)
        assert lat == pytest.approx(gcj[0], abs=1e-6)
        assert lon == pytest.approx(gcj[1], abs=1e-6)


@pytest.mark.parametrize(('place', 'wgs', 'bd', 'source'), BD09_REFERENCES,
                         ids=_ids(BD09_REFERENCES))
def test_bd09_to_wgs84_matches_published_point(place: str, wgs: Pair, bd: Pair,
                                               source: str) -> None:
    assert _m(bd09_to_wgs84(*bd), wgs) < 2.0, source
    assert _m(to_wgs84(*bd, 'bd09'), wgs) < 2.0, source


@pytest.mark.parametrize(('place', 'wgs', 'bd', 'source'), BD09_REFERENCES,
                         ids=_ids(BD09_REFERENCES))
def test_wgs84_to_bd09_matches_published_point(place: str, wgs: Pair, bd: Pair,
                                               source: str) -> None:
    assert _m(wgs84_to_bd09(*wgs), bd) < 2.0, source
    assert _m(from_wgs84(*wgs, 'bd09'), bd) < 2.0, source


@pytest.mark.parametrize(('place', 'gcj', 'bd', 'source'), BD09_GCJ02_REFERENCES,
                         ids=_ids(BD09_GCJ02_REFERENCES))
def test_bd09_gcj02_matches_published_point(place: str, gcj: Pair, bd: Pair,
                                            source: str) -> None:
    # BD-09 <-> GCJ-02 is pure arithmetic, so published pairs agree to centimetres.
    assert _m(bd09_to_gcj02(*bd), gcj) < 0.1, source
    assert _m(gcj02_to_bd09(*gcj), bd) < 0.1, source


# --- round trips ----------------------------------------------------------

def _china_sample(n: int, seed: int) -> list[Pair]:
    """Random points over populated China plus a grid across the whole box."""
    rng = random.Random(seed)
    pts = [(rng.uniform(18.0, 53.5), rng.uniform(73.5, 134.8)) for _ in range(n)]
    pts += [(lat, lon) for lat in range(4, 56, 4) for lon in range(74, 136, 5)]
    return pts


def test_round_trip_wgs_gcj_wgs_within_1_cm() -> None:
    worst = 0.0
    for wgs in _china_sample(400, seed=7):
        assert in_china(*wgs)
        back = gcj02_to_wgs84(*wgs84_to_gcj02(*wgs))
        worst = max(worst, _m(wgs, back))
    assert worst < 0.01


def test_round_trip_gcj_wgs_gcj_within_1_cm() -> None:
    for gcj in _china_sample(200, seed=8):
        assert _m(gcj, wgs84_to_gcj02(*gcj02_to_wgs84(*gcj))) < 0.01


def test_round_trip_wgs_bd_wgs_within_1_cm() -> None:
    for wgs in _china_sample(200, seed=9):
        assert _m(wgs, bd09_to_wgs84(*wgs84_to_bd09(*wgs))) < 0.01


def test_round_trip_via_dispatchers() -> None:
    for wgs in _china_sample(50, seed=10):
        for system in ('wgs84', 'gcj02', 'bd09'):
            assert _m(wgs, to_wgs84(*from_wgs84(*wgs, system), system)) < 0.01


def test_offset_size_is_plausible_in_china() -> None:
    # GCJ-02 moves points by hundreds of metres in China, never kilometres.
    for wgs in _china_sample(100, seed=11):
        shift = _m(wgs, wgs84_to_gcj02(*wgs))
        assert 1.0 < shift < 1500.0


# --- outside China --------------------------------------------------------

OUTSIDE_CHINA = [
    (51.5007, -0.1246),     # London
    (40.7128, -74.0060),    # New York
    (35.6812, 139.7671),    # Tokyo (east of the box)
    (-33.8568, 151.2153),   # Sydney
    (55.7539, 37.6208),     # Moscow (west of the box)
    (0.0, 100.0),           # south of the box
    (60.0, 100.0),          # north of the box
]


@pytest.mark.parametrize('point', OUTSIDE_CHINA)
def test_points_outside_china_are_unchanged(point: Pair) -> None:
    assert not in_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
    assert to_wgs84(*point, 'gcj02') == point
    assert from_wgs84(*point, 'gcj02') == point
    assert to_wgs84(*point, 'wgs84') == point


def test_in_china_covers_major_cities() -> None:
    for city in [(39.9042, 116.4074), (31.2304, 121.4737), (30.2741, 120.1551),
                 (23.1291, 113.2644), (43.8256, 87.6168), (29.6520, 91.1721)]:
        assert in_china(*city)


# --- validation -----------------------------------------------------------

@pytest.mark.parametrize(('lat', 'lon'), [
    (math.nan, 120.0), (30.0, math.nan), (math.inf, 120.0), (30.0, -math.inf),
    (91.0, 120.0), (-90.0001, 120.0), (30.0, 180.5), (30.0, -181.0),
    ('abc', 120.0), (None, 120.0), (True, 120.0),
])
def test_invalid_lat_lon_detected(lat: object, lon: object) -> None:
    assert not valid_lat_lon(lat, lon)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_wgs84(lat, lon, 'gcj02')  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        from_wgs84(lat, lon, 'bd09')  # type: ignore[arg-type]


@pytest.mark.parametrize(('lat', 'lon'), [
    (90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (30.2741, 120.1551), (30, 120),
])
def test_valid_lat_lon_accepts_bounds(lat: float, lon: float) -> None:
    assert valid_lat_lon(lat, lon)


def test_unknown_system_rejected() -> None:
    with pytest.raises(ValueError):
        to_wgs84(30.0, 120.0, 'mapbar')  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        from_wgs84(30.0, 120.0, 'WGS84')  # type: ignore[arg-type]


def test_wgs84_identity() -> None:
    assert to_wgs84(30.2741, 120.1551, 'wgs84') == (30.2741, 120.1551)
    assert from_wgs84(30.2741, 120.1551, 'wgs84') == (30.2741, 120.1551)
