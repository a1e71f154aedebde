"""Visit pages for people: start a visit, check in, add photos, confirm a squad part, see the flags."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.photos.store import PhotoStore
from webapp.scope import get_photo_or_404
from webapp.visits.payload import parse_uuid

bp = Blueprint("visits", __name__)


@bp.get("/photos/<photo_id>/<any(display, thumb):variant>.jpg")
@login_required
def photo_file(photo_id: str, variant: str) -> Response:
    """Photos leave the server only through here: scoped like their visit, typed, never sniffed."""
    parsed = parse_uuid(photo_id)
    if parsed is None:
        abort(404)
    photo = get_photo_or_404(current_user, parsed)
    path = PhotoStore(current_app.config["PHOTO_STORE"]).path(photo.storage_key, variant)
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
