"""The integrity flags a new photo can raise: reuse of an earlier photo or the same scene again, another camera
the same day, GPS far from the merchant, taken long before the visit. Shown to a reviewer with their evidence;
they never refuse the photo."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.integrity.photos import check_and_index
from webapp.models import Photo, Visit, VisitFlag
from webapp.photos.pipeline import ProcessedPhoto
from webapp.visits import integrity


def flag_photo(visit: Visit, photo: Photo, processed: ProcessedPhoto, client_exif_time: datetime | None,
               client_exif_point: tuple[float, float] | None, client_camera: str | None) -> None:
    """Add the photo's flags and its reuse-index rows to the session (the caller flushes)."""
    config = current_app.config
    # Reuse, same scene and camera change (webapp.integrity.photos), then the photo joins the reuse index.
    flags: list[integrity.Flag] = check_and_index(visit, photo, processed, client_camera=client_camera)
    evidence = processed.evidence
    # The server's own reading of the file wins; the phone's reading covers copies it shrank itself.
    exif_point = ((evidence.exif_lat, evidence.exif_lon) if evidence.exif_lat is not None
                  and evidence.exif_lon is not None else client_exif_point)
    merchant = visit.merchant
    registered = (merchant.lat, merchant.lon) if merchant.lat is not None and merchant.lon is not None \
        and merchant.located else None
    far = integrity.photo_exif_far_flag(photo.id, exif_point, registered, limit_m=float(config["PHOTO_EXIF_FAR_M"]))
    if far:
        flags.append(far)
    taken = _exif_time_utc(evidence.exif_taken_at) if evidence.exif_taken_at is not None else client_exif_time
    old = integrity.photo_old_flag(photo.id, taken, visit.started_at, limit_s=float(config["PHOTO_OLD_S"]))
    if old:
        flags.append(old)
    for flag in flags:
        db.session.add(VisitFlag(visit_id=visit.id, photo_id=flag.photo_id, code=flag.code,
                                 detail=flag.detail, evidence=flag.evidence))


def _exif_time_utc(local: datetime) -> datetime:
    """EXIF times carry no zone (a phone of this bank is on China time). A file claiming year 1 cannot be
    shifted to UTC: it counts as the earliest time, so it is flagged as old instead of crashing the upload."""
    try:
        return local.replace(tzinfo=BANK_ZONE).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
