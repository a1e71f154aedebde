"""The one idempotent write path for visit photos: the API, the visit page's uploader and the CLI.

A photo is written in three steps, so that the heavy part never runs inside a write transaction (on SQLite
the write lock is one for the whole database: decoding inside it made every worker's writes queue):

1. ``photo_target``: reads only. The visit in the writer's scope, the fields, a replay of a stored photo.
2. ``prepare_photo``: no database. Decode, hash, the three clean copies, written to the photo store under a
   name of their own (two uploads of one id never share a file).
3. ``record_photo``: the rows, under a lock on the photo id; the caller commits once. A refusal here, or a
   failed commit (``discard_files``), removes the files the upload wrote; a request killed in between leaves
   files no row names, which the sweeper removes (webapp/photos/sweep.py).

``put_photo`` runs the three in a row for callers that write one photo in one transaction (tests, CLI);
the JSON API runs them itself with the write lock only around step 3 (webapp/api/photo_upload.py).
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import time
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
from webapp.models import PHOTO_CATEGORIES, Photo, Visit
from webapp.photos.flags import flag_photo
from webapp.photos.limits import decode_slot
from webapp.photos.pipeline import (
    PhotoRejected,
    ProcessedPhoto,
    Watermark,
    process_photo,
)
from webapp.photos.reuse import band_rows
from webapp.photos.store import new_photo_key, photo_names, photo_store
from webapp.review.decisions import reopen_after_change
from webapp.scope import visit_condition
from webapp.sync.settle import settle_held_copy
from webapp.visits.payload import parse_time
from webapp.write_kernel import Conflict, FieldErrors, Forbidden, Invalid, WriteContext

log = logging.getLogger(__name__)


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
    # Files made obsolete by this write (a held copy now stored properly): removed after the commit.
    obsolete_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhotoTarget:
    """What the read step learnt: where the photo goes and what the pipeline burns into it."""

    visit_id: str
    photo_id: str
    sha256: str
    size_bytes: int
    category: str
    captured_at: datetime
    exif_time: datetime | None
    exif_point: tuple[float, float] | None
    exif_device: str | None
    watermark: Watermark


@dataclass(frozen=True)
class PreparedPhoto:
    """A processed upload whose files are in the store, waiting for its rows."""

    target: PhotoTarget
    processed: ProcessedPhoto
    storage_key: str


def rejection_message(error: PhotoRejected) -> str:
    """The pipeline's reasons in the user's language."""
    messages = {
        "empty": _("The file is empty. Take the photo again."),
        "too_large": _("The photo is too large. The app shrinks photos before upload; take it again in the app."),
        "unsupported_type": _("The file is not a JPEG, PNG or HEIC photo."),
        "corrupt": _("The photo is damaged or incomplete (perhaps the upload was cut off). Take or send it again."),
        "too_many_pixels": _("The picture has too many pixels to be a phone photo."),
        "too_large_to_decode": _("The picture needs too much memory to process. Send a smaller photo."),
    }
    message: str = messages.get(error.code, error.message)
    return message


def run_pipeline(data: bytes, watermark: Watermark) -> ProcessedPhoto:
    """The photo pipeline with the app's limits, its refusals in the user's language, its time measured."""
    from webapp.health.metrics import observe_pipeline

    config = current_app.config
    started = time.perf_counter()
    try:
        processed = process_photo(data, watermark, max_bytes=int(config["PHOTO_MAX_BYTES"]),
                                  max_pixels=int(config["PHOTO_MAX_PIXELS"]),
                                  max_decode_bytes=int(config["PHOTO_DECODE_MAX_BYTES"]), decode_slot=decode_slot)
    except PhotoRejected as error:
        raise PhotoRejected(error.status, error.code, rejection_message(error)) from None
    observe_pipeline(time.perf_counter() - started)
    return processed


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
            moment = datetime.fromisoformat(fields.exif_taken_at)
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


def _writable_visit(ctx: WriteContext, visit_id: str) -> Visit:
    visit: Visit | None = db.session.scalar(sa.select(Visit).where(Visit.id == visit_id, visit_condition(ctx.actor)))
    if visit is None:
        if db.session.get(Visit, visit_id) is None:
            raise VisitMissing()
        raise NotFound()
    if visit.role_of(ctx.actor.id) is None:
        raise Forbidden(_("Only members of the squad add photos to a visit."))
    return visit


def photo_target(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes,
                 fields: PhotoFields) -> PhotoTarget | PhotoWrite:
    """Step 1, reads only: a PhotoTarget to prepare, or the PhotoWrite of a replay (nothing to do). Raises
    VisitMissing, NotFound, Forbidden, Invalid, Conflict."""
    visit = _writable_visit(ctx, visit_id)
    category, captured_at, exif_time, exif_point = _parse_fields(fields, ctx.now)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = db.session.get(Photo, photo_id)
    if existing is not None:
        return _against_existing(existing, visit.id, sha256)
    point = (visit.checkin_lat, visit.checkin_lon) if visit.checkin_lat is not None else (
        (visit.merchant.lat, visit.merchant.lon) if visit.merchant.located else (None, None))
    watermark = Watermark(taken_at=(exif_time or captured_at).astimezone(BANK_ZONE),
                          merchant_name=visit.merchant.name, lat=point[0], lon=point[1],
                          manager_name=ctx.actor.display_name)
    return PhotoTarget(visit_id=visit.id, photo_id=photo_id, sha256=sha256, size_bytes=len(data),
                       category=category, captured_at=captured_at, exif_time=exif_time, exif_point=exif_point,
                       exif_device=fields.exif_device, watermark=watermark)


def prepare_photo(target: PhotoTarget, data: bytes) -> PreparedPhoto:
    """Step 2, no database: the pipeline, then the three copies durable in the store under a key of their own."""
    processed = run_pipeline(data, target.watermark)
    key = new_photo_key(target.photo_id)
    prepared = PreparedPhoto(target=target, processed=processed, storage_key=key)
    store = photo_store()
    copies = {"original": processed.original_jpeg, "display": processed.display_jpeg, "thumb": processed.thumb_jpeg}
    try:
        for name, variant in zip(photo_names(key), copies, strict=True):
            store.put(name, copies[variant])
    except BaseException:
        discard_files(prepared)
        raise
    return prepared


def record_photo(ctx: WriteContext, prepared: PreparedPhoto) -> PhotoWrite:
    """Step 3: the rows, flags and reuse bands, under the photo id's lock; flushes, never commits. The
    prepared files are removed when the write is refused or was a replay after all."""
    target = prepared.target
    try:
        lock_photo_id(target.photo_id)
        visit = _writable_visit(ctx, target.visit_id)
        existing = db.session.get(Photo, target.photo_id, populate_existing=True)
        if existing is not None:
            discard_files(prepared)
            return _against_existing(existing, visit.id, target.sha256)
        processed = prepared.processed
        photo = Photo(
            id=target.photo_id, visit_id=visit.id, branch_id=visit.merchant.sub_branch.branch_id,
            uploaded_by_id=ctx.actor.id, category=target.category, captured_at=target.captured_at,
            client_exif_taken_at=target.exif_time,
            client_exif_lat=target.exif_point[0] if target.exif_point else None,
            client_exif_lon=target.exif_point[1] if target.exif_point else None,
            evidence=_evidence_json(processed, target.exif_device), sha256=processed.sha256, phash=processed.phash,
            size_bytes=target.size_bytes, storage_key=prepared.storage_key, created_at=ctx.now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(photo)
                db.session.flush()
        except IntegrityError:
            # Only without the lock (a database we do not lock on): the other writer's row stands.
            winner = db.session.get(Photo, target.photo_id, populate_existing=True)
            if winner is None:
                raise
            discard_files(prepared)
            return _against_existing(winner, visit.id, target.sha256)
        db.session.add_all(band_rows(photo.id, photo.phash, photo.branch_id))
        flag_photo(visit, photo, processed, target.exif_time, target.exif_point, target.exif_device)
        # A photo that comes after an approval or a rejection is a new version the reviewer has not seen.
        reopen_after_change(ctx.actor, visit, "photo", now=ctx.now, new_version=True)
        obsolete = settle_held_copy(photo.id, photo.sha256, ctx.now)
        db.session.flush()
    except BaseException:
        discard_files(prepared)
        raise
    return PhotoWrite("created", photo, tuple(obsolete))


def put_photo(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes, fields: PhotoFields) -> PhotoWrite:
    """All three steps in the caller's transaction; the caller commits (and then calls remove_files)."""
    target = photo_target(ctx, visit_id, photo_id, data, fields)
    if isinstance(target, PhotoWrite):
        return target
    return record_photo(ctx, prepare_photo(target, data))


