"""The learning page's data: study sessions, the shares made at meetings, the culture wall and the people a
session may list, each read through the viewer's scope."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.period_boards import visible_sub_branches
from webapp.models import MeetingItem, StudySession, TeamBrief, User
from webapp.models.meetings import MORNING_ITEM_KINDS
from webapp.roles import BRANCH_WIDE_ROLES, TEAM_LEAD
from webapp.scope import (
    brief_condition,
    shared_item_condition,
    study_condition,
    visible_sub_branch_ids,
    visible_users,
)

# The kinds of meeting item that are someone's share (tip, story, policy, news, what worked, a lesson).
SHARE_KINDS = ("tip", "success_story", "policy", "market_news", "news", "experience", "lesson")


def learning_page(user: User, **extra: Any) -> dict[str, Any]:
    """What learning/index.html shows; ``extra`` carries a refused form's values and errors back."""
    sessions = list(db.session.scalars(sa.select(StudySession).where(study_condition(user))
                                       .order_by(StudySession.held_on.desc()).limit(50)
                                       .options(selectinload(StudySession.attendees))))
    shares = list(db.session.scalars(
        sa.select(MeetingItem).where(shared_item_condition(user), MeetingItem.kind.in_(SHARE_KINDS))
        .order_by(MeetingItem.day.desc(), MeetingItem.id.desc()).limit(100)
        .options(selectinload(MeetingItem.shared_by))))
    briefs = list(db.session.scalars(sa.select(TeamBrief).where(brief_condition(user))
                                     .order_by(TeamBrief.held_on.desc()).limit(30)
                                     .options(selectinload(TeamBrief.photos))))
    people = list(db.session.scalars(visible_users(user).where(User.is_enabled.is_(True))
                                     .order_by(User.sub_branch_id, User.username)))
    return {"sessions": sessions, "shares": shares, "briefs": briefs, "people": people, "today": bank_today(),
            "sub_branches": visible_sub_branches(visible_sub_branch_ids(user)),
            "branch_wide": user.role in BRANCH_WIDE_ROLES,
            "can_study": user.role in (TEAM_LEAD, *BRANCH_WIDE_ROLES),
            "can_brief": user.role == TEAM_LEAD, "share_kinds": MORNING_ITEM_KINDS,
            "values": {}, "errors": {}, "form": "", **extra}
