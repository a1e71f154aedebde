"""Rating a check-in against the merchant's registered location.

A customer manager's check-in is evidence that they visited a merchant.  The
phone reports a WGS-84 fix plus a horizontal accuracy radius; we give the
manager the benefit of that uncertainty (the true position may be up to
``accuracy_m`` closer than the fix) but refuse to vouch for a fix whose
uncertainty is so large that it proves nothing.

Outcomes:

* ``verified``          distance - accuracy <= radius
* ``outside_geofence``  otherwise; the caller keeps the check-in and flags it
* ``unverifiable``      no fix, accuracy missing or worse than the limit, or
                        the merchant has no registered location
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from geopy.distance import geodesic

from webapp.geo.coords import valid_lat_lon

CheckinStatus = Literal['verified', 'outside_geofence', 'unverifiable']
CheckinReason = Literal[
    'within_radius', 'beyond_radius', 'no_fix', 'low_accuracy', 'merchant_unlocated',
]

DEFAULT_RADIUS_M = 200.0
DEFAULT_MAX_ACCURACY_M = 100.0

# Geodesic distances are computed to nanometres, but the subtraction
# distance - accuracy can round either way in the last bit.  A micrometre of
# slack keeps the documented boundary (difference == radius is verified)
# true in floating point without changing any real-world outcome.
_BOUNDARY_SLACK_M = 1e-6


@dataclass(frozen=True)
class CheckinRating:
    """Outcome of rating one check-in; stored with it for audit."""

    status: CheckinStatus
    distance_m: float | None
    accuracy_m: float | None
    reason: CheckinReason


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two WGS-84 (lat, lon) points.

    Geodesic on the ellipsoid rather than haversine because this number is
    compared against a radius in an audit trail and should be the one any
    GIS tool would reproduce.
    """
    return float(geodesic(a, b).meters)


def _located(point: tuple[float, float] | None) -> tuple[float, float] | None:
    """Return the point as floats if it is a usable lat/lon pair, else None."""
    if point is None or len(point) != 2 or not valid_lat_lon(point[0], point[1]):
        return None
    return float(point[0]), float(point[1])


def _as_float(value: float | None) -> float | None:
    """Accuracy straight from a form may be junk (text, NaN, Infinity).

    Junk counts as missing so it is rated low_accuracy and never stored as NaN.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def rate_checkin(
    fix: tuple[float, float] | None,
    accuracy_m: float | None,
    merchant: tuple[float, float] | None,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
) -> CheckinRating:
    """Rate a check-in fix against the merchant location.

    Checks run in the order no_fix, merchant_unlocated, low_accuracy so the
    reason names the first thing the manager (or data team) has to fix.  A
    fix or merchant location that is not a valid lat/lon (NaN, out of range)
    is treated as missing.  Accuracy that is None, NaN, negative or greater
    than ``max_accuracy_m`` is low_accuracy; exactly ``max_accuracy_m`` is
    accepted.  The distance is reported whenever both points exist, even for
    low_accuracy, because it still helps a reviewer.
    """
    acc = _as_float(accuracy_m)

    fix_pt = _located(fix)
    if fix_pt is None:
        return CheckinRating('unverifiable', None, acc, 'no_fix')
    merchant_pt = _located(merchant)
    if merchant_pt is None:
        return CheckinRating('unverifiable', None, acc, 'merchant_unlocated')

    dist = distance_m(fix_pt, merchant_pt)
    if acc is None or acc < 0.0 or acc > max_accuracy_m:
        return CheckinRating('unverifiable', dist, acc, 'low_accuracy')
    if dist - acc <= radius_m + _BOUNDARY_SLACK_M:
        return CheckinRating('verified', dist, acc, 'within_radius')
    return CheckinRating('outside_geofence', dist, acc, 'beyond_radius')
