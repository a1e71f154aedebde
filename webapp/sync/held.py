"""Photos that arrive before their visit: held durably, attached exactly once when the visit arrives.

Why the server holds instead of answering 404 and letting the phone retry: a 202 for a held photo means
"your bytes are safe here", so the phone may delete its copy and free its storage, and no client ever has to
guess when the visit will have landed. The phone's outbox still sends a visit before its photos, so this is
the exception (another client, a visit refused and corrected later, an acknowledgement lost and the queue
replayed out of order), not the rule.

Exactly once: the held row is keyed by the photo id; attaching calls the one write path, put_photo, which is
itself idempotent by photo id and bytes. Attaching runs right after every successful visit write (a replay of
the visit retries an attach that a crash interrupted) and right after a photo is held (on PostgreSQL the visit
may have committed while the photo was being held). Whichever runs second finds the photo there and changes
nothing.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from webapp.errors import TooMany
from webapp.extensions import db
from webapp.models import HeldPhoto, Photo
from webapp.photos.pipeline import PhotoRejected, Watermark, process_photo
from webapp.photos.write import PhotoFields, VisitMissing, put_photo, rejection_message, validate_photo_fields
from webapp.roles import FIELD_ROLES
from webapp.write_kernel import Conflict, Forbidden, Invalid, WriteContext

log = logging.getLogger(__name__)

HOLDING_FOLDER = "held"
# Only those who record visits hold photos for them; a reviewer's upload to an unknown visit stays a 404.
HOLDING_ROLES = FIELD_ROLES


class TooManyHeld(TooMany):
    """A user already has the configured number of photos waiting for visits: a bound on disk use."""

    code = "too_many_held"

    def __init__(self) -> None:
        super().__init__(_("Too many photos are waiting for their visits on the server. Send the visits first."))


@dataclass(frozen=True)
class HoldResult:
    status: Literal["created", "unchanged"]
    held: HeldPhoto


def holding_path(photo_id: str) -> Path:
    """Named by the server-checked UUID only, never by anything the client chose."""
    return Path(current_app.config["PHOTO_STORE"]) / HOLDING_FOLDER / f"{photo_id}.upload"


def _write_durably(path: Path, data: bytes) -> None:
    """Temporary name, fsync, rename, fsync the folder: once this returns the bytes survive a power cut,
    so the row committed after it (and the 202 after that) never promises a file that is not there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _fields_json(fields: PhotoFields) -> dict[str, str | None]:
    return {"category": fields.category, "captured_at": fields.captured_at, "exif_taken_at": fields.exif_taken_at,
            "exif_lat": fields.exif_lat, "exif_lon": fields.exif_lon}


def _check_image(data: bytes) -> None:
    """Refuse now what put_photo would refuse later (empty, too large, not an image, corrupt): a 202 must
    not hide a photo that can never be attached. The real watermark needs the visit, so a neutral one."""
    config = current_app.config
    try:
        process_photo(data, Watermark(taken_at=datetime.now(UTC), merchant_name="", lat=None, lon=None),
                      max_bytes=int(config["PHOTO_MAX_BYTES"]), max_pixels=int(config["PHOTO_MAX_PIXELS"]))
    except PhotoRejected as error:
        raise PhotoRejected(error.status, error.code, rejection_message(error)) from None


def may_hold(ctx: WriteContext) -> bool:
    return ctx.actor.role in HOLDING_ROLES


def hold_photo(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes, fields: PhotoFields) -> HoldResult:
    """Keep a photo whose visit has not arrived. The caller commits. Raises Invalid, PhotoRejected, Conflict,
    TooManyHeld."""
    validate_photo_fields(fields, ctx.now)
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(Photo, photo_id) is not None:
        # Stored already, so under another visit (this one does not exist): the same answer put_photo gives.
        raise Conflict(_("A different photo was already saved under this id."))
    existing = db.session.get(HeldPhoto, photo_id)
    if existing is not None:
        return _against_held(ctx, existing, visit_id, digest)
    limit = int(current_app.config.get("SYNC_HELD_MAX_PER_USER", 2000))
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(HeldPhoto).where(
        HeldPhoto.uploaded_by_id == ctx.actor.id, HeldPhoto.state == "held"))
    if (waiting or 0) >= limit:
        raise TooManyHeld()
    _check_image(data)

    path = holding_path(photo_id)
    _write_durably(path, data)
    held = HeldPhoto(id=photo_id, visit_id=visit_id, uploaded_by_id=ctx.actor.id, sha256=digest,
                     size_bytes=len(data), fields=_fields_json(fields), device_id=ctx.device_id,
                     client_time=ctx.client_time, state="held", reason="", created_at=ctx.now)
    try:
        with db.session.begin_nested():
            db.session.add(held)
            db.session.flush()
    except IntegrityError:
        # A concurrent twin of this request held it first (same bytes, same file name).
        winner = db.session.get(HeldPhoto, photo_id, populate_existing=True)
        if winner is None:
            raise
        return _against_held(ctx, winner, visit_id, digest)
    return HoldResult("created", held)