def lock_photo_id(photo_id: str) -> None:
    """Writers of one photo id, stored or held, take turns: on PostgreSQL a transaction lock on the id (the
    second waits until the first commits, then finds its row); SQLite writes already run one at a time under
    BEGIN IMMEDIATE."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = uuid.UUID(photo_id).int >> 65  # 63 bits: a non-negative bigint
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def discard_files(prepared: PreparedPhoto) -> None:
    """Remove an upload's own files after its rows were refused or rolled back (the sweeper catches what
    this misses)."""
    remove_files(photo_names(prepared.storage_key))


def remove_files(names: tuple[str, ...] | list[str]) -> None:
    """Best effort and after the fact: a file left behind is the sweeper's, never the request's failure."""
    store = photo_store()
    for name in names:
        try:
            store.delete(name)
        except Exception:
            log.warning("could not remove %s; the sweeper will", name, exc_info=True)


def _against_existing(existing: Photo, visit_id: str, sha256: str) -> PhotoWrite:
    if existing.visit_id != visit_id or existing.sha256 != sha256:
        raise Conflict(_("A different photo was already saved under this id."))
    return PhotoWrite("unchanged", existing)


def _evidence_json(processed: ProcessedPhoto, client_device: str | None = None) -> dict[str, object]:
    """What the server read from the file, and the camera the phone read before it shrank the photo (the shrunk
    copy carries no EXIF, so without it the reviewer's device column would be empty)."""
    evidence = dataclasses.asdict(processed.evidence)
    taken = evidence.get("exif_taken_at")
    evidence["exif_taken_at"] = taken.isoformat() if isinstance(taken, datetime) else None
    device = " ".join((client_device or "").split())[:120]
    if device:
        evidence["client_exif_device"] = device
    return evidence
