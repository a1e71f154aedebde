"""Check-in rating rules, with emphasis on the boundaries."""

from __future__ import annotations

import dataclasses
import math

import pytest
from geopy.distance import distance as geopy_distance
from geopy.distance import geodesic

from webapp.geo.geofence import CheckinRating, distance_m, rate_checkin

# A merchant near Hangzhou's Wulin Square (WGS-84).
MERCHANT = (30.2741, 120.1551)


def offset(distance: float, bearing: float, origin: tuple[float, float] = MERCHANT) -> tuple[float, float]:
    """A point `distance` metres from origin on `bearing`, via geopy destination()."""
    p = geodesic(meters=distance).destination(origin, bearing)
    return (p.latitude, p.longitude)


def test_distance_m_matches_geopy_geodesic() -> None:
    fix = offset(350.0, 60.0)
    assert distance_m(fix, MERCHANT) == pytest.approx(350.0, abs=1e-6)
    assert distance_m(fix, MERCHANT) == pytest.approx(geopy_distance(fix, MERCHANT).meters)
    assert distance_m(MERCHANT, MERCHANT) == 0.0


def test_distance_m_real_hangzhou_pair() -> None:
    # Wulin Square to Hangzhou East Railway Station is roughly 5.6 km.
    east_station = (30.2906, 120.2126)
    assert 5000.0 < distance_m(MERCHANT, east_station) < 6200.0


@pytest.mark.parametrize(('dist', 'accuracy', 'status', 'reason'), [
    (0.0, 5.0, 'verified', 'within_radius'),
    (150.0, 10.0, 'verified', 'within_radius'),
    (199.9, 0.0, 'verified', 'within_radius'),
    (200.0, 0.0, 'verified', 'within_radius'),        # distance == radius
    (200.5, 0.0, 'outside_geofence', 'beyond_radius'),
    (250.0, 50.0, 'verified', 'within_radius'),       # distance - accuracy == radius
    (250.0, 49.9, 'outside_geofence', 'beyond_radius'),
    (300.0, 100.0, 'verified', 'within_radius'),      # worst allowed accuracy, exactly on edge
    (300.1, 100.0, 'outside_geofence', 'beyond_radius'),
    (450.0, 30.0, 'outside_geofence', 'beyond_radius'),
    (5000.0, 80.0, 'outside_geofence', 'beyond_radius'),
    (50.0, 100.0, 'verified', 'within_radius'),       # accuracy == limit is acceptable
    (50.0, 100.01, 'unverifiable', 'low_accuracy'),   # just over the limit
    (50.0, 500.0, 'unverifiable', 'low_accuracy'),
    (1000.0, 150.0, 'unverifiable', 'low_accuracy'),  # bad accuracy wins over far away
])
@pytest.mark.parametrize('bearing', [0.0, 137.0, 271.0])
def test_rating_boundaries_in_hangzhou(dist: float, accuracy: float, status: str,
                                       reason: str, bearing: float) -> None:
    fix = offset(dist, bearing)
    rating = rate_checkin(fix, accuracy, MERCHANT)
    assert (rating.status, rating.reason) == (status, reason)
    assert rating.accuracy_m == accuracy
    assert rating.distance_m == pytest.approx(dist, abs=1e-6)


@pytest.mark.parametrize('accuracy', [0.0, 12.5, 50.0, 99.99, 100.0])
def test_exact_equality_is_verified(accuracy: float) -> None:
    # Build the radius from the measured distance so the equality is exact in floats.
    fix = offset(320.0, 45.0)
    d = distance_m(fix, MERCHANT)
    radius = d - accuracy
    assert rate_checkin(fix, accuracy, MERCHANT, radius_m=radius).status == 'verified'
    assert rate_checkin(fix, accuracy, MERCHANT, radius_m=radius - 0.01).status == 'outside_geofence'


@pytest.mark.parametrize(('fix', 'accuracy', 'merchant', 'reason', 'has_distance'), [
    (None, 10.0, MERCHANT, 'no_fix', False),
    (None, None, None, 'no_fix', False),
    ((math.nan, 120.0), 10.0, MERCHANT, 'no_fix', False),
    ((95.0, 120.0), 10.0, MERCHANT, 'no_fix', False),
    (MERCHANT, 10.0, None, 'merchant_unlocated', False),
    (MERCHANT, 10.0, (30.0, math.inf), 'merchant_unlocated', False),
    (MERCHANT, None, MERCHANT, 'low_accuracy', True),
    (MERCHANT, math.nan, MERCHANT, 'low_accuracy', True),
    (MERCHANT, math.inf, MERCHANT, 'low_accuracy', True),
    (MERCHANT, -1.0, MERCHANT, 'low_accuracy', True),
    (MERCHANT, 100.01, MERCHANT, 'low_accuracy', True),
])
def test_unverifiable_cases(fix: tuple[float, float] | None, accuracy: float | None,
                            merchant: tuple[float, float] | None, reason: str,
                            has_distance: bool) -> None:
    rating = rate_checkin(fix, accuracy, merchant)
    assert rating.status == 'unverifiable'
    assert rating.reason == reason
    assert (rating.distance_m is not None) == has_distance


def test_non_finite_accuracy_is_not_stored() -> None:
    assert rate_checkin(MERCHANT, math.nan, MERCHANT).accuracy_m is None
    assert rate_checkin(MERCHANT, 'junk', MERCHANT).accuracy_m is None  # type: ignore[arg-type]


def test_custom_radius_and_accuracy_limit() -> None:
    fix = offset(400.0, 200.0)
    assert rate_checkin(fix, 20.0, MERCHANT).status == 'outside_geofence'
    assert rate_checkin(fix, 20.0, MERCHANT, radius_m=500.0).status == 'verified'
    assert rate_checkin(fix, 150.0, MERCHANT, radius_m=500.0).reason == 'low_accuracy'
    assert rate_checkin(fix, 150.0, MERCHANT, radius_m=500.0,
                        max_accuracy_m=150.0).status == 'verified'


def test_realistic_visit_a_few_hundred_metres_apart() -> None:
    # Manager checks in at the shop next door (120 m, 15 m accuracy), then at a
    # cafe across the canal (380 m away, 25 m accuracy).
    next_door = offset(120.0, 95.0)
    across_canal = offset(380.0, 300.0)
    assert rate_checkin(next_door, 15.0, MERCHANT) == CheckinRating(
        'verified', pytest.approx(120.0, abs=1e-6), 15.0, 'within_radius')  # type: ignore[arg-type]
    far = rate_checkin(across_canal, 25.0, MERCHANT)
    assert far.status == 'outside_geofence'
    assert far.reason == 'beyond_radius'
    assert far.distance_m == pytest.approx(380.0, abs=1e-6)


def test_rating_is_frozen() -> None:
    rating = rate_checkin(MERCHANT, 5.0, MERCHANT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rating.status = 'outside_geofence'  # type: ignore[misc]
