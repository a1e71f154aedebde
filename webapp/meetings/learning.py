"""Learning (学习与辅导): policy study sessions with who attended, and team-building briefs whose photos go up
on the culture wall (文化墙). Photos go through the app's photo pipeline and store, like visit photos: an
allow-listed type, a pixel cap, metadata-free copies, a server-made storage key, durable writes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp.bank_time import BANK_ZONE, bank_today
from webapp.extensions import db
from webapp.meetings.items import clean_text, parse_day
from webapp.models import StudySession, SubBranch, TeamBrief, TeamBriefPhoto, User
from webapp.photos.pipeline import PhotoRejected, Watermark, process_photo
from webapp.photos.store import new_photo_key, photo_names, photo_store, variant_name
from webapp.photos.write import rejection_message, remove_files
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.write_kernel import Conflict, FieldErrors, Forbidden, WriteContext

DAYS_BACK = timedelta(days=366)
DAYS_AHEAD = timedelta(days=60)


def record_study_session(ctx: WriteContext, form: Mapping[str, str], attendee_ids: Collection[str]) -> StudySession:
    """A lead records their sub-branch's session; the branch records its own (for all) or a sub-branch's.
    Attendees are people of the session's sub-branch (of the branch for a branch session)."""
    actor: User = ctx.actor
    errors = FieldErrors()
    sub_branch_id: int | None
    if actor.role == TEAM_LEAD:
        sub_branch_id = actor.sub_branch_id
    elif actor.role in BRANCH_WIDE_ROLES:
        raw = (form.get("sub_branch_id") or "").strip()
        sub_branch_id = int(raw) if raw.isdigit() else None
        if raw and (sub_branch_id is None or _branch_of(sub_branch_id) != actor.sub_branch.branch_id):
            errors.add("sub_branch_id", _("Choose a sub-branch of your branch."))
    else:
        raise Forbidden(_("A team lead or the branch records study sessions."))
    topic = clean_text(form.get("topic"), "topic", errors, 200, required=True)
    notes = clean_text(form.get("notes"), "notes", errors, 2000)
    held_on = parse_day(form.get("held_on"), "held_on", errors)
    today = bank_today(ctx.now)
    if held_on is not None and not today - DAYS_BACK <= held_on <= today + DAYS_AHEAD:
        errors.add("held_on", _("Choose a day within the last year."))
    wanted = {int(raw) for raw in attendee_ids if str(raw).isdigit()}
    if len(wanted) != len(set(attendee_ids)):
        errors.add("attendees", _("Choose people from the list."))
    errors.raise_if_any()
    assert held_on is not None
    query = sa.select(User).where(User.id.in_(wanted), User.is_enabled.is_(True))
    if sub_branch_id is not None:
        query = query.where(User.sub_branch_id == sub_branch_id)
    else:
        query = query.join(SubBranch, SubBranch.id == User.sub_branch_id).where(
            SubBranch.branch_id == actor.sub_branch.branch_id)
    attendees = list(db.session.scalars(query))
    if len(attendees) != len(wanted):
        errors.fail("attendees", _("Choose people from the list."))
    session = StudySession(branch_id=actor.sub_branch.branch_id, sub_branch_id=sub_branch_id, topic=topic,
                           held_on=held_on, notes=notes, created_by_id=actor.id, created_at=ctx.now)
    session.attendees = attendees
    db.session.add(session)
    db.session.flush()
    return session


def _branch_of(sub_branch_id: int) -> int | None:
    sub_branch = db.session.get(SubBranch, sub_branch_id)
    return sub_branch.branch_id if sub_branch else None


def create_brief(ctx: WriteContext, form: Mapping[str, str]) -> TeamBrief:
    """A team lead writes the brief of a team-building activity for the sub-branch's culture wall."""
    actor: User = ctx.actor
    if actor.role != TEAM_LEAD:
        raise Forbidden(_("A team lead writes the team-building briefs."))
    errors = FieldErrors()
    title = clean_text(form.get("title"), "title", errors, 200, required=True)
    body = clean_text(form.get("body"), "body", errors, 4000)
    held_on = parse_day(form.get("held_on"), "held_on", errors)
    today = bank_today(ctx.now)
    if held_on is not None and not today - DAYS_BACK <= held_on <= today:
        errors.add("held_on", _("Choose a day within the last year."))
    errors.raise_if_any()
    assert held_on is not None
    brief = TeamBrief(sub_branch_id=actor.sub_branch_id, team_id=actor.team_id, title=title, held_on=held_on,
                      body=body, created_by_id=actor.id, created_at=ctx.now)
    db.session.add(brief)
    db.session.flush()
    return brief


@dataclass(frozen=True)
class BriefPhotoWrite:
    status: Literal["created", "unchanged"]
    photo: TeamBriefPhoto


def add_brief_photo(ctx: WriteContext, brief: TeamBrief, photo_id: str, data: bytes) -> BriefPhotoWrite:
    """A photo for the brief, keyed by the id its form made: sending the same photo again changes nothing.
    The files are stored under a key the server makes, so no client id can ever name another photo's files."""
    actor: User = ctx.actor
    if actor.role not in FIELD_ROLES or actor.sub_branch_id != brief.sub_branch_id or not (
            actor.id == brief.created_by_id or actor.role == TEAM_LEAD):
        raise Forbidden(_("The brief's author or a team lead of the sub-branch adds its photos."))
    existing = db.session.get(TeamBriefPhoto, photo_id)
    if existing is not None:
        if existing.brief_id != brief.id or existing.sha256 != hashlib.sha256(data).hexdigest():
            raise Conflict(_("A different photo was already saved under this id."))
        return BriefPhotoWrite("unchanged", existing)
    config = current_app.config
    try:
        processed = process_photo(
            data, Watermark(taken_at=ctx.now.astimezone(BANK_ZONE), merchant_name=brief.title[:40],
                            lat=None, lon=None, manager_name=actor.display_name),
            max_bytes=int(config["PHOTO_MAX_BYTES"]), max_pixels=int(config["PHOTO_MAX_PIXELS"]))
    except PhotoRejected as error:
        raise PhotoRejected(error.status, error.code, rejection_message(error)) from None
    key = new_photo_key(photo_id)
    copies = {"original": processed.original_jpeg, "display": processed.display_jpeg, "thumb": processed.thumb_jpeg}
    store = photo_store()
    try:
        for variant, data_copy in copies.items():
            store.put(variant_name(key, variant), data_copy)
    except BaseException:
        remove_files(photo_names(key))
        raise
    photo = TeamBriefPhoto(id=photo_id, brief_id=brief.id, storage_key=key, sha256=processed.sha256,
                           size_bytes=len(data), uploaded_by_id=actor.id, created_at=ctx.now)
    try:
        with db.session.begin_nested():
            db.session.add(photo)
            db.session.flush()
    except IntegrityError:
        remove_files(photo_names(key))  # a twin request saved this id first; its own files stay
        winner = db.session.get(TeamBriefPhoto, photo_id, populate_existing=True)
        if winner is not None and winner.brief_id == brief.id and winner.sha256 == processed.sha256:
            return BriefPhotoWrite("unchanged", winner)
        raise Conflict(_("A different photo was already saved under this id.")) from None
    except Exception:
        remove_files(photo_names(key))
        raise
    return BriefPhotoWrite("created", photo)
