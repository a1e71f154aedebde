"""Photos that arrive before their visit: held durably, attached exactly once when the visit arrives.

Why the server holds instead of answering 404 and letting the phone retry: a 202 for a held photo means
"your bytes are safe here", so the phone may delete its copy and free its storage, and no client ever has to
guess when the visit will have landed. The phone's outbox still sends a visit before its photos, so this is
the exception (another client, a visit refused and corrected later, an acknowledgement lost and the queue
replayed out of order), not the rule.

Exactly once: the held row is keyed by the photo id, and holding takes the same lock on the id as storing
(webapp.photos.write.lock_photo_id), so an upload of one id is either held or stored, never both with other
bytes. Each held upload is written under a file name of its own, and attaching checks the file against the
SHA-256 the 202 promised before it goes through the one write path (webapp.photos.write). Attaching runs after
every successful visit write (a replay of the visit retries an attach that a crash interrupted), right after a
photo is held (on PostgreSQL the visit may have committed meanwhile), and in the sweeper. Whichever runs
second finds the photo there and changes nothing.

Bounded: a user holds at most SYNC_HELD_MAX_BYTES_PER_USER bytes (and SYNC_HELD_MAX_PER_USER uploads); rows
expire after SYNC_HELD_EXPIRY_S; a file goes as soon as its row is settled (attached, superseded, expired).
Like the photo write, the decode and the file write happen before the write transaction.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from webapp.database import immediate_transactions
from webapp.errors import TooMany
from webapp.extensions import db
from webapp.models import HELD_STATES_WITH_FILE, HeldPhoto, Photo
from webapp.photos.store import new_held_name, photo_store
from webapp.photos.watermark import Watermark
from webapp.photos.write import (
    PhotoFields,
    lock_photo_id,
    remove_files,
    run_pipeline,
    validate_photo_fields,
)
from webapp.roles import FIELD_ROLES
from webapp.write_kernel import Conflict, WriteContext

log = logging.getLogger(__name__)

# Only those who record visits hold photos for them; a reviewer's upload to an unknown visit stays a 404.
HOLDING_ROLES = FIELD_ROLES


class TooManyHeld(TooMany):
    """A user already holds the configured bytes or number of photos waiting for visits: a bound on disk use."""

    code = "too_many_held"

    def __init__(self) -> None:
        super().__init__(_("Too many photos are waiting for their visits on the server. Send the visits first."))


@dataclass(frozen=True)
class HoldResult:
    status: Literal["created", "unchanged"]
    held: HeldPhoto


@dataclass(frozen=True)
class HeldUpload:
    """An upload checked and written to the store under its own name, waiting for its row."""

    visit_id: str
    photo_id: str
    sha256: str
    size_bytes: int
    fields: PhotoFields
    storage_name: str


def may_hold(ctx: WriteContext) -> bool:
    return ctx.actor.role in HOLDING_ROLES


def _fields_json(fields: PhotoFields) -> dict[str, str | None]:
    return {"category": fields.category, "captured_at": fields.captured_at, "exif_taken_at": fields.exif_taken_at,
            "exif_lat": fields.exif_lat, "exif_lon": fields.exif_lon, "exif_device": fields.exif_device}


def _check_quota(ctx: WriteContext, size_bytes: int) -> None:
    config = current_app.config
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(HeldPhoto.size_bytes), 0))
        .where(HeldPhoto.uploaded_by_id == ctx.actor.id, HeldPhoto.state.in_(HELD_STATES_WITH_FILE))).one()
    if count >= int(config["SYNC_HELD_MAX_PER_USER"]) or \
            total + size_bytes > int(config["SYNC_HELD_MAX_BYTES_PER_USER"]):
        raise TooManyHeld()


class StoredMeanwhile(Exception):
    """The same bytes were stored under this id while this upload was being held (its visit arrived): the
    caller answers as the photo write path answers a replay."""


def _existing(ctx: WriteContext, visit_id: str, photo_id: str, sha256: str) -> HoldResult | None:
    """A replay of what is already held (unchanged), or None; Conflict for anything else under this id."""
    stored = db.session.get(Photo, photo_id, populate_existing=True)
    if stored is not None:
        if stored.visit_id == visit_id and stored.sha256 == sha256:
            raise StoredMeanwhile()
        # Stored under another visit or with other bytes: the same answer put_photo gives.
        raise Conflict(_("A different photo was already saved under this id."))
    held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
    if held is None:
        return None
    if held.visit_id != visit_id or held.sha256 != sha256 or held.uploaded_by_id != ctx.actor.id:
        raise Conflict(_("A different photo was already saved under this id."))
    return HoldResult("unchanged", held)


def hold_target(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes,
                fields: PhotoFields) -> HoldResult | str:
    """Step 1, reads only: the replay's HoldResult, or the upload's SHA-256 when it is new. Raises Invalid,
    Conflict, TooManyHeld."""
    validate_photo_fields(fields, ctx.now)
    sha256 = hashlib.sha256(data).hexdigest()
    replay = _existing(ctx, visit_id, photo_id, sha256)
    if replay is not None:
        return replay
    _check_quota(ctx, len(data))
    return sha256


def prepare_hold(visit_id: str, photo_id: str, data: bytes, fields: PhotoFields, sha256: str) -> HeldUpload:
    """Step 2, no database: refuse now what the write path would refuse later (a 202 must not hide a photo
    that can never be attached; the real watermark needs the visit, so a neutral one), then the bytes,
    durable, under a name of their own."""
    run_pipeline(data, Watermark(taken_at=datetime.now(UTC), merchant_name="", lat=None, lon=None))
    name = new_held_name(photo_id)
    photo_store().put(name, data)
    return HeldUpload(visit_id=visit_id, photo_id=photo_id, sha256=sha256, size_bytes=len(data), fields=fields,
                      storage_name=name)


def record_hold(ctx: WriteContext, upload: HeldUpload) -> HoldResult:
    """Step 3: the row, under the photo id's lock; flushes, never commits. A refused or replayed upload's
    file is removed again."""
    try:
        lock_photo_id(upload.photo_id)
        replay = _existing(ctx, upload.visit_id, upload.photo_id, upload.sha256)
        if replay is not None:
            remove_files([upload.storage_name])
            return replay
        _check_quota(ctx, upload.size_bytes)
        held = HeldPhoto(id=upload.photo_id, visit_id=upload.visit_id, uploaded_by_id=ctx.actor.id,
                         sha256=upload.sha256, size_bytes=upload.size_bytes, storage_name=upload.storage_name,
                         fields=_fields_json(upload.fields), device_id=ctx.device_id, client_time=ctx.client_time,
                         state="held", reason="", created_at=ctx.now)
        db.session.add(held)
        db.session.flush()
    except BaseException:
        remove_files([upload.storage_name])
        raise
    return HoldResult("created", held)


def hold_photo(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes, fields: PhotoFields) -> HoldResult:
    """All three steps in the caller's transaction; the caller commits."""
    target = hold_target(ctx, visit_id, photo_id, data, fields)
    if isinstance(target, HoldResult):
        return target
    return record_hold(ctx, prepare_hold(visit_id, photo_id, data, fields, target))


