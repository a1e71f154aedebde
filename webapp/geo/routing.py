"""Walking order for a day's visits and splitting a sweep into balanced days.

Pure functions over WGS-84 ``(lat, lon)`` points so they can be tested and
reused without the database.  Index-based results (rather than reordered
points) let callers keep their own merchant objects alongside.

Route ordering uses true geodesic distances: a route has at most a few dozen
stops, so the O(n^2) distance matrix is cheap and the numbers shown to the
manager match what the geofence code measures.  The sweep split handles
larger sets (a whole district) and uses a local equirectangular projection:
across one city its scale error is a few tenths of a percent, irrelevant for
grouping, and it is far faster than geodesics.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from webapp.geo.geofence import distance_m

Point = tuple[float, float]  # (lat, lon) WGS-84

# Improvements smaller than this (metres) are float noise; ignoring them
# guarantees the local searches terminate.
_IMPROVE_EPS_M = 1e-7

_EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG)
_KMEANS_MAX_ITER = 20
_SWAP_MAX_PASSES = 50


# ---------------------------------------------------------------------------
# Route ordering
# ---------------------------------------------------------------------------

def _nodes(start: Point | None, stops: Sequence[Point]) -> tuple[list[Point], int]:
    """Nodes for the path problem and the offset of stop 0 within them.

    With a start, node 0 is the start and stops follow; without one, stop 0
    itself is the fixed first node.
    """
    if start is None:
        return list(stops), 0
    return [start, *stops], 1


def _distance_matrix(nodes: Sequence[Point]) -> list[list[float]]:
    """Symmetric geodesic distance matrix (each pair computed once)."""
    n = len(nodes)
    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            d = distance_m(nodes[i], nodes[j])
            matrix[i][j] = d
            matrix[j][i] = d
    return matrix


def _nearest_neighbour_path(matrix: list[list[float]]) -> list[int]:
    """Greedy path over node indices from node 0; ties go to the lower index."""
    n = len(matrix)
    if n == 0:
        return []
    path = [0]
    unvisited = set(range(1, n))
    current = 0
    while unvisited:
        row = matrix[current]
        nxt = min(unvisited, key=lambda j: (row[j], j))
        unvisited.remove(nxt)
        path.append(nxt)
        current = nxt
    return path


def _two_opt_open(path: list[int], matrix: list[list[float]]) -> list[int]:
    """Improve an open path with 2-opt moves, keeping path[0] fixed.

    Reversing path[i..j] replaces edges (i-1, i) and (j, j+1) with
    (i-1, j) and (i, j+1); when j is the last node there is no (j, j+1)
    edge because the manager does not return.  First-improvement in a fixed
    scan order, so the result is deterministic.
    """
    path = list(path)
    n = len(path)
    if n < 3:
        return path
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            a = path[i - 1]
            b = path[i]
            for j in range(i + 1, n):
                c = path[j]
                if j == n - 1:
                    delta = matrix[a][c] - matrix[a][b]
                else:
                    d = path[j + 1]
                    delta = (matrix[a][c] + matrix[b][d]
                             - matrix[a][b] - matrix[c][d])
                if delta < -_IMPROVE_EPS_M:
                    path[i:j + 1] = reversed(path[i:j + 1])
                    improved = True
                    b = path[i]
    return path


def _or_opt_open(path: list[int], matrix: list[list[float]]) -> tuple[list[int], bool]:
    """Relocate runs of 1-3 stops (either way round) elsewhere in the path.

    2-opt alone cannot fix a stop stranded on the wrong side of the start
    (common when the manager sets off from an office among the merchants);
    moving short runs handles exactly that.  path[0] stays first.  Returns
    the new path and whether anything changed.
    """
    path = list(path)
    n = len(path)
    changed = False
    improved = True
    while improved:
        improved = False
        for seg_len in (1, 2, 3):
            for i in range(1, n - seg_len + 1):
                j = i + seg_len - 1
                prev = path[i - 1]
                first, last = path[i], path[j]
                nxt = path[j + 1] if j + 1 < n else None
                gain = matrix[prev][first]
                if nxt is not None:
                    gain += matrix[last][nxt] - matrix[prev][nxt]
                rest = path[:i] + path[j + 1:]
                best: tuple[float, int, bool] | None = None
                for k in range(len(rest)):
                    if k == i - 1:
                        continue  # that is where the run came from
                    u = rest[k]
                    v = rest[k + 1] if k + 1 < len(rest) else None
                    for rev in (False, True):
                        a, b = (last, first) if rev else (first, last)
                        cost = matrix[u][a]
                        if v is not None:
                            cost += matrix[b][v] - matrix[u][v]
                        delta = cost - gain
                        if delta < -_IMPROVE_EPS_M and (best is None or delta < best[0]):
                            best = (delta, k, rev)
                if best is not None:
                    _, k, rev = best
                    seg = path[i:j + 1]
                    if rev:
                        seg.reverse()
                    path = rest[:k + 1] + seg + rest[k + 1:]
                    improved = changed = True
                    break
            if improved:
                break
    return path, changed


def _improve(path: list[int], matrix: list[list[float]]) -> list[int]:
    """Alternate 2-opt and Or-opt until neither finds an improving move."""
    while True:
        path = _two_opt_open(path, matrix)
        path, changed = _or_opt_open(path, matrix)
        if not changed:
            return path


def _to_stop_indices(path: Sequence[int], offset: int) -> list[int]:
    """Drop the start node (if any) and convert node indices to stop indices."""
    return [node - offset for node in path if node >= offset]


def nearest_neighbour_order(start: Point | None, stops: Sequence[Point]) -> list[int]:
    """Greedy walking order alone; exposed so tests can show 2-opt only helps."""
    if not stops:
        return []
    nodes, offset = _nodes(start, stops)
    return _to_stop_indices(_nearest_neighbour_path(_distance_matrix(nodes)), offset)


def route_order(start: Point | None, stops: Sequence[Point]) -> list[int]:
    """Indices of ``stops`` in a short walking order.

    Nearest neighbour from ``start`` (or from stop 0 when there is no start,
    which then stays first), then 2-opt on the open path, alternated with
    Or-opt (moving runs of 1-3 stops) until neither improves.  Every move
    strictly shortens the route, so the result is never longer than the
    greedy one.  Deterministic for a given input; not guaranteed optimal.
    """
    if not stops:
        return []
    nodes, offset = _nodes(start, stops)
    matrix = _distance_matrix(nodes)
    path = _improve(_nearest_neighbour_path(matrix), matrix)
    return _to_stop_indices(path, offset)


def path_length_m(start: Point | None, stops: Sequence[Point], order: Sequence[int]) -> float:
    """Geodesic length of walking ``stops`` in ``order``, from ``start`` if given."""
    points: list[Point] = [] if start is None else [start]
    points.extend(stops[i] for i in order)
    return sum(distance_m(points[k], points[k + 1]) for k in range(len(points) - 1))


# ---------------------------------------------------------------------------
# Balanced split
# ---------------------------------------------------------------------------

def _project(points: Sequence[Point]) -> list[tuple[float, float]]:
    """Equirectangular projection to metres around the points' mean latitude.

    Within a city (tens of km) the scale error is far below the precision
    that matters for grouping visits, and planar points make k-means means
    and distances trivial.
    """
    lat0 = sum(p[0] for p in points) / len(points)
    lon0 = sum(p[1] for p in points) / len(points)
    ky = _EARTH_RADIUS_M * math.pi / 180.0
    kx = ky * math.cos(math.radians(lat0))
    return [((p[1] - lon0) * kx, (p[0] - lat0) * ky) for p in points]


def _sq(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Squared planar distance; k-means seeding and assignment only need order."""
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    return dx * dx + dy * dy


