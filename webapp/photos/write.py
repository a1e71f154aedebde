"""The one idempotent write path for visit photos: the API, the visit page's uploader and the CLI."""
from __future__ import annotations

import dataclasses
import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.integrity.photos import check_and_index
from webapp.models import PHOTO_CATEGORIES, Photo, Visit, VisitFlag
from webapp.photos.pipeline import PhotoRejected, ProcessedPhoto, Watermark, process_photo
from webapp.photos.reuse import band_rows
from webapp.photos.store import PhotoStore
from webapp.review.decisions import reopen_after_change
from webapp.scope import visit_condition
from webapp.visits import integrity
from webapp.visits.payload import parse_time
from webapp.write_kernel import Conflict, FieldErrors, Forbidden, Invalid, WriteContext


@dataclass(frozen=True)
class PhotoFields:
    """The form fields that travel with the file, as strings straight from the multipart body."""

    category: str | None
    captured_at: str | None
    exif_taken_at: str | None = None
    exif_lat: str | None = None
    exif_lon: str | None = None
    exif_device: str | None = None  # camera make and model, read on the phone before it shrank the photo


class VisitMissing(NotFound):
    """No visit with this id exists at all (not merely out of the writer's scope): the photo came before its
    visit, and the JSON API holds it (webapp.sync.held) instead of answering 404. Other callers see a 404."""


@dataclass(frozen=True)
class PhotoWrite:
    status: Literal["created", "unchanged"]
    photo: Photo


def rejection_message(error: PhotoRejected) -> str:
    """The pipeline's reasons in the user's language."""
    messages = {
        "empty": _("The file is empty. Take the photo again."),
        "too_large": _("The photo is too large. The app shrinks photos before upload; take it again in the app."),
        "unsupported_type": _("The file is not a JPEG, PNG or HEIC photo."),
        "corrupt": _("The photo is damaged or incomplete (perhaps the upload was cut off). Take or send it again."),
        "too_many_pixels": _("The picture has too many pixels to be a phone photo."),
    }
    return messages.get(error.code, error.message)


def _parse_fields(
    fields: PhotoFields, now: datetime,
) -> tuple[str, datetime, datetime | None, tuple[float, float] | None]:
    errors = FieldErrors()
    if fields.category not in PHOTO_CATEGORIES:
        errors.add("category", _("Choose a category: premises, inventory, residence, related person or document."))
    captured = parse_time(fields.captured_at, "captured_at", errors, now=now)
    exif_time: datetime | None = None
    if fields.exif_taken_at:
        try:
            moment = datetime.fromisoformat(fields.exif_taken_at.replace("Z", "+00:00"))
            # EXIF times carry no zone; a phone of this bank is on China time.
            exif_time = (moment if moment.tzinfo else moment.replace(tzinfo=BANK_ZONE)).astimezone(UTC)
        except (ValueError, OverflowError):  # year 1 or 9999 shifted out of the calendar would be a 500
            errors.add("exif_taken_at", _("Expected a date and time such as 2026-11-28T09:30:00+08:00."))
    exif_point = None
    if fields.exif_lat or fields.exif_lon:
        try:
            lat, lon = float(fields.exif_lat or "nan"), float(fields.exif_lon or "nan")
        except ValueError:
            lat = lon = math.nan
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            errors.add("exif_lat", _("The photo's GPS position is not a valid latitude and longitude."))
        else:
            exif_point = (lat, lon)
    if errors.items:
        raise Invalid(errors.items)
    assert fields.category is not None and captured is not None
    return fields.category, datetime.fromisoformat(captured), exif_time, exif_point


def validate_photo_fields(fields: PhotoFields, now: datetime) -> None:
    """Raise Invalid for fields put_photo would refuse: a photo held for its visit is checked up front."""
    _parse_fields(fields, now)


