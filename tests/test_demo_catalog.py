"""The demo catalog must be stable and believable: the seed, screenshots and sweep-day demo rely on it."""
from __future__ import annotations

import math
import re
import statistics
from collections import Counter

import pytest

from webapp.demo.catalog import (
    BLOCKED_NAME_PARTS,
    DISTRICTS,
    INDUSTRIES,
    STATUSES,
    STREETS,
    SUB_BRANCHES,
    DemoMerchant,
    Street,
    demo_merchants,
)

PHONE_RE = re.compile(r"^1[35789]\d{9}$")
CODE_RE = re.compile(r"^HZ-(A[12])-\d{4}$")
ADDRESS_RE = re.compile(r"^杭州市(?P<admin>\w{2,3}区)(?P<street>\D+?)(?P<number>\d+)号$")
BBOX_LAT = (30.15, 30.40)
BBOX_LON = (119.95, 120.40)
M_PER_DEG = 111_320.0


@pytest.fixture(scope="module")
def merchants() -> list[DemoMerchant]:
    return demo_merchants()


def _located(merchants: list[DemoMerchant]) -> list[DemoMerchant]:
    return [m for m in merchants if m.lat is not None and m.lon is not None]


def _xy(lat: float, lon: float, ref_lat: float) -> tuple[float, float]:
    """Local flat metres; fine for the few kilometres a street spans."""
    return lon * M_PER_DEG * math.cos(math.radians(ref_lat)), lat * M_PER_DEG


def _distance_to_street(street: Street, lat: float, lon: float) -> float:
    px, py = _xy(lat, lon, lat)
    best = math.inf
    for a, b in zip(street.waypoints, street.waypoints[1:]):
        ax, ay = _xy(*a, lat)
        bx, by = _xy(*b, lat)
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best


def _street_of(merchant: DemoMerchant) -> tuple[Street, int]:
    match = ADDRESS_RE.match(merchant.address)
    assert match, merchant.address
    candidates = [
        s
        for s in STREETS
        if s.name == match["street"] and s.admin_district == match["admin"] and s.area == merchant.district
    ]
    assert len(candidates) == 1, merchant.address
    return candidates[0], int(match["number"])


def test_same_seed_same_catalog() -> None:
    assert demo_merchants() == demo_merchants()
    assert demo_merchants(2026) == demo_merchants()
    assert demo_merchants(7) != demo_merchants()


def test_size_and_split(merchants: list[DemoMerchant]) -> None:
    assert len(merchants) >= 300
    per_branch = Counter(m.sub_branch for m in merchants)
    assert set(per_branch) == set(SUB_BRANCHES) == {"A1", "A2"}
    assert 180 <= per_branch["A1"] <= 220
    assert 100 <= per_branch["A2"] <= 140


def test_codes_unique_and_match_sub_branch(merchants: list[DemoMerchant]) -> None:
    codes = [m.code for m in merchants]
    assert len(set(codes)) == len(codes)
    for m in merchants:
        match = CODE_RE.match(m.code)
        assert match and match.group(1) == m.sub_branch, m.code


def test_names_unique_within_sub_branch(merchants: list[DemoMerchant]) -> None:
    keys = [(m.sub_branch, m.name) for m in merchants]
    assert len(set(keys)) == len(keys)
    for m in merchants:
        assert 3 <= len(m.name) <= 30, m.name
        assert not any(part in m.name for part in BLOCKED_NAME_PARTS), m.name
        assert 2 <= len(m.contact_name) <= 4, m.contact_name


def test_phones_are_valid_mobiles(merchants: list[DemoMerchant]) -> None:
    phones = [m.phone for m in merchants]
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert PHONE_RE.match(phone), phone
        assert phone[:3] not in ("140", "141", "144", "146", "148")  # never data-only ranges
        assert not phone.startswith("1390571"), phone  # reserved for the demo staff accounts


def test_points_inside_hangzhou(merchants: list[DemoMerchant]) -> None:
    for m in _located(merchants):
        assert BBOX_LAT[0] <= m.lat <= BBOX_LAT[1], m
        assert BBOX_LON[0] <= m.lon <= BBOX_LON[1], m


def test_points_sit_beside_their_street(merchants: list[DemoMerchant]) -> None:
    for m in _located(merchants):
        street, _ = _street_of(m)
        assert street.sub_branch == m.sub_branch
        assert _distance_to_street(street, m.lat, m.lon) < 25.0, m


