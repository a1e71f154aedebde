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


def photo_reuse_flags(photo_id: str, matches: list[Any]) -> list[Flag]:
    """photo_reused when an earlier photo is a copy of the same exposure (an accusation, with its evidence);
    otherwise photo_same_scene when the same place was photographed before (information, never an
    accusation). `matches` are webapp.photos.reuse.ReuseMatch, best first."""
    reused = [m for m in matches if m.kind == "reused"]
    chosen = reused or [m for m in matches if m.kind == "same_scene"]
    if not chosen:
        return []
    best = chosen[0]
    others = [{"photo": m.photo_id, "visit": m.visit_id, "verdict": m.kind} for m in matches[:10]]
    evidence = {**best.evidence, "earlier_photo": best.photo_id, "earlier_visit": best.visit_id,
                "same_bytes": best.same_bytes, "matches": others}
    if reused:
        return [Flag("photo_reused", "This photo is a copy of a photo of another visit.", evidence, photo_id=photo_id)]
    return [Flag("photo_same_scene", "The same scene was photographed in another visit.", evidence, photo_id=photo_id)]


def camera_changed_flag(photo_id: str, camera: str, earlier_today: list[tuple[str, str]], *, day: str,
                        min_photos: int) -> Flag | None:
    """The first photo of a new camera model in a day whose earlier photos (at least `min_photos` of them)
    came from another one: a manager's own phone does not change model between two shops."""
    cameras = [c for c, _visit in earlier_today]
    if camera in cameras or not cameras:
        return None
    usual, count = max(((c, cameras.count(c)) for c in set(cameras)), key=lambda item: (item[1], item[0]))
    if count < min_photos:
        return None
    visits = list(dict.fromkeys(v for c, v in earlier_today if c == usual))
    return Flag("photo_camera_changed", "The manager's photos come from another camera model than earlier that day.",
                {"camera": camera, "usual_camera": usual, "usual_photos": count, "day": day,
                 "earlier_visits": visits[:10], "min_photos": min_photos}, photo_id=photo_id)


def accuracy_repeated_flag(accuracy_m: float | None, repeated_in_visits: list[str], *, min_visits: int,
                           days: int) -> Flag | None:
    """A check-in accuracy repeated to the decimal across consecutive visits (`repeated_in_visits`, the
    check-ins just before). Real fixes wander (12.8 m, then 9.4 m); a replayed or scripted location repeats
    one figure. Whole metres are skipped: some phones only report those, and 10 m recurs honestly."""
    if accuracy_m is None or float(accuracy_m).is_integer() or len(repeated_in_visits) + 1 < min_visits:
        return None
    return Flag("checkin_accuracy_repeated", "The same check-in accuracy, to the decimal, appears in other visits.",
                {"accuracy_m": accuracy_m, "visits": repeated_in_visits[:10], "count": len(repeated_in_visits) + 1,
                 "min_visits": min_visits, "days": days})


def report_copied_flag(role: str, text: str, copies: list[Any]) -> Flag | None:
    """report_copied: the note of `role` nearly copies an earlier report (webapp.integrity.copies.TextCopy,
    best first); the evidence keeps both texts and the shared passages, as they were when it was raised."""
    if not copies:
        return None
    best = copies[0]
    return Flag("report_copied", "This note is a near copy of another report.", {
        "role": role, "similarity": best.similarity, "shared": best.shared,
        "this_text": text, "this_spans": [list(span) for span in best.this_spans],
        "other": {"kind": best.kind, "record": best.record_id, "visit": best.visit_id, "author": best.author_id,
                  "written_at": best.written_at.isoformat()},
        "other_text": best.other_text, "other_spans": [list(span) for span in best.other_spans],
        "matches": [{"kind": c.kind, "record": c.record_id, "visit": c.visit_id, "similarity": c.similarity}
                    for c in copies[:10]],
    })


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
