"""What is said at the meetings: items (news, a policy, a success story, the tip of the day and who shares it,
the lesson, recognition) and the reason a person gives for a missed target. One write path each; they flush,
the caller commits. The shares recorded here are also the learning record of who shared what.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import ITEM_KINDS, MISS_REASONS, MeetingItem, MissReason, SubBranch, Team, User
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope import board_people
from webapp.visits.payload import USERNAME_RE
from webapp.write_kernel import FieldErrors, Forbidden, WriteContext

MAX_TITLE = 200
MAX_BODY = 2000
MAX_MISS_TEXT = 500
# Items are prepared for the coming weeks or recorded for the past ones, not for another year.
ITEM_DAYS_BACK = timedelta(days=60)
ITEM_DAYS_AHEAD = timedelta(days=60)
# A miss reason is captured on the spot, or caught up within the week.
MISS_DAYS_BACK = timedelta(days=7)


def clean_text(value: str | None, path: str, errors: FieldErrors, limit: int, *, required: bool = False) -> str:
    """Text from a form: trimmed, bounded, no NUL (PostgreSQL refuses it)."""
    text = (value or "").strip()
    if "\x00" in text:
        errors.add(path, _("Expected text."))
        return ""
    if required and not text:
        errors.add(path, _("Required."))
    elif len(text) > limit:
        errors.add(path, _("At most %(limit)d characters.", limit=limit))
    return text


def parse_day(value: str | None, path: str, errors: FieldErrors) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors.add(path, _("Expected a date such as 2026-12-05."))
        return None


def add_meeting_item(ctx: WriteContext, team: Team | None, *, day: str | None, kind: str | None,
                     title: str | None, body: str | None, shared_by: str | None) -> MeetingItem:
    """A team's lead or members add an item to their team's meetings; the branch (a reviewer or admin) adds
    one for every board of the branch (``team`` None). ``shared_by`` is the username of who shares it."""
    actor: User = ctx.actor
    if team is None:
        if actor.role not in BRANCH_WIDE_ROLES:
            raise Forbidden(_("Only the branch posts items for every team."))
    elif actor.team_id != team.id or actor.role not in FIELD_ROLES:
        raise Forbidden(_("Only the team's members add items to its meetings."))
    errors = FieldErrors()
    when = parse_day(day, "day", errors)
    today = bank_today(ctx.now)
    if when is not None and not today - ITEM_DAYS_BACK <= when <= today + ITEM_DAYS_AHEAD:
        errors.add("day", _("Choose a day within 60 days of today."))
    if kind not in ITEM_KINDS:
        errors.add("kind", _("Not one of the allowed values."))
    clean_title = clean_text(title, "title", errors, MAX_TITLE, required=True)
    clean_body = clean_text(body, "body", errors, MAX_BODY)
    sharer = _sharer(actor, team, shared_by, errors)
    errors.raise_if_any()
    assert when is not None and kind is not None
    item = MeetingItem(branch_id=actor.sub_branch.branch_id, sub_branch_id=team.sub_branch_id if team else None,
                       team_id=team.id if team else None, day=when, kind=kind, title=clean_title, body=clean_body,
                       shared_by_id=sharer.id if sharer else None, created_by_id=actor.id, created_at=ctx.now)
    db.session.add(item)
    db.session.flush()
    return item


def _sharer(actor: User, team: Team | None, username: str | None, errors: FieldErrors) -> User | None:
    name = (username or "").strip().lower()
    if not name:
        return None
    if not USERNAME_RE.match(name):
        errors.add("shared_by", _("Not a username."))
        return None
    if team is not None:
        person = db.session.scalar(board_people(team).where(User.username == name))
    else:
        person = db.session.scalar(sa.select(User).join(SubBranch, SubBranch.id == User.sub_branch_id).where(
            User.username == name, User.is_enabled.is_(True), SubBranch.branch_id == actor.sub_branch.branch_id))
    if person is None:
        errors.add("shared_by", _("Choose someone of the team."))
    return person


def delete_meeting_item(ctx: WriteContext, item: MeetingItem) -> None:
    """The one who added an item, the team's lead, or (for a branch item) the branch removes it."""
    actor: User = ctx.actor
    allowed = item.created_by_id == actor.id or (
        item.team_id is not None and actor.role == TEAM_LEAD and actor.team_id == item.team_id) or (
        item.team_id is None and actor.role in BRANCH_WIDE_ROLES)
    if not allowed:
        raise Forbidden(_("Only who added the item or the team's lead removes it."))
    db.session.delete(item)
    db.session.flush()


def record_miss_reason(ctx: WriteContext, team: Team, person: User, *, day: str | None, code: str | None,
                       text: str | None) -> MissReason:
    """Why a person missed the day's target: said at the evening meeting, recorded by the lead or the person.
    A second reason for the same day replaces the first."""
    actor: User = ctx.actor
    if not (actor.role == TEAM_LEAD and actor.team_id == team.id) and actor.id != person.id:
        raise Forbidden(_("The lead or the person records the reason for a miss."))
    if person.team_id != team.id:
        raise Forbidden(_("Only the team's members have targets on this board."))
    errors = FieldErrors()
    when = parse_day(day, "day", errors)
    today = bank_today(ctx.now)
    if when is not None and not today - MISS_DAYS_BACK <= when <= today:
        errors.add("day", _("A reason is recorded for today or the past week."))
    if code not in MISS_REASONS:
        errors.add("code", _("Choose a reason."))
    clean = clean_text(text, "text", errors, MAX_MISS_TEXT, required=code == "other")
    errors.raise_if_any()
    assert when is not None and code is not None
    miss = db.session.scalar(sa.select(MissReason).where(MissReason.user_id == person.id, MissReason.day == when))
    if miss is None:
        miss = MissReason(user_id=person.id, team_id=team.id, day=when, code=code, text=clean,
                          recorded_by_id=actor.id, recorded_at=ctx.now)
        db.session.add(miss)
    else:
        miss.code, miss.text, miss.recorded_by_id, miss.recorded_at = code, clean, actor.id, ctx.now
    db.session.flush()
    return miss
