"""The evidence beside each photo, gathered once for the review page, the archive manifest and the PDF record.

One function builds it so the three never disagree: capture time (the file's EXIF, the phone's EXIF reading
and the phone's clock), upload time, the lead's check-in distance and accuracy, the distance of the photo's
own GPS position from the merchant, the camera, and the perceptual-hash matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.geo.geofence import distance_m
from webapp.models import Photo, User, Visit
from webapp.photos.reuse import find_earlier_matches
from webapp.review.queue import FlagWithDecision
from webapp.scope import visit_condition


@dataclass(frozen=True)
class PhotoMatch:
    """Another visit's photo that looks the same; ``visible`` says whether this user may open it."""

    photo_id: str
    visit_id: str
    distance_bits: int
    same_bytes: bool
    visible: bool


@dataclass(frozen=True)
class PhotoEvidence:
    photo: Photo
    exif_taken_at: datetime | None
    client_exif_taken_at: datetime | None
    phone_captured_at: datetime | None
    uploaded_at: datetime
    checkin_status: str
    checkin_distance_m: float | None
    checkin_accuracy_m: float | None
    exif_lat: float | None
    exif_lon: float | None
    exif_source: str | None  # 'file' (read by the server) or 'phone' (read on the phone before shrinking)
    exif_distance_m: float | None
    device: str | None
    software: str | None
    width: int | None
    height: int | None
    flags: list[FlagWithDecision]
    matches: list[PhotoMatch]


def _file_exif_time(evidence: dict[str, Any]) -> datetime | None:
    """The file's EXIF time carries no zone; the bank's phones are on China time (as the write path assumes)."""
    value = evidence.get("exif_taken_at")
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANK_ZONE)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def photo_evidence(visit: Visit, photo: Photo, flags: list[FlagWithDecision],
                   matches: list[PhotoMatch] | None = None) -> PhotoEvidence:
    evidence = photo.evidence if isinstance(photo.evidence, dict) else {}
    file_lat, file_lon = _number(evidence.get("exif_lat")), _number(evidence.get("exif_lon"))
    lat: float | None
    lon: float | None
    if file_lat is not None and file_lon is not None:
        lat, lon, source = file_lat, file_lon, "file"
    elif photo.client_exif_lat is not None and photo.client_exif_lon is not None:
        lat, lon, source = photo.client_exif_lat, photo.client_exif_lon, "phone"
    else:
        lat = lon = None
        source = None
    merchant = visit.merchant
    far = None
    if lat is not None and lon is not None and merchant.located:
        far = round(distance_m((lat, lon), (merchant.lat, merchant.lon)))  # type: ignore[arg-type]
    width, height = evidence.get("width"), evidence.get("height")
    return PhotoEvidence(
        photo=photo,
        exif_taken_at=_file_exif_time(evidence),
        client_exif_taken_at=photo.client_exif_taken_at,
        phone_captured_at=photo.captured_at,
        uploaded_at=photo.created_at,
        checkin_status=visit.checkin_status,
        checkin_distance_m=visit.checkin_distance_m,
        checkin_accuracy_m=visit.checkin_accuracy_m,
        exif_lat=lat, exif_lon=lon, exif_source=source, exif_distance_m=far,
        device=evidence.get("exif_device") or evidence.get("client_exif_device") or None,
        software=evidence.get("exif_software") or None,
        width=width if isinstance(width, int) else None,
        height=height if isinstance(height, int) else None,
        flags=[f for f in flags if f.flag.photo_id == photo.id],
        matches=matches or [],
    )


def photo_matches(user: User, photos: list[Photo], flags: list[FlagWithDecision], *, max_bits: int
                  ) -> dict[str, list[PhotoMatch]]:
    """Per photo, the photos of other visits in the branch that look the same: what the reuse flag recorded at
    upload, and what the hash index finds now (a later visit may have reused this one)."""
    found: dict[str, dict[str, tuple[str, int, bool]]] = {p.id: {} for p in photos}
    for item in flags:
        flag = item.flag
        if flag.code != "photo_reused" or flag.photo_id not in found or not isinstance(flag.evidence, dict):
            continue
        for match in flag.evidence.get("matches") or []:
            if isinstance(match, dict) and match.get("photo") and match.get("visit"):
                found[flag.photo_id][str(match["photo"])] = (str(match["visit"]), int(match.get("bits") or 0), False)
        earlier = flag.evidence.get("earlier_photo")
        if earlier and flag.evidence.get("same_bytes"):
            fallback = (str(flag.evidence.get("earlier_visit")), 0, True)
            visit_id, bits, _same = found[flag.photo_id].get(str(earlier), fallback)
            found[flag.photo_id][str(earlier)] = (visit_id, bits, True)
    for photo in photos:
        for match in find_earlier_matches(branch_id=photo.branch_id, visit_id=photo.visit_id, photo_id=photo.id,
                                          sha256=photo.sha256, phash_hex=photo.phash, max_bits=max_bits):
            found[photo.id][match.photo_id] = (match.visit_id, match.distance_bits, match.same_bytes)
    every = {pid for per in found.values() for pid in per}
    visible = set(db.session.scalars(
        sa.select(Photo.id).join(Visit, Photo.visit_id == Visit.id).where(Photo.id.in_(every), visit_condition(user))
    )) if every else set()
    return {
        photo_id: sorted((PhotoMatch(pid, vid, bits, same, pid in visible) for pid, (vid, bits, same) in per.items()),
                         key=lambda m: (not m.same_bytes, m.distance_bits, m.photo_id))
        for photo_id, per in found.items()
    }
