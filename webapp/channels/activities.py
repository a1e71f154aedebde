"""The one write path for marketing activities (通路): kind, day, place, channel, people and cost. A festival
activity names its festival. Forms and the CLI call ``save_activity``; it flushes and never commits."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.errors import Forbidden
from webapp.extensions import db
from webapp.models import ACTIVITY_KINDS, FESTIVALS, ActivityPerson, Channel, MarketingActivity, User
from webapp.record_fields import day_field, record_id, yuan_field
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import can_record_channels
from webapp.write_kernel import FieldErrors, WriteContext, choice_field, text_field

MAX_PEOPLE = 50


def can_edit_activity(user: User, activity: MarketingActivity) -> bool:
    """Whoever recorded it, the people who went, and the team leads of its sub-branch."""
    if user.role not in FIELD_ROLES or user.sub_branch_id != activity.sub_branch_id:
        return False
    return (user.role == TEAM_LEAD or activity.created_by_id == user.id
            or any(person.user_id == user.id for person in activity.people))


def _channel(value: Any, sub_branch_id: int, errors: FieldErrors) -> int | None:
    if value in (None, ""):
        return None
    channel_id = record_id(value)
    channel = db.session.get(Channel, channel_id) if channel_id else None
    if channel is None or channel.sub_branch_id != sub_branch_id:
        errors.add("channel_id", _("Not one of the allowed values."))
        return None
    return channel.id


def _people(value: Any, actor: User, sub_branch_id: int, errors: FieldErrors) -> list[int]:
    if value in (None, "", []):
        return [actor.id]
    if not isinstance(value, list) or len(value) > MAX_PEOPLE:
        errors.add("people", _("At most %(n)d people.", n=MAX_PEOPLE))
        return []
    ids: list[int] = []
    for item in value:
        person = record_id(item)
        if person is None:
            errors.add("people", _("Not one of the allowed values."))
            return []
        ids.append(person)
    wanted = sorted(set(ids))
    found = list(db.session.scalars(sa.select(User.id).where(
        User.id.in_(wanted), User.sub_branch_id == sub_branch_id, User.role.in_(FIELD_ROLES))))
    if len(found) != len(wanted):
        errors.add("people", _("Not one of the allowed values."))
        return []
    return wanted


def parse_activity(raw: Any, actor: User, sub_branch_id: int) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    kind = choice_field(raw.get("kind"), "kind", errors, ACTIVITY_KINDS, required=True)
    festival = choice_field(raw.get("festival"), "festival", errors, FESTIVALS)
    if festival and kind and kind != "festival":
        errors.add("festival", _("Only a festival activity names a festival."))
    body: dict[str, Any] = {
        "kind": kind,
        "title": text_field(raw.get("title"), "title", errors, 100, required=True),
        "day": day_field(raw.get("day"), "day", errors, required=True),
        "place": text_field(raw.get("place"), "place", errors, 200),
        "channel_id": _channel(raw.get("channel_id"), sub_branch_id, errors),
        "festival": festival if kind == "festival" else None,
        "cost_cents": yuan_field(raw.get("cost"), "cost", errors) or 0,
        "notes": text_field(raw.get("notes"), "notes", errors, 1000),
        "people": _people(raw.get("people"), actor, sub_branch_id, errors),
    }
    errors.raise_if_any()
    return body


def save_activity(ctx: WriteContext, activity: MarketingActivity | None, raw: Any) -> MarketingActivity:
    """Create an activity in the actor's sub-branch (``activity`` None) or change one the actor may edit."""
    actor = ctx.actor
    if not can_record_channels(actor) or (activity is not None and not can_edit_activity(actor, activity)):
        raise Forbidden(_("Only the people of the activity and the team leads of its sub-branch change it."))
    sub_branch_id = activity.sub_branch_id if activity is not None else actor.sub_branch_id
    body = parse_activity(raw, actor, sub_branch_id)
    people = body.pop("people")
    if activity is None:
        activity = MarketingActivity(sub_branch_id=sub_branch_id, created_by_id=actor.id, created_at=ctx.now)
        db.session.add(activity)
    for name, value in body.items():
        setattr(activity, name, value)
    activity.updated_at = ctx.now
    activity.people = [ActivityPerson(user_id=user_id) for user_id in people]
    db.session.flush()
    return activity
