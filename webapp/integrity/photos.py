"""The upload path's one call for photo integrity: reuse search, camera change, then the photo joins the index.

webapp.photos.write calls `check_and_index` once the photo row exists; it returns the flags to add and
leaves the fingerprint and its keys in the session, so they commit with the photo or not at all.
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from webapp.bank_time import BANK_ZONE, bank_today, day_bounds
from webapp.extensions import db
from webapp.models import Photo, PhotoFingerprint, Visit
from webapp.photos.pipeline import ProcessedPhoto
from webapp.photos.reuse import index_photo, search, thresholds
from webapp.visits import integrity
from webapp.visits.integrity import Flag


def check_and_index(visit: Visit, photo: Photo, processed: ProcessedPhoto, *,
                    client_camera: str | None = None) -> list[Flag]:
    """Flags for this photo (photo_reused or photo_same_scene, photo_camera_changed), and its index rows."""
    flags: list[Flag] = []
    query = processed.fingerprint
    config = current_app.config
    if query is not None and processed.pixels is not None:
        matches = search(branch_id=photo.branch_id, merchant_id=visit.merchant_id, visit_id=visit.id,
                         photo_id=photo.id, sha256=photo.sha256, phash_hex=photo.phash, query=query,
                         image=processed.pixels, limits=thresholds(), max_bits=int(config["PHOTO_REUSE_BITS"]))
        flags.extend(integrity.photo_reuse_flags(photo.id, matches))
    camera = processed.evidence.exif_device or _clean(client_camera)
    taken = _taken_at(photo, processed)
    camera_flag = _camera_flag(photo, camera, taken, int(config["PHOTO_CAMERA_CHANGE_MIN_PHOTOS"]))
    if camera_flag is not None:
        flags.append(camera_flag)
    if query is not None:
        index_photo(photo, query, merchant_id=visit.merchant_id, camera=camera, taken_at=taken)
    return flags


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())[:120]
    return cleaned or None


def _taken_at(photo: Photo, processed: ProcessedPhoto) -> datetime:
    """When the photo says it was taken: the file's EXIF (China time), the phone's reading of it, the phone's
    clock at capture, or the upload."""
    exif = processed.evidence.exif_taken_at
    if exif is not None:
        try:
            return exif.replace(tzinfo=BANK_ZONE).astimezone(UTC)
        except OverflowError:
            pass
    return photo.client_exif_taken_at or photo.captured_at or photo.created_at


def _camera_flag(photo: Photo, camera: str | None, taken: datetime, min_photos: int) -> Flag | None:
    """A manager's photos suddenly from another camera the same day: the first photo of a new camera after at
    least `min_photos` of another one that day."""
    if camera is None:
        return None
    start, end = day_bounds(bank_today(taken))
    earlier = list(db.session.execute(
        sa.select(PhotoFingerprint.camera, PhotoFingerprint.visit_id, PhotoFingerprint.taken_at)
        .where(PhotoFingerprint.uploaded_by_id == photo.uploaded_by_id, PhotoFingerprint.taken_at >= start,
               PhotoFingerprint.taken_at < end, PhotoFingerprint.taken_at <= taken,
               PhotoFingerprint.camera.is_not(None))
        .order_by(PhotoFingerprint.taken_at)))
    return integrity.camera_changed_flag(photo.id, camera, [(c, v) for c, v, _t in earlier if c is not None],
                                         day=bank_today(taken).isoformat(), min_photos=min_photos)