def test_a1_lies_west_of_a2(merchants: list[DemoMerchant]) -> None:
    a1 = [m.lon for m in _located(merchants) if m.sub_branch == "A1"]
    a2 = [m.lon for m in _located(merchants) if m.sub_branch == "A2"]
    a2_median = statistics.median(a2)
    assert statistics.median(a1) < a2_median
    assert sum(lon < a2_median for lon in a1) / len(a1) >= 0.95
    assert sum(lon < min(a2) for lon in a1) / len(a1) >= 0.9


def test_some_merchants_have_no_location(merchants: list[DemoMerchant]) -> None:
    for m in merchants:
        assert (m.lat is None) == (m.lon is None), m
    missing = [m for m in merchants if m.lat is None]
    assert 0.02 <= len(missing) / len(merchants) <= 0.06
    assert {m.sub_branch for m in missing} == {"A1", "A2"}
    assert all(m.address for m in missing)  # registered address, just no coordinates


def test_status_mix(merchants: list[DemoMerchant]) -> None:
    assert set(STATUSES) == {"prospect", "applicant", "customer", "borrower"}
    counts = Counter(m.status for m in merchants)
    assert set(counts) == set(STATUSES)
    shares = {status: counts[status] / len(merchants) for status in STATUSES}
    assert 0.50 <= shares["prospect"] <= 0.60
    assert 0.07 <= shares["applicant"] <= 0.13
    assert 0.16 <= shares["customer"] <= 0.24
    assert 0.12 <= shares["borrower"] <= 0.18
    for code in SUB_BRANCHES:
        assert {m.status for m in merchants if m.sub_branch == code} == set(STATUSES)


def test_districts_belong_to_their_sub_branch(merchants: list[DemoMerchant]) -> None:
    for m in merchants:
        assert m.district in DISTRICTS[m.sub_branch], m
    all_areas = [area for areas in DISTRICTS.values() for area in areas]
    assert len(set(all_areas)) == len(all_areas)  # no business area shared between sub-branches


def test_each_sub_branch_has_a_sweep_day_district(merchants: list[DemoMerchant]) -> None:
    per_district = Counter((m.sub_branch, m.district) for m in merchants)
    for code in SUB_BRANCHES:
        sizes = [n for (sb, _), n in per_district.items() if sb == code]
        assert any(25 <= n <= 60 for n in sizes), (code, sizes)
        assert max(sizes) <= 60, (code, sizes)


def test_industries_and_addresses(merchants: list[DemoMerchant]) -> None:
    assert len(set(INDUSTRIES)) == len(INDUSTRIES) >= 15
    for m in merchants:
        assert m.industry in INDUSTRIES, m
        _street_of(m)  # address parses and names a street of the table
    # The clothing market really is a clothing market.
    sijiqing = [m for m in merchants if m.district == "四季青服装市场"]
    assert sum(m.industry == "服装批发" for m in sijiqing) / len(sijiqing) >= 0.35


def test_house_numbers_grow_along_the_street(merchants: list[DemoMerchant]) -> None:
    by_street: dict[Street, list[tuple[int, float]]] = {}
    for m in _located(merchants):
        street, number = _street_of(m)
        start = street.waypoints[0]
        x0, y0 = _xy(*start, m.lat)
        x, y = _xy(m.lat, m.lon, m.lat)
        by_street.setdefault(street, []).append((number, math.hypot(x - x0, y - y0)))
    checked = 0
    for street, rows in by_street.items():
        if len(rows) < 5:
            continue
        rows.sort()
        # Pairwise order agreement (Kendall-style); side offsets and parity allow a little noise.
        pairs = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :] if a[0] != b[0]]
        agree = sum(b[1] >= a[1] - 30.0 for a, b in pairs)
        assert agree / len(pairs) >= 0.95, street.name
        checked += 1
    assert checked >= 10


def test_street_table_is_consistent() -> None:
    for street in STREETS:
        assert street.sub_branch in SUB_BRANCHES
        assert street.area in DISTRICTS[street.sub_branch]
        assert street.admin_district.endswith("区")
        assert len(street.waypoints) >= 2
        assert street.numbers[0] < street.numbers[1]
        for lat, lon in street.waypoints:
            assert BBOX_LAT[0] <= lat <= BBOX_LAT[1] and BBOX_LON[0] <= lon <= BBOX_LON[1]
    for code, areas in DISTRICTS.items():
        for area in areas:
            assert any(s.area == area and s.sub_branch == code for s in STREETS), area
