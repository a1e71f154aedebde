"""Learning: policy study sessions and who attended, the shares made at meetings (who shared what), and the
culture wall of team-building briefs with their photos."""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.errors import AppError
from webapp.extensions import db
from webapp.meetings.learning import add_brief_photo, create_brief, record_study_session
from webapp.meetings.period_boards import visible_sub_branches
from webapp.meetings.views import Page, finished, form_again
from webapp.models import MeetingItem, StudySession, TeamBrief, User
from webapp.models.meetings import MORNING_ITEM_KINDS
from webapp.photos.store import PhotoStore
from webapp.scope import (
    BRANCH_WIDE_ROLES,
    FIELD_ROLES,
    brief_condition,
    get_brief_or_404,
    get_brief_photo_or_404,
    require_role,
    study_condition,
    visible_sub_branch_ids,
)
from webapp.visits.request_context import write_context
from webapp.write_kernel import parse_uuid

bp = Blueprint("learning", __name__, url_prefix="/meetings/learning")
SHARE_KINDS = ("tip", "success_story", "policy", "market_news", "news", "experience", "lesson")


def _context(**extra: Any) -> dict[str, Any]:
    ids = visible_sub_branch_ids(current_user)
    sessions = list(db.session.scalars(sa.select(StudySession).where(study_condition(current_user))
                                       .order_by(StudySession.held_on.desc()).limit(50)
                                       .options(selectinload(StudySession.attendees))))
    shares = list(db.session.scalars(
        sa.select(MeetingItem).where(MeetingItem.branch_id == current_user.sub_branch.branch_id,
                                     MeetingItem.shared_by_id.is_not(None), MeetingItem.kind.in_(SHARE_KINDS),
                                     sa.or_(MeetingItem.sub_branch_id.is_(None), MeetingItem.sub_branch_id.in_(ids)))
        .order_by(MeetingItem.day.desc(), MeetingItem.id.desc()).limit(100)
        .options(selectinload(MeetingItem.shared_by))))
    briefs = list(db.session.scalars(sa.select(TeamBrief).where(brief_condition(current_user))
                                     .order_by(TeamBrief.held_on.desc()).limit(30)
                                     .options(selectinload(TeamBrief.photos))))
    people = list(db.session.scalars(sa.select(User).where(User.sub_branch_id.in_(ids), User.is_enabled.is_(True))
                                     .order_by(User.sub_branch_id, User.username)))
    return {"sessions": sessions, "shares": shares, "briefs": briefs, "people": people, "today": bank_today(),
            "sub_branches": visible_sub_branches(ids), "branch_wide": current_user.role in BRANCH_WIDE_ROLES,
            "can_study": current_user.role in ("team_lead", *BRANCH_WIDE_ROLES),
            "can_brief": current_user.role == "team_lead", "share_kinds": MORNING_ITEM_KINDS,
            "values": {}, "errors": {}, "form": "", **extra}


@bp.get("/")
@login_required
def index() -> str:
    return render_template("learning/index.html", **_context())


@bp.post("/studies")
@login_required
def add_study() -> Page:
    require_role(current_user, "team_lead", *BRANCH_WIDE_ROLES)
    try:
        record_study_session(write_context(), request.form, request.form.getlist("attendees"))
    except AppError as error:
        db.session.rollback()
        if error.status != 422:
            raise
        return form_again("learning/index.html", None, _context(values=request.form, form="study"), error.fields)
    db.session.commit()
    flash(_("The study session was recorded."), "info")
    return finished(url_for("learning.index"))


@bp.post("/briefs")
@login_required
def add_brief() -> Page:
    require_role(current_user, "team_lead")
    try:
        brief = create_brief(write_context(), request.form)
    except AppError as error:
        db.session.rollback()
        if error.status != 422:
            raise
        return form_again("learning/index.html", None, _context(values=request.form, form="brief"), error.fields)
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
        current_user.role == "team_lead" or current_user.id == brief.created_by_id)


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
        db.session.rollback()
        if error.status >= 500:
            raise
        return render_template("learning/brief.html", brief=found, photo_id=_new_photo_id(), can_add=True,
                               errors={"file": error.message}), error.status
    db.session.commit()
    return finished(url_for("learning.brief", brief_id=found.id))


@bp.get("/photos/<photo_id>/<any(display, thumb):variant>.jpg")
@login_required
def photo_file(photo_id: str, variant: str) -> Response:
    """Culture-wall photos leave the server only through here, scoped like their brief."""
    parsed = parse_uuid(photo_id)
    if parsed is None:
        abort(404)
    photo = get_brief_photo_or_404(current_user, parsed)
    path = PhotoStore(current_app.config["PHOTO_STORE"]).path(photo.storage_key, variant)
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
