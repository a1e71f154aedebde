"""PUT /api/v1/visits/{id}/photos/{id}: the upload, with the write lock only around the rows.

Order of work, and why:
1. The whole body is read first. A body cut off mid-way (or that stops arriving for UPLOAD_READ_TIMEOUT_S) is
   ``400 incomplete_upload``: the phone's queue retries it, where a 422 would make it give the photo up.
2. Reads in an ordinary transaction (the visit, a replay), ended before the heavy part.
3. Decode, hash and write the files, with no transaction open.
4. The rows under BEGIN IMMEDIATE (SQLite) / the photo id's lock (PostgreSQL); the answer is built before
   the commit, so nothing after the commit can fail the request: the commit is the last thing that may fail,
   and its failure is answered truthfully as nothing saved. Obsolete files go after it, best effort.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.database import immediate_transactions
from webapp.errors import AppError, Invalid, NotFoundError
from webapp.extensions import db
from webapp.health.metrics import count_sync_outcome
from webapp.models import Photo, VisitFlag
from webapp.photos.write import (
    PhotoFields,
    PhotoWrite,
    VisitMissing,
    photo_target,
    prepare_photo,
    record_photo,
    remove_files,
)
from webapp.sync.held import (
    StoredMeanwhile,
    attach_held_photos,
    hold_target,
    may_hold,
    prepare_hold,
    record_hold,
)
from webapp.visits.evidence_view import EvidenceReader
from webapp.visits.request_context import write_context
from webapp.visits.serialize import photo_json
from webapp.write_kernel import WriteContext

STATUS_CODES = {"created": 201, "unchanged": 200}


class IncompleteUpload(AppError):
    """The body ended (or stalled) before all of it arrived: nothing was stored, send it again. A 4xx the
    phone's queue would otherwise give up on, so the answer says ``"retryable": true`` (static/js/replay.js)."""

    status = 400
    code = "incomplete_upload"


def incomplete_upload() -> IncompleteUpload:
    return IncompleteUpload(_("The upload was cut off before the whole photo arrived. It is sent again."),
                            retryable=True)


def read_upload() -> tuple[bytes, PhotoFields]:
    """The photo and its fields from a multipart body that arrived whole (webapp.serving.init_body_reader
    read and checked it before the CSRF check parsed the form)."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": _("Attach the photo as 'file'.")})
    fields = PhotoFields(
        category=request.form.get("category"),
        captured_at=request.form.get("captured_at"),
        exif_taken_at=request.form.get("exif_taken_at") or None,
        exif_lat=request.form.get("exif_lat") or None,
        exif_lon=request.form.get("exif_lon") or None,
        exif_device=request.form.get("exif_device") or None,
    )
    return upload.read(), fields


def test_upload_delay() -> None:
    """Test hook: TEST_UPLOAD_DELAY_S holds a photo upload after its body was read and its files written, and
    before the commit, so a test can kill the server in the middle of an upload. Honoured only when the app
    is in testing mode or XW_TEST_HOOKS=1; TEST_UPLOAD_DELAY_MARKER names a file touched when the wait starts."""
    delay = float(current_app.config.get("TEST_UPLOAD_DELAY_S") or 0)
    if delay <= 0 or not (current_app.testing or os.environ.get("XW_TEST_HOOKS") == "1"):
        return
    marker = current_app.config.get("TEST_UPLOAD_DELAY_MARKER")
    if marker:
        Path(marker).touch()
    time.sleep(delay)


def _photo_body(photo_id: str) -> dict[str, Any]:
    """The photo as the API shows it, read inside the transaction that wrote it."""
    photo = db.session.get(Photo, photo_id)
    assert photo is not None
    flags = list(db.session.scalars(sa.select(VisitFlag).where(VisitFlag.visit_id == photo.visit_id)
                                    .order_by(VisitFlag.id)))
    return photo_json(photo, flags, EvidenceReader(current_user, flags))


def upload_photo(visit_id: str, photo_id: str) -> tuple[Response, int]:
    data, fields = read_upload()
    db.session.rollback()  # whatever the request's hooks read: no transaction stays open over the decode
    ctx = write_context()
    try:
        target = photo_target(ctx, visit_id, photo_id, data, fields)
    except VisitMissing:
        db.session.rollback()
        if not may_hold(ctx):
            raise NotFoundError() from None
        return _hold(ctx, visit_id, photo_id, data, fields)
    if isinstance(target, PhotoWrite):
        body = _photo_body(target.photo.id)
        db.session.rollback()
        count_sync_outcome("photo", "unchanged")
        return jsonify(body), 200
    db.session.rollback()
    prepared = prepare_photo(target, data)
    test_upload_delay()
    with immediate_transactions():
        result = record_photo(ctx, prepared)
        body = _photo_body(result.photo.id)
        db.session.commit()
    remove_files(result.obsolete_files)
    count_sync_outcome("photo", result.status)
    return jsonify(body), STATUS_CODES[result.status]


def _hold(ctx: WriteContext, visit_id: str, photo_id: str, data: bytes, fields: PhotoFields) -> tuple[Response, int]:
    """202: the bytes are durable on the server and join the visit when it arrives; the phone may let go."""
    try:
        target = hold_target(ctx, visit_id, photo_id, data, fields)
        if isinstance(target, str):
            db.session.rollback()
            upload = prepare_hold(visit_id, photo_id, data, fields, target)
            test_upload_delay()
            with immediate_transactions():
                result = record_hold(ctx, upload)
                sha256, status = result.held.sha256, result.status  # read before the commit
                db.session.commit()
        else:
            sha256, status = target.held.sha256, target.status
            db.session.rollback()
    except StoredMeanwhile:
        db.session.rollback()
        body = _photo_body(photo_id)
        db.session.rollback()
        count_sync_outcome("photo", "unchanged")
        return jsonify(body), 200
    held = {"id": photo_id, "visit_id": visit_id, "sha256": sha256}
    # On PostgreSQL the visit may have committed while this photo was being held: attach it now if so.
    # (attach_held_photos never raises: the 202 is already true.)
    if photo_id in attach_held_photos(visit_id):
        count_sync_outcome("photo", "attached")
        return jsonify(status="attached", **held), 201
    count_sync_outcome("photo", "held" if status == "created" else "held_unchanged")
    return jsonify(status="held", message=_("The photo is kept on the server until its visit arrives."),
                   **held), 202