def put_photo(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes, fields: PhotoFields) -> PhotoWrite:
    visit = db.session.scalar(sa.select(Visit).where(Visit.id == visit_id, visit_condition(ctx.actor)))
    if visit is None:
        if db.session.get(Visit, visit_id) is None:
            raise VisitMissing()
        raise NotFound()
    if visit.role_of(ctx.actor.id) is None:
        raise Forbidden(_("Only members of the squad add photos to a visit."))
    category, captured_at, client_exif_time, client_exif_point = _parse_fields(fields, ctx.now)

    _serialise_writers_of(photo_id)
    existing = db.session.get(Photo, photo_id)
    if existing is not None:
        return _against_existing(existing, visit, data)

    config = current_app.config
    point = (visit.checkin_lat, visit.checkin_lon) if visit.checkin_lat is not None else (
        (visit.merchant.lat, visit.merchant.lon) if visit.merchant.located else (None, None))
    try:
        processed = process_photo(
            data,
            Watermark(taken_at=(client_exif_time or captured_at).astimezone(BANK_ZONE),
                      merchant_name=visit.merchant.name, lat=point[0], lon=point[1],
                      manager_name=ctx.actor.display_name),
            max_bytes=int(config["PHOTO_MAX_BYTES"]),
            max_pixels=int(config["PHOTO_MAX_PIXELS"]),
        )
    except PhotoRejected as error:
        raise PhotoRejected(error.status, error.code, rejection_message(error)) from None

    store = PhotoStore(config["PHOTO_STORE"])
    key = store.key_for(photo_id)
    photo = Photo(
        id=photo_id, visit_id=visit.id, branch_id=visit.merchant.sub_branch.branch_id, uploaded_by_id=ctx.actor.id,
        category=category, captured_at=captured_at, client_exif_taken_at=client_exif_time,
        client_exif_lat=client_exif_point[0] if client_exif_point else None,
        client_exif_lon=client_exif_point[1] if client_exif_point else None,
        evidence=_evidence_json(processed), sha256=processed.sha256, phash=processed.phash,
        size_bytes=len(data), storage_key=key, created_at=ctx.now,
    )
    # Files first and durable, then the row: a row never points at a missing file. A failed row
    # removes the files again, so nothing is left half-stored.
    store.write(key, {"original": processed.original_jpeg, "display": processed.display_jpeg,
                      "thumb": processed.thumb_jpeg})
    try:
        with db.session.begin_nested():
            db.session.add(photo)
            db.session.flush()
    except IntegrityError:
        winner = db.session.get(Photo, photo_id, populate_existing=True)
        if winner is None:
            store.remove(key)
            raise
        # The concurrent twin wrote the same files under the same key; keep them if the bytes agree.
        if winner.sha256 != processed.sha256:
            raise Conflict(_("A different photo was already saved under this id.")) from None
        return PhotoWrite("unchanged", winner)
    except Exception:
        store.remove(key)
        raise
    db.session.add_all(band_rows(photo.id, photo.phash, photo.branch_id))
    _flag_photo(visit, photo, processed, client_exif_time, client_exif_point, fields.exif_device)
    # A photo that comes after an approval or a rejection is a new version the reviewer has not seen.
    reopen_after_change(ctx.actor, visit, "photo", now=ctx.now, new_version=True)
    db.session.flush()
    return PhotoWrite("created", photo)


def _serialise_writers_of(photo_id: str) -> None:
    """Files are written before the row and named by the photo id, so two writers of one id must not
    overlap: on PostgreSQL the second waits here until the first commits, then finds its row. (SQLite
    write requests already run one at a time under BEGIN IMMEDIATE.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        key = uuid.UUID(photo_id).int >> 65  # 63 bits: a non-negative bigint
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _against_existing(existing: Photo, visit: Visit, data: bytes) -> PhotoWrite:
    if existing.visit_id != visit.id or existing.sha256 != hashlib.sha256(data).hexdigest():
        raise Conflict(_("A different photo was already saved under this id."))
    return PhotoWrite("unchanged", existing)


def _evidence_json(processed: ProcessedPhoto) -> dict[str, object]:
    evidence = dataclasses.asdict(processed.evidence)
    taken = evidence.get("exif_taken_at")
    evidence["exif_taken_at"] = taken.isoformat() if isinstance(taken, datetime) else None
    return evidence


def _flag_photo(visit: Visit, photo: Photo, processed: ProcessedPhoto, client_exif_time: datetime | None,
                client_exif_point: tuple[float, float] | None, client_camera: str | None) -> None:
    config = current_app.config
    # Reuse, same scene and camera change (webapp.integrity.photos), then the photo joins the reuse index.
    flags: list[integrity.Flag] = check_and_index(visit, photo, processed, client_camera=client_camera)
    evidence = processed.evidence
    # The server's own reading of the file wins; the phone's reading covers copies it shrank itself.
    exif_lat, exif_lon = evidence.exif_lat, evidence.exif_lon
    exif_point = (exif_lat, exif_lon) if exif_lat is not None and exif_lon is not None else client_exif_point
    merchant = visit.merchant
    merchant_point = (merchant.lat, merchant.lon) if merchant.lat is not None and merchant.lon is not None else None
    far = integrity.photo_exif_far_flag(photo.id, exif_point, merchant_point, limit_m=float(config["PHOTO_EXIF_FAR_M"]))
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