def _against_held(ctx: WriteContext, held: HeldPhoto, visit_id: str, digest: str) -> HoldResult:
    if held.visit_id != visit_id or held.sha256 != digest or held.uploaded_by_id != ctx.actor.id:
        raise Conflict(_("A different photo was already saved under this id."))
    return HoldResult("unchanged", held)


def attach_held_photos(visit_id: str) -> list[str]:
    """Put every photo held for this visit through put_photo, each in its own transaction; the ids attached.

    Called after the visit's own transaction committed. A photo the write path refuses (its uploader is not in
    the squad, say) is marked rejected with the reason and its bytes kept: it is shown to the uploader, never
    silently dropped. An unexpected error leaves the photo held for the next attempt.
    """
    attached: list[str] = []
    held_ids = list(db.session.scalars(
        sa.select(HeldPhoto.id).where(HeldPhoto.visit_id == visit_id, HeldPhoto.state == "held")
        .order_by(HeldPhoto.created_at, HeldPhoto.id)))
    for photo_id in held_ids:
        try:
            outcome = _attach_one(photo_id)
        except Exception:  # the visit is already saved; a photo that failed waits for next time
            db.session.rollback()
            log.exception("attaching held photo %s failed; it stays held", photo_id)
            continue
        if outcome == "missing":
            break
        if outcome == "attached":
            attached.append(photo_id)
    return attached


def _attach_one(photo_id: str) -> Literal["attached", "rejected", "missing", "settled"]:
    held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
    if held is None or held.state != "held":
        db.session.rollback()
        return "settled"  # someone else attached it meanwhile
    path = holding_path(held.id)
    data = path.read_bytes()
    ctx = WriteContext(actor=held.uploaded_by, now=datetime.now(UTC), client_time=held.client_time,
                       device_id=held.device_id)
    fields = PhotoFields(**{key: held.fields.get(key) for key in
                            ("category", "captured_at", "exif_taken_at", "exif_lat", "exif_lon")})
    outcome: Literal["attached", "rejected"]
    reason = ""
    try:
        put_photo(ctx, held.visit_id, held.id, data, fields)
        outcome = "attached"
    except VisitMissing:
        db.session.rollback()
        return "missing"
    except NotFound:
        outcome, reason = "rejected", _("The visit of this photo is not one of yours.")
    except (PhotoRejected, Conflict, Forbidden) as error:
        outcome, reason = "rejected", error.message
    except Invalid as error:
        outcome, reason = "rejected", " ".join(error.errors.values())
    if outcome == "rejected":
        db.session.rollback()
        held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
        if held is None or held.state != "held":
            db.session.rollback()
            return "settled"
    held.state = outcome
    held.reason = reason[:500]
    held.settled_at = datetime.now(UTC)
    db.session.commit()
    if outcome == "attached":
        path.unlink(missing_ok=True)  # the photo store has its own durable copies now
    return outcome


def settle_after_direct_write(photo_id: str, sha256: str) -> None:
    """A held photo sent again after its visit arrived went straight through put_photo: its held copy is done
    with (or, with other bytes, refused). Commits; the file goes only after the row says so."""
    held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
    if held is None or held.state != "held":
        return
    if held.sha256 == sha256:
        held.state = "attached"
    else:
        held.state, held.reason = "rejected", _("A different photo was already saved under this id.")
    held.settled_at = datetime.now(UTC)
    db.session.commit()
    if held.state == "attached":
        holding_path(photo_id).unlink(missing_ok=True)


def held_photos_of(user_id: int) -> list[HeldPhoto]:
    """What the server keeps for this user outside a visit: waiting for a visit, or refused when it came."""
    return list(db.session.scalars(
        sa.select(HeldPhoto).where(HeldPhoto.uploaded_by_id == user_id, HeldPhoto.state.in_(("held", "rejected")))
        .order_by(HeldPhoto.created_at.desc()).limit(200)))
