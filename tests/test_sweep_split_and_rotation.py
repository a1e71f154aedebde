"""The planning layer's pure parts: squads of three, the split among squads, point-in-polygon, the rotation,
and targets shared among squads. (tests/test_routing.py covers split_balanced and route_order themselves.)"""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from geopy.distance import geodesic

from webapp.bank_time import day_bounds
from webapp.sweeps.board import share_target
from webapp.sweeps.planning import (
    Point,
    form_squads,
    in_group_distance_m,
    point_in_polygon,
    split_among,
    squad_count_bounds,
    walk_order,
)
from webapp.sweeps.rotation import cycle_dates, ordered_districts, schedule

WULIN = (30.2741, 120.1636)


def offset(origin: Point, metres: float, bearing: float) -> Point:
    p = geodesic(meters=metres).destination(origin, bearing)
    return (p.latitude, p.longitude)


def clustered_district(seed: int, clusters: int = 3, per_cluster: int = 7) -> list[Point]:
    """Shops around a few street corners 1.5 km apart, shuffled as a database would return them."""
    rng = random.Random(seed)
    corners = [offset(WULIN, 1500.0 * k, 60.0 * k) for k in range(clusters)]
    points = [offset(c, rng.uniform(0, 150), rng.uniform(0, 360)) for c in corners for _ in range(per_cluster)]
    rng.shuffle(points)
    return points


def round_robin(n: int, k: int) -> list[list[int]]:
    return [list(range(g, n, k)) for g in range(k)]


# --- squads ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "sizes"),
    [(1, [1]), (2, [2]), (3, [3]), (4, [2, 2]), (5, [3, 2]), (6, [3, 3]), (7, [3, 2, 2]), (9, [3, 3, 3]),
     (10, [3, 3, 2, 2])],
)
def test_squads_of_three_then_pairs_and_everyone_in_one(people: int, sizes: list[int]) -> None:
    members = list(range(100, 100 + people))
    rows = form_squads(members)
    assert [sum(1 for p in row if p is not None) for row in rows] == sizes
    placed = [p for row in rows for p in row if p is not None]
    assert sorted(placed) == members  # everyone not on duty is in exactly one squad
    assert all(row[0] is not None for row in rows)  # every squad has a lead


def test_squad_count_is_kept_within_three_to_a_squad_and_one_per_person() -> None:
    assert squad_count_bounds(7) == (3, 7)
    assert len(form_squads(list(range(7)), 5)) == 5
    assert len(form_squads(list(range(7)), 1)) == 3  # never four in a squad
    assert len(form_squads(list(range(7)), 99)) == 7
    assert form_squads([]) == []


def test_roles_fill_lead_support_observer_in_order() -> None:
    assert form_squads([1, 2, 3, 4, 5]) == [(1, 2, 3), (4, 5, None)]


# --- the split among squads -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_split_places_each_merchant_once_balanced_and_compact(seed: int) -> None:
    points = clustered_district(seed)
    groups = split_among(points, 3)
    assert sorted(i for g in groups for i in g) == list(range(len(points)))
    sizes = [len(g) for g in groups]
    assert max(sizes) - min(sizes) <= 1
    assert in_group_distance_m(points, groups) < in_group_distance_m(points, round_robin(len(points), 3))


def test_split_recovers_the_street_corners() -> None:
    points = clustered_district(7)
    groups = split_among(points, 3)
    corners = [offset(WULIN, 1500.0 * k, 60.0 * k) for k in range(3)]
    for group in groups:
        nearest = {min(range(3), key=lambda c: geodesic(points[i], corners[c]).m) for i in group}
        assert len(nearest) == 1, "a squad's merchants should all be around one corner"


def test_unlocated_merchants_go_to_the_smallest_squads_keeping_balance() -> None:
    points: list[Point | None] = list(clustered_district(1, clusters=2, per_cluster=5))  # 10 located
    points[3:3] = [None]
    points.append(None)
    groups = split_among(points, 3)
    assert sorted(i for g in groups for i in g) == list(range(len(points)))
    assert sorted(len(g) for g in groups) == [4, 4, 4]  # 10 located split 4-3-3, then one each to the 3s
    unlocated = [i for i, p in enumerate(points) if p is None]
    homes = {next(g for g, members in enumerate(groups) if i in members) for i in unlocated}
    assert len(homes) == 2


def test_split_with_fewer_merchants_than_squads_leaves_squads_empty() -> None:
    groups = split_among([WULIN, offset(WULIN, 200, 90)], 3)
    assert sorted(len(g) for g in groups) == [0, 1, 1]


