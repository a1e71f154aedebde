"""Attaching one held photo to its visit, in the photo write path's three steps: reads, the heavy part with
no transaction open, then the rows under the write lock. The held file is checked against the SHA-256 the
server promised when it answered 202, so an attach can only ever store the bytes that were acknowledged."""
from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Literal

from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from webapp.database import deferred_transactions, immediate_transactions
from webapp.errors import AppError, Invalid
from webapp.extensions import db
from webapp.models import HeldPhoto
from webapp.photos.store import MissingFile, photo_store
from webapp.photos.write import (
    PhotoFields,
    PhotoWrite,
    VisitMissing,
    discard_files,
    photo_target,
    prepare_photo,
    record_photo,
    remove_files,
)
from webapp.sync.settle import settle_held_copy
from webapp.write_kernel import WriteContext

log = logging.getLogger(__name__)

Outcome = Literal["attached", "rejected", "missing", "settled", "kept"]


def attach_one(photo_id: str) -> Outcome:
    """Attach one held photo if its visit exists; what happened. Commits its own transactions."""
    with deferred_transactions():
        held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
        if held is None or held.state != "held":
            db.session.rollback()
            return "settled"  # someone else attached it meanwhile
        try:
            data = photo_store().get(held.storage_name)
        except MissingFile:
            db.session.rollback()
            log.error("held photo %s has no file %s; it stays held", photo_id, held.storage_name)
            return "kept"
        promised = held.sha256
        if hashlib.sha256(data).hexdigest() != promised:
            log.error("held photo %s: file %s does not match its SHA-256", photo_id, held.storage_name)
            return _settle(photo_id, "rejected", _("The server's copy of this photo is damaged."))
        ctx = WriteContext(actor=held.uploaded_by, now=datetime.now(UTC), client_time=held.client_time,
                           device_id=held.device_id)
        fields = PhotoFields(**{key: held.fields.get(key) for key in
                                ("category", "captured_at", "exif_taken_at", "exif_lat", "exif_lon",
                                 "exif_device")})
        try:
            target = photo_target(ctx, held.visit_id, held.id, data, fields)
        except VisitMissing:
            db.session.rollback()
            return "missing"
        except NotFound:
            db.session.rollback()
            return _settle(photo_id, "rejected", _("The visit of this photo is not one of yours."))
        except AppError as error:
            db.session.rollback()
            return _settle(photo_id, "rejected", _reason(error))
        db.session.rollback()
    if isinstance(target, PhotoWrite):
        # The same bytes were stored directly already: the held copy is done with.
        with immediate_transactions():
            obsolete = settle_held_copy(photo_id, promised, datetime.now(UTC))
            db.session.commit()
        remove_files(obsolete)
        return "attached"
    try:
        prepared = prepare_photo(target, data)
    except AppError as error:
        return _settle(photo_id, "rejected", _reason(error))
    with immediate_transactions():
        try:
            result = record_photo(ctx, prepared)
            db.session.commit()
        except NotFound:
            db.session.rollback()
            return _settle(photo_id, "rejected", _("The visit of this photo is not one of yours."))
        except AppError as error:
            db.session.rollback()
            return _settle(photo_id, "rejected", _reason(error))
        except BaseException:
            db.session.rollback()
            discard_files(prepared)
            raise
    remove_files(result.obsolete_files)
    return "attached" if result.status == "created" else "settled"


def _reason(error: AppError) -> str:
    if isinstance(error, Invalid):
        return " ".join(error.errors.values())
    return error.message


def _settle(photo_id: str, state: Literal["rejected"], reason: str) -> Outcome:
    """The visit's write path refused the photo: shown to the uploader with the reason, its file kept."""
    db.session.rollback()
    with immediate_transactions():
        held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
        if held is None or held.state != "held":
            db.session.rollback()
            return "settled"
        held.state, held.reason, held.settled_at = state, reason[:500], datetime.now(UTC)
        db.session.commit()
    return state