def attach_held_photos(visit_id: str) -> list[str]:
    """Put every photo held for this visit through the photo write path, each in its own transactions; the
    ids attached. Called after the visit's own transaction committed: it never raises (the visit is saved
    whatever happens here; a photo that failed stays held for the next attempt)."""
    from webapp.sync.attach import attach_one

    attached: list[str] = []
    try:
        held_ids = list(db.session.scalars(
            sa.select(HeldPhoto.id).where(HeldPhoto.visit_id == visit_id, HeldPhoto.state == "held")
            .order_by(HeldPhoto.created_at, HeldPhoto.id)))
        db.session.rollback()
    except Exception:
        db.session.rollback()
        log.exception("listing the held photos of visit %s failed; they stay held", visit_id)
        return attached
    for photo_id in held_ids:
        try:
            outcome = attach_one(photo_id)
        except Exception:  # the visit is already saved; a photo that failed waits for next time
            db.session.rollback()
            log.exception("attaching held photo %s failed; it stays held", photo_id)
            continue
        if outcome == "missing":
            break
        if outcome == "attached":
            attached.append(photo_id)
    return attached


def expire_held_photos(now: datetime) -> int:
    """Rows nobody came for within SYNC_HELD_EXPIRY_S become 'expired' and their files go; the count."""
    cutoff = now.timestamp() - float(current_app.config["SYNC_HELD_EXPIRY_S"])
    expired = 0
    with immediate_transactions():
        rows = list(db.session.scalars(
            sa.select(HeldPhoto).where(HeldPhoto.state.in_(HELD_STATES_WITH_FILE),
                                       HeldPhoto.created_at < datetime.fromtimestamp(cutoff, UTC))
            .order_by(HeldPhoto.created_at).limit(1000)))
        names = []
        for held in rows:
            held.state, held.settled_at = "expired", now
            held.reason = _("Nobody sent its visit in time; the server removed the photo.")
            names.append(held.storage_name)
            expired += 1
        db.session.commit()
    remove_files(names)
    return expired


def held_photos_of(user_id: int) -> list[HeldPhoto]:
    """What the server keeps (or kept) for this user outside a visit: waiting, refused when the visit came,
    or expired unclaimed."""
    return list(db.session.scalars(
        sa.select(HeldPhoto).where(HeldPhoto.uploaded_by_id == user_id,
                                   HeldPhoto.state.in_(("held", "rejected", "expired")))
        .order_by(HeldPhoto.created_at.desc()).limit(200)))