def test_walk_order_starts_at_an_end_of_the_patch_and_puts_unlocated_last() -> None:
    line: list[Point | None] = [offset(WULIN, 100.0 * k, 90.0) for k in range(6)]
    shuffled = [line[2], line[5], None, line[0], line[3], line[1], line[4]]
    order = walk_order(shuffled)
    walked = [shuffled[i] for i in order]
    assert walked[-1] is None
    located = walked[:-1]
    assert located in (line, list(reversed(line)))


# --- point in polygon -----------------------------------------------------------------------------------


def test_point_in_polygon_by_ray_casting() -> None:
    square = [(30.27, 120.16), (30.27, 120.17), (30.28, 120.17), (30.28, 120.16)]
    assert point_in_polygon((30.275, 120.165), square)
    assert not point_in_polygon((30.285, 120.165), square)
    assert not point_in_polygon((30.275, 120.175), square)
    # A concave L shape: the notch is outside.
    ell = [(30.27, 120.16), (30.27, 120.18), (30.275, 120.18), (30.275, 120.17), (30.28, 120.17), (30.28, 120.16)]
    assert point_in_polygon((30.272, 120.175), ell)
    assert point_in_polygon((30.278, 120.165), ell)
    assert not point_in_polygon((30.278, 120.175), ell)


# --- rotation -------------------------------------------------------------------------------------------


def test_cycle_dates_keep_the_weekday_and_the_interval() -> None:
    start = date(2026, 11, 7)  # a Saturday
    assert cycle_dates(start, 1, on_or_after=date(2026, 11, 1), count=3) == [
        date(2026, 11, 7), date(2026, 11, 14), date(2026, 11, 21)]
    fortnightly = cycle_dates(start, 2, on_or_after=date(2026, 11, 15), count=2)
    assert fortnightly == [date(2026, 11, 21), date(2026, 12, 5)]
    assert all(d.weekday() == start.weekday() for d in fortnightly)
    assert cycle_dates(start, 1, on_or_after=start, count=1) == [start]
    with pytest.raises(ValueError):
        cycle_dates(start, 0, on_or_after=start, count=1)


def test_rotation_continues_after_the_district_swept_last_and_wraps() -> None:
    districts = ["武林商圈", "湖墅南路沿线", "文三路电子街"]
    dates = [date(2026, 12, 5) + timedelta(weeks=k) for k in range(5)]
    slots = schedule(districts, dates, last_swept="湖墅南路沿线", planned={})
    assert [s.district for s in slots] == ["文三路电子街", "武林商圈", "湖墅南路沿线", "文三路电子街", "武林商圈"]
    assert not any(s.planned for s in slots)


def test_rotation_starts_at_the_first_district_when_nothing_was_swept() -> None:
    slots = schedule(["A", "B"], [date(2026, 12, 5), date(2026, 12, 12), date(2026, 12, 19)], last_swept=None,
                     planned={})
    assert [s.district for s in slots] == ["A", "B", "A"]


def test_a_planned_sweep_day_shows_and_the_cycle_carries_on_after_it() -> None:
    dates = [date(2026, 12, 5) + timedelta(weeks=k) for k in range(4)]
    slots = schedule(["A", "B", "C", "D"], dates, last_swept="A", planned={dates[1]: "D"})
    assert [(s.district, s.planned) for s in slots] == [("B", False), ("D", True), ("A", False), ("B", False)]


def test_rotation_order_drops_vanished_districts_and_appends_new_ones() -> None:
    assert ordered_districts(["C", "X", "A"], ["A", "B", "C", "D"]) == ["C", "A", "B", "D"]
    assert schedule([], [date(2026, 12, 5)], last_swept=None, planned={})[0].district is None


# --- targets and the sweep date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [(10, [7, 7, 6], [4, 3, 3]), (0, [3, 3], [0, 0]), (5, [1, 0], [5, 0]), (7, [0, 0], [0, 0]), (3, [], [])],
)
def test_targets_shared_by_squad_size_add_up(total: int, weights: list[int], shares: list[int]) -> None:
    assert share_target(total, weights) == shares
    if weights and sum(weights):
        assert sum(share_target(total, weights)) == total


def test_the_sweep_date_is_the_day_in_shanghai() -> None:
    start, end = day_bounds(date(2026, 12, 5))
    assert start.isoformat() == "2026-12-04T16:00:00+00:00"
    assert end.isoformat() == "2026-12-05T16:00:00+00:00"