def _kmeans_pp_centres(xy: Sequence[tuple[float, float]], k: int,
                       rng: random.Random) -> list[tuple[float, float]]:
    """k-means++ seeding: spread initial centres by D^2 sampling."""
    centres = [xy[rng.randrange(len(xy))]]
    nearest = [_sq(p, centres[0]) for p in xy]
    while len(centres) < k:
        total = sum(nearest)
        if total <= 0.0:
            # All remaining points coincide with a centre; any choice is as good.
            pick = rng.randrange(len(xy))
        else:
            r = rng.random() * total
            acc = 0.0
            # Fallback if rounding leaves r above the running sum: the last
            # point that is not already a centre.
            pick = max(i for i, w in enumerate(nearest) if w > 0.0)
            for idx, w in enumerate(nearest):
                acc += w
                if acc >= r and w > 0.0:
                    pick = idx
                    break
        centres.append(xy[pick])
        nearest = [min(nearest[i], _sq(p, xy[pick])) for i, p in enumerate(xy)]
    return centres


def _capacitated_assign(xy: Sequence[tuple[float, float]],
                        centres: Sequence[tuple[float, float]]) -> list[int]:
    """Assign points to centres, nearest pairs first, within size limits.

    n = q*k + r: every group gets q or q+1 points and exactly r groups get
    q+1.  Taking (point, centre) pairs in ascending distance and skipping
    full centres always places every point, because capacity sums to n.
    """
    n, k = len(xy), len(centres)
    q, r = divmod(n, k)
    pairs = sorted(
        ((_sq(p, c), i, g) for i, p in enumerate(xy) for g, c in enumerate(centres)),
    )
    label = [-1] * n
    size = [0] * k
    big = 0  # groups that already hold q+1
    placed = 0
    for _, i, g in pairs:
        if label[i] != -1:
            continue
        if size[g] < q or (size[g] == q and big < r):
            label[i] = g
            size[g] += 1
            if size[g] == q + 1:
                big += 1
            placed += 1
            if placed == n:
                break
    return label


