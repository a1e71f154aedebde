"""Integrity checks on field evidence: each returns flags with their evidence for a person to judge.

Nothing here rejects a visit. A web app cannot see a phone's mock-location switch, so the server
looks for what a fake leaves behind: a perfect accuracy of 0, a fix repeated to the
micro-degree, travel faster than a car, a device clock far from ours, one phone checking in a whole
squad, a photo seen before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from webapp.geo.geofence import CheckinRating, distance_m

Point = tuple[float, float]


@dataclass(frozen=True)
class Flag:
    code: str
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)
    photo_id: str | None = None


def checkin_flags(rating: CheckinRating, *, radius_m: float, max_accuracy_m: float) -> list[Flag]:
    """outside_geofence and low_accuracy, from the geofence rating of the lead's fix."""
    flags: list[Flag] = []
    evidence = {"distance_m": _round(rating.distance_m), "accuracy_m": rating.accuracy_m, "radius_m": radius_m}
    if rating.status == "outside_geofence":
        flags.append(Flag("outside_geofence", "The check-in is outside the merchant's geofence.", evidence))
    if rating.reason == "no_fix":
        flags.append(Flag("low_accuracy", "No location fix was sent.", {**evidence, "reason": "no_fix"}))
    elif rating.accuracy_m is not None and rating.accuracy_m > max_accuracy_m:
        flags.append(
            Flag("low_accuracy", "The location fix is less precise than allowed.",
                 {**evidence, "max_accuracy_m": max_accuracy_m})
        )
    return flags


def mock_location_flags(accuracy_m: float | None, repeated_in_visits: list[str]) -> list[Flag]:
    """Real GNSS fixes are never exactly 0 m accurate, nor identical to the micro-degree on another day."""
    flags: list[Flag] = []
    if accuracy_m is not None and accuracy_m == 0:
        flags.append(Flag("mock_location_suspected", "The phone reported an accuracy of exactly 0 m.",
                          {"reason": "zero_accuracy"}))
    if repeated_in_visits:
        flags.append(
            Flag("mock_location_suspected", "The same coordinates to 6 decimals appear in other visits.",
                 {"reason": "repeated_fix", "visits": repeated_in_visits[:10]})
        )
    return flags


def travel_flag(
    here: Point, here_at: datetime, here_accuracy_m: float | None,
    there: Point, there_at: datetime, there_accuracy_m: float | None, there_visit_id: str,
    *, max_kmh: float,
) -> Flag | None:
    """Speed between two check-ins of one person. The accuracy radii are taken off the distance first,
    so two honest fixes of neighbouring shops a minute apart do not look like a car chase."""
    raw = distance_m(here, there)
    slack = (here_accuracy_m or 0.0) + (there_accuracy_m or 0.0)
    distance = max(0.0, raw - slack)
    if distance == 0:
        return None
    seconds = abs((here_at - there_at).total_seconds())
    kmh = float("inf") if seconds == 0 else distance / seconds * 3.6
    if kmh <= max_kmh:
        return None
    return Flag(
        "impossible_travel",
        "Faster than a car could travel from this manager's other check-in.",
        {"other_visit": there_visit_id, "distance_m": round(raw), "seconds": round(seconds),
         "speed_kmh": None if kmh == float("inf") else round(kmh, 1), "max_kmh": max_kmh},
    )


def clock_skew_flag(client_time: datetime | None, server_time: datetime, *, limit_s: float) -> Flag | None:
    """Judged with the time the item was sent, not captured: offline delay is not skew."""
    if client_time is None:
        return None
    skew = (client_time - server_time).total_seconds()
    if abs(skew) <= limit_s:
        return None
    return Flag("clock_skew", "The phone's clock differs from the server's.",
                {"skew_s": round(skew), "device_time": client_time.isoformat(), "server_time": server_time.isoformat()})


@dataclass(frozen=True)
class EarlierPhoto:
    photo_id: str
    visit_id: str
    distance_bits: int
    same_bytes: bool


def photo_reused_flag(photo_id: str, matches: list[EarlierPhoto]) -> Flag | None:
    if not matches:
        return None
    best = sorted(matches, key=lambda m: (not m.same_bytes, m.distance_bits))[0]
    return Flag(
        "photo_reused",
        "This photo matches a photo of another visit.",
        {"earlier_photo": best.photo_id, "earlier_visit": best.visit_id, "distance_bits": best.distance_bits,
         "same_bytes": best.same_bytes,
         "matches": [{"photo": m.photo_id, "visit": m.visit_id, "bits": m.distance_bits} for m in matches[:10]]},
        photo_id=photo_id,
    )


def photo_exif_far_flag(
    photo_id: str, exif_point: Point | None, merchant: Point | None, *, limit_m: float,
) -> Flag | None:
    if exif_point is None or merchant is None:
        return None
    far = distance_m(exif_point, merchant)
    if far <= limit_m:
        return None
    return Flag("photo_exif_far", "The photo's GPS position is far from the merchant.",
                {"distance_m": round(far), "limit_m": limit_m, "exif_lat": exif_point[0], "exif_lon": exif_point[1]},
                photo_id=photo_id)


def photo_old_flag(
    photo_id: str, taken_at: datetime | None, visit_started_at: datetime, *, limit_s: float,
) -> Flag | None:
    if taken_at is None:
        return None
    age = (visit_started_at - taken_at).total_seconds()
    if age <= limit_s:
        return None
    return Flag("photo_old", "The photo was taken long before the visit.",
                {"taken_at": taken_at.isoformat(), "visit_started_at": visit_started_at.isoformat(),
                 "hours_before": round(age / 3600, 1)},
                photo_id=photo_id)


def copresence_flag(
    username: str,
    lead_fix: Point | None, lead_at: datetime | None,
    member_fix: Point | None, member_at: datetime | None,
    *, max_m: float, max_s: float,
) -> Flag | None:
    """A squad member's own check-in must be near the lead's in space and time."""
    if lead_fix is None or lead_at is None or member_fix is None or member_at is None:
        return Flag("squad_not_copresent", "Co-presence cannot be checked: a check-in is missing.",
                    {"member": username, "reason": "missing_fix"})
    apart_m = distance_m(lead_fix, member_fix)
    apart_s = abs((member_at - lead_at).total_seconds())
    if apart_m <= max_m and apart_s <= max_s:
        return None
    return Flag("squad_not_copresent", "A squad member checked in away from the lead.",
                {"member": username, "distance_m": round(apart_m), "seconds": round(apart_s),
                 "max_m": max_m, "max_s": max_s})


def single_device_flag(username: str, device_id: str | None, other_devices: dict[str, str | None]) -> Flag | None:
    """One phone confirming for several members: the same device id under another login of the squad."""
    if not device_id:
        return None
    shared = sorted(name for name, other in other_devices.items() if other == device_id and name != username)
    if not shared:
        return None
    return Flag("squad_single_device", "One device checked in for several squad members.",
                {"member": username, "same_device_as": shared})


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
