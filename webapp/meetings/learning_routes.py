"""Learning: policy study sessions and who attended, the shares made at meetings (who shared what), and the
culture wall of team-building briefs with their photos."""
from __future__ import annotations

import hashlib
import io
import uuid

from flask import Blueprint, abort, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.errors import AppError, Invalid
from webapp.extensions import db
from webapp.meetings.learning import add_brief_photo, create_brief, record_study_session
from webapp.meetings.learning_pages import learning_page
from webapp.meetings.views import form_again
from webapp.models import TeamBrief
from webapp.pages import Page, finished
from webapp.photos.store import MissingFile, photo_store, variant_name
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope import get_brief_or_404, get_brief_photo_or_404, require_role
from webapp.visits.request_context import write_context
from webapp.write_kernel import parse_uuid

bp = Blueprint("learning", __name__, url_prefix="/meetings/learning")


@bp.get("/")
@login_required
def index() -> str:
    return render_template("learning/index.html", **learning_page(current_user))


@bp.post("/studies")
@login_required
def add_study() -> Page:
    require_role(current_user, TEAM_LEAD, *BRANCH_WIDE_ROLES)
    try:
        record_study_session(write_context(), request.form, request.form.getlist("attendees"))
    except Invalid as error:
        return form_again(error, "learning/index.html", None,
                          learning_page(current_user, values=request.form, form="study"))
    db.session.commit()
    flash(_("The study session was recorded."), "info")
    return finished(url_for("learning.index"))


@bp.post("/briefs")
@login_required
def add_brief() -> Page:
    require_role(current_user, TEAM_LEAD)
    try:
        brief = create_brief(write_context(), request.form)
    except Invalid as error:
        return form_again(error, "learning/index.html", None,
                          learning_page(current_user, values=request.form, form="brief"))
    db.session.commit()
    return finished(url_for("learning.brief", brief_id=brief.id))


@bp.get("/briefs/<int:brief_id>")
@login_required
def brief(brief_id: int) -> str:
    found = get_brief_or_404(current_user, brief_id)
    return render_template("learning/brief.html", brief=found, errors={}, photo_id=_new_photo_id(),
                           can_add=_may_add_photos(found))


def _may_add_photos(brief: TeamBrief) -> bool:
    """The brief's author or a team lead of its sub-branch (the write path decides; the page only offers)."""
    return current_user.role in FIELD_ROLES and current_user.sub_branch_id == brief.sub_branch_id and (
        current_user.role == TEAM_LEAD or current_user.id == brief.created_by_id)


def _new_photo_id() -> str:
    return str(uuid.uuid4())


@bp.post("/briefs/<int:brief_id>/photos")
@login_required
def add_photo(brief_id: int) -> Page:
    """A photo through the app's photo pipeline; the form's id makes a resent photo a no-op."""
    require_role(current_user, *FIELD_ROLES)
    found = get_brief_or_404(current_user, brief_id)
    photo_id = parse_uuid(request.form.get("photo_id"))
    upload = request.files.get("file")
    if photo_id is None or upload is None:
        return render_template("learning/brief.html", brief=found, photo_id=_new_photo_id(), can_add=True,
                               errors={"file": _("Choose a photo.")}), 422
    try:
        add_brief_photo(write_context(), found, photo_id, upload.read())
    except AppError as error:
        # The photo's own refusals (too large, not a photo, a replay with other bytes) keep their status.
        return form_again(error, "learning/brief.html", None,
                          {"brief": found, "photo_id": _new_photo_id(), "can_add": True},
                          message_field="file", htmx_status=None)
    db.session.commit()
    return finished(url_for("learning.brief", brief_id=found.id))


@bp.get("/photos/<uuid:photo_id>/<any(display, thumb):variant>.jpg")
@login_required
def photo_file(photo_id: str, variant: str) -> Response:
    """Culture-wall photos leave the server only through here, scoped like their brief."""
    photo = get_brief_photo_or_404(current_user, photo_id)
    name = variant_name(photo.storage_key, variant)
    try:
        data = photo_store().get(name)
    except MissingFile:
        abort(404)
    # A stored name is never rewritten, so the name itself is a strong validator.
    response = send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=0, conditional=True,
                         etag=hashlib.sha256(name.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