def _centroids(xy: Sequence[tuple[float, float]], label: Sequence[int],
               k: int) -> list[tuple[float, float]]:
    """Mean of each group's points (groups are never empty when n >= k)."""
    sx = [0.0] * k
    sy = [0.0] * k
    cnt = [0] * k
    for p, g in zip(xy, label):
        sx[g] += p[0]
        sy[g] += p[1]
        cnt[g] += 1
    return [(sx[g] / cnt[g], sy[g] / cnt[g]) for g in range(k)]


def _swap_improve(xy: Sequence[tuple[float, float]], label: list[int], k: int) -> list[int]:
    """Swap points between groups while it lowers total in-group pairwise distance.

    Swaps keep group sizes, so balance is preserved.  s[p][g] caches the sum
    of distances from p to the members of group g, making each candidate
    O(1) to evaluate and each accepted swap O(n) to apply.
    """
    n = len(xy)
    dist = [[math.sqrt(_sq(xy[i], xy[j])) for j in range(n)] for i in range(n)]
    s = [[0.0] * k for _ in range(n)]
    for p in range(n):
        row = dist[p]
        sp = s[p]
        for q in range(n):
            sp[label[q]] += row[q]
    for _ in range(_SWAP_MAX_PASSES):
        improved = False
        for a in range(n):
            for b in range(a + 1, n):
                ga, gb = label[a], label[b]
                if ga == gb:
                    continue
                dab = dist[a][b]
                # a leaves ga for gb, b leaves gb for ga.
                delta = ((s[b][ga] - dab) + (s[a][gb] - dab)
                         - s[a][ga] - s[b][gb])
                if delta < -_IMPROVE_EPS_M:
                    for p in range(n):
                        sp = s[p]
                        sp[ga] += dist[p][b] - dist[p][a]
                        sp[gb] += dist[p][a] - dist[p][b]
                    label[a], label[b] = gb, ga
                    improved = True
        if not improved:
            break
    return label


def split_balanced(points: Sequence[Point], groups: int, *, seed: int = 0) -> list[list[int]]:
    """Split point indices into ``groups`` compact groups of near-equal size.

    Used to spread a sweep of many merchants over several days so each day
    is a tight walk and no day is heavier than another by more than one
    visit.  Method (capacity-constrained k-means):

    1. Project to planar metres (equirectangular about the mean latitude;
       fine within a city, not meant for country-wide sets).
    2. Seed ``groups`` centres with k-means++ using ``random.Random(seed)``.
    3. Repeat up to 20 times until labels stop changing: assign points
       greedily by ascending point-centre distance under size limits of
       floor/ceil(n/groups), then move centres to their groups' means.
    4. Local search: swap pairs of points between groups whenever that
       lowers the total in-group pairwise distance (sizes are unchanged).

    Returns exactly ``groups`` lists of indices, each sorted, every index in
    exactly one list.  Groups are ordered by their smallest index; with
    fewer points than groups the surplus groups are empty and come last.
    Deterministic for a given ``seed``.
    """
    if groups < 1:
        raise ValueError('groups must be at least 1')
    n = len(points)
    if n == 0:
        return [[] for _ in range(groups)]
    if groups == 1:
        return [list(range(n))]
    if n <= groups:
        return [[i] for i in range(n)] + [[] for _ in range(groups - n)]

    xy = _project(points)
    rng = random.Random(seed)
    centres = _kmeans_pp_centres(xy, groups, rng)
    label = _capacitated_assign(xy, centres)
    for _ in range(_KMEANS_MAX_ITER):
        centres = _centroids(xy, label, groups)
        new_label = _capacitated_assign(xy, centres)
        if new_label == label:
            break
        label = new_label
    label = _swap_improve(xy, label, groups)

    buckets: list[list[int]] = [[] for _ in range(groups)]
    for i, g in enumerate(label):
        buckets[g].append(i)
    buckets.sort(key=lambda b: b[0])
    return buckets
