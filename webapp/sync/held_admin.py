"""The admin's view of what the server holds outside visits: photos that came before their visit, refused
when it came, or expired; per person, with the bytes each takes against the quota."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.labels import HELD_PHOTO_STATE
from webapp.models import HELD_PHOTO_STATES, HELD_STATES_WITH_FILE, HeldPhoto, User
from webapp.scope import held_photo_condition, require_role

bp = Blueprint("held_admin", __name__, url_prefix="/admin/held-photos")
PAGE_SIZE = 200


@bp.get("/")
@login_required
def index() -> str:
    require_role(current_user, "admin")
    state = request.args.get("state", "")
    if state not in HELD_PHOTO_STATES:
        state = ""
    rows_query = (sa.select(HeldPhoto, User).join(User, User.id == HeldPhoto.uploaded_by_id)
                  .where(held_photo_condition(current_user)))
    rows_query = rows_query.where(HeldPhoto.state == state) if state else \
        rows_query.where(HeldPhoto.state.in_(HELD_STATES_WITH_FILE))
    rows = db.session.execute(rows_query.order_by(HeldPhoto.created_at.desc()).limit(PAGE_SIZE)).all()
    per_user = db.session.execute(
        sa.select(User, sa.func.count(HeldPhoto.id), sa.func.coalesce(sa.func.sum(HeldPhoto.size_bytes), 0))
        .join(User, User.id == HeldPhoto.uploaded_by_id)
        .where(held_photo_condition(current_user), HeldPhoto.state.in_(HELD_STATES_WITH_FILE))
        .group_by(User.id).order_by(sa.func.sum(HeldPhoto.size_bytes).desc())).all()
    counts = {state_code: number for state_code, number in db.session.execute(
        sa.select(HeldPhoto.state, sa.func.count()).where(held_photo_condition(current_user))
        .group_by(HeldPhoto.state)).all()}
    config = current_app.config
    return render_template("admin/held_photos.html", rows=rows, per_user=per_user, counts=counts, state=state,
                           states=HELD_PHOTO_STATES, state_labels=HELD_PHOTO_STATE, page_size=PAGE_SIZE,
                           quota_bytes=int(config["SYNC_HELD_MAX_BYTES_PER_USER"]),
                           expiry_days=round(float(config["SYNC_HELD_EXPIRY_S"]) / 86400, 1))
