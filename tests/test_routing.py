"""Walking order and balanced sweep split."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import pytest
from geopy.distance import geodesic

from webapp.geo.geofence import distance_m
from webapp.geo.routing import (
    Point,
    nearest_neighbour_order,
    path_length_m,
    route_order,
    split_balanced,
)

HANGZHOU = (30.2741, 120.1551)


def east(origin: Point, metres: float) -> Point:
    p = geodesic(meters=metres).destination(origin, 90.0)
    return (p.latitude, p.longitude)


def random_stops(rng: random.Random, n: int, spread_deg: float = 0.03) -> list[Point]:
    return [(HANGZHOU[0] + rng.uniform(-spread_deg, spread_deg),
             HANGZHOU[1] + rng.uniform(-spread_deg, spread_deg)) for _ in range(n)]


def assert_permutation(order: Sequence[int], n: int) -> None:
    assert sorted(order) == list(range(n))


# --- route_order ----------------------------------------------------------

def test_empty_and_single() -> None:
    assert route_order(None, []) == []
    assert route_order(HANGZHOU, []) == []
    assert route_order(None, [HANGZHOU]) == [0]
    assert route_order(HANGZHOU, [east(HANGZHOU, 100.0)]) == [0]
    assert nearest_neighbour_order(None, []) == []
    assert path_length_m(None, [], []) == 0.0
    assert path_length_m(HANGZHOU, [], []) == 0.0


def test_points_on_a_line_given_shuffled() -> None:
    line = [east(HANGZHOU, 150.0 * k) for k in range(1, 9)]
    rng = random.Random(3)
    shuffled = line[:]
    rng.shuffle(shuffled)
    order = route_order(HANGZHOU, shuffled)
    assert [shuffled[i] for i in order] == line
    assert path_length_m(HANGZHOU, shuffled, order) == pytest.approx(150.0 * 8, abs=1e-3)


def test_without_start_stop_zero_stays_first() -> None:
    line = [east(HANGZHOU, 200.0 * k) for k in range(6)]
    stops = [line[0], line[4], line[2], line[5], line[1], line[3]]
    order = route_order(None, stops)
    assert order[0] == 0
    assert [stops[i] for i in order] == line


def test_start_between_stops_beats_greedy() -> None:
    # Office in the middle of a street: one shop 150 m west, others east at
    # 100, 300, 500 m.  Greedy goes east first and walks back; the best route
    # does the west shop first.  2-opt alone cannot find this, Or-opt can.
    stops = [east(HANGZHOU, 100.0), east(HANGZHOU, -150.0),
             east(HANGZHOU, 300.0), east(HANGZHOU, 500.0)]
    greedy = nearest_neighbour_order(HANGZHOU, stops)
    best = route_order(HANGZHOU, stops)
    assert greedy == [0, 2, 3, 1]
    assert best == [1, 0, 2, 3]
    assert path_length_m(HANGZHOU, stops, best) == pytest.approx(150 + 250 + 200 + 200, abs=1e-3)
    assert path_length_m(HANGZHOU, stops, best) < path_length_m(HANGZHOU, stops, greedy)


def _brute_force(start: Point | None, stops: Sequence[Point]) -> float:
    """Shortest open path over all orders (stop 0 first when there is no start)."""
    n = len(stops)
    nodes = list(stops) + ([start] if start is not None else [])
    d = [[distance_m(a, b) for b in nodes] for a in nodes]
    if start is None:
        perms = ((0, *p) for p in itertools.permutations(range(1, n)))
    else:
        perms = itertools.permutations(range(n))
    best = min(perms, key=lambda p: sum(d[p[k]][p[k + 1]] for k in range(n - 1))
               + (d[n][p[0]] if start is not None else 0.0))
    return path_length_m(start, stops, best)


def test_five_point_case_matches_brute_force() -> None:
    # A fixed five-merchant case in Hangzhou's Shangcheng district where the
    # greedy walk (about 6.8 km) is 0.7 km longer than the best one.
    stops = [(30.2541, 120.1441), (30.2589, 120.1456), (30.2490, 120.1530),
             (30.2745, 120.1650), (30.2700, 120.1477)]
    start = (30.2620, 120.1560)
    order = route_order(start, stops)
    assert_permutation(order, 5)
    best = _brute_force(start, stops)
    assert path_length_m(start, stops, order) == pytest.approx(best, rel=1e-9)
    assert order == [2, 0, 1, 4, 3]
    assert path_length_m(start, stops, nearest_neighbour_order(start, stops)) > best + 500.0


@pytest.mark.parametrize('seed', range(12))
def test_small_random_cases_against_brute_force(seed: int) -> None:
    # Not a guarantee of the heuristic, but on these fixed cases it is optimal.
    rng = random.Random(seed)
    stops = random_stops(rng, 6, spread_deg=0.02)
    start = None if seed % 3 == 0 else HANGZHOU
    order = route_order(start, stops)
    assert path_length_m(start, stops, order) == pytest.approx(_brute_force(start, stops), rel=1e-9)


@pytest.mark.parametrize('seed', range(15))
def test_improved_route_never_longer_than_nearest_neighbour(seed: int) -> None:
    rng = random.Random(1000 + seed)
    n = rng.randint(2, 18)
    stops = random_stops(rng, n)
    start = None if seed % 4 == 0 else (HANGZHOU[0] + rng.uniform(-0.01, 0.01),
                                        HANGZHOU[1] + rng.uniform(-0.01, 0.01))
    nn = nearest_neighbour_order(start, stops)
    best = route_order(start, stops)
    assert_permutation(nn, n)
    assert_permutation(best, n)
    if start is None:
        assert nn[0] == 0 and best[0] == 0
    assert path_length_m(start, stops, best) <= path_length_m(start, stops, nn) + 1e-6


def test_route_order_is_deterministic_with_duplicates() -> None:
    rng = random.Random(5)
    stops = random_stops(rng, 10)
    stops += [stops[2], stops[7]]  # two merchants in the same building
    first = route_order(HANGZHOU, stops)
    assert all(route_order(HANGZHOU, stops) == first for _ in range(3))
    assert_permutation(first, len(stops))


def test_path_length_sums_geodesic_legs() -> None:
    a, b, c = HANGZHOU, east(HANGZHOU, 300.0), east(HANGZHOU, 700.0)
    assert path_length_m(None, [a, b, c], [0, 1, 2]) == pytest.approx(700.0, abs=1e-6)
    assert path_length_m(None, [a, b, c], [2, 0, 1]) == pytest.approx(1000.0, abs=1e-6)
    assert path_length_m(a, [b, c], [1, 0]) == pytest.approx(1100.0, abs=1e-6)


# --- split_balanced -------------------------------------------------------

def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance; independent of the module's planar projection."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def in_group_cost(points: Sequence[Point], groups: Sequence[Sequence[int]]) -> float:
    """Total pairwise distance inside each group (haversine: fast, and plenty
    accurate for comparing two splits of the same points)."""
    total = 0.0
    for g in groups:
        for i, a in enumerate(g):
            for b in g[i + 1:]:
                total += haversine_m(points[a], points[b])
    return total


def round_robin(n: int, k: int) -> list[list[int]]:
    return [list(range(i, n, k)) for i in range(k)]


def assert_valid_split(groups: list[list[int]], n: int, k: int) -> None:
    assert len(groups) == k
    flat = [i for g in groups for i in g]
    assert sorted(flat) == list(range(n))  # every index exactly once
    sizes = [len(g) for g in groups]
    assert max(sizes) - min(sizes) <= 1


def clustered(rng: random.Random, n: int, clusters: int) -> list[Point]:
    centres = random_stops(rng, clusters, spread_deg=0.08)
    pts = []
    for i in range(n):
        c = centres[i % clusters]
        pts.append((c[0] + rng.gauss(0, 0.004), c[1] + rng.gauss(0, 0.004)))
    rng.shuffle(pts)
    return pts


@pytest.mark.parametrize('seed', range(8))
@pytest.mark.parametrize('kind', ['uniform', 'clustered'])
def test_split_is_balanced_and_more_compact_than_round_robin(seed: int, kind: str) -> None:
    rng = random.Random(seed)
    n = rng.randint(30, 120)
    k = rng.randint(2, 7)
    if kind == 'uniform':
        points = random_stops(rng, n, spread_deg=0.06)
    else:
        points = clustered(rng, n, clusters=rng.randint(2, 6))
    groups = split_balanced(points, k, seed=seed)
    assert_valid_split(groups, n, k)
    assert in_group_cost(points, groups) < 0.8 * in_group_cost(points, round_robin(n, k))


def test_split_recovers_well_separated_equal_clusters() -> None:
    rng = random.Random(42)
    centres = [(30.20, 120.05), (30.30, 120.25), (30.35, 120.10)]
    points = [(c[0] + rng.uniform(-0.003, 0.003), c[1] + rng.uniform(-0.003, 0.003))
              for c in centres for _ in range(15)]
    groups = split_balanced(points, 3, seed=1)
    assert_valid_split(groups, 45, 3)
    assert sorted(groups) == [list(range(0, 15)), list(range(15, 30)), list(range(30, 45))]


def test_split_deterministic_per_seed() -> None:
    rng = random.Random(9)
    points = random_stops(rng, 70, spread_deg=0.05)
    assert split_balanced(points, 4, seed=3) == split_balanced(points, 4, seed=3)


def test_split_groups_sorted_and_ordered() -> None:
    rng = random.Random(11)
    points = random_stops(rng, 40)
    groups = split_balanced(points, 3)
    assert all(g == sorted(g) for g in groups)
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)


def test_split_edge_cases() -> None:
    rng = random.Random(2)
    pts = random_stops(rng, 5)
    assert split_balanced([], 3) == [[], [], []]
    assert split_balanced(pts, 1) == [[0, 1, 2, 3, 4]]
    few = split_balanced(pts[:2], 4)
    assert_valid_split(few, 2, 4)
    assert few == [[0], [1], [], []]
    assert split_balanced(pts, 5) == [[0], [1], [2], [3], [4]]
    assert_valid_split(split_balanced(pts, 2), 5, 2)
    same = [HANGZHOU] * 7  # every merchant at one address
    assert_valid_split(split_balanced(same, 3), 7, 3)
    with pytest.raises(ValueError):
        split_balanced(pts, 0)
