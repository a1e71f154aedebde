"""Scope for batch channels, marketing activities and their leads (webapp.channels).

Channels and activities belong to a sub-branch, like its merchants: everyone of the sub-branch sees them
(branch-wide roles: their branch), and the field roles (managers, team leads) record them. Phones of a
channel's contacts are raw for the channel's owner and the lead of the owner's team; a lead's phone for the
manager it is assigned to, whoever captured it, and the lead of the assignee's team.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.masking import mask_phone
from webapp.models import Channel, Lead, MarketingActivity, User
from webapp.roles import FIELD_ROLES, MANAGER, TEAM_LEAD
from webapp.scope.core import one_or_404, visible_sub_branch_ids


def channel_condition(user: User) -> ColumnElement[bool]:
    return Channel.sub_branch_id.in_(visible_sub_branch_ids(user))


def visible_channels(user: User) -> sa.Select[Channel]:
    return sa.select(Channel).where(channel_condition(user))


def get_channel_or_404(user: User, channel_id: int) -> Channel:
    return one_or_404(visible_channels(user).where(Channel.id == channel_id))


def activity_condition(user: User) -> ColumnElement[bool]:
    return MarketingActivity.sub_branch_id.in_(visible_sub_branch_ids(user))


def visible_activities(user: User) -> sa.Select[MarketingActivity]:
    return sa.select(MarketingActivity).where(activity_condition(user))


def get_activity_or_404(user: User, activity_id: int) -> MarketingActivity:
    return one_or_404(visible_activities(user).where(MarketingActivity.id == activity_id))


def lead_condition(user: User) -> ColumnElement[bool]:
    return Lead.sub_branch_id.in_(visible_sub_branch_ids(user))


def get_lead_or_404(user: User, lead_id: str) -> Lead:
    return one_or_404(sa.select(Lead).where(Lead.id == lead_id, lead_condition(user)))


def can_record_channels(user: User) -> bool:
    """Channels, activities and leads are recorded by the people who go out: managers and team leads."""
    return user.role in FIELD_ROLES


def _leads_team_of(user: User, person: User | None) -> bool:
    return (user.role == TEAM_LEAD and person is not None and person.team_id is not None
            and person.team_id == user.team_id)


def channel_contact_phone_for(user: User, channel: Channel, phone: str) -> str:
    raw = (user.role == MANAGER and channel.owner_id == user.id) or (
        user.role == TEAM_LEAD and (channel.owner_id == user.id or _leads_team_of(user, channel.owner)))
    return phone if raw else mask_phone(phone)


def lead_phone_for(user: User, lead: Lead) -> str:
    raw = user.role in FIELD_ROLES and (
        user.id in (lead.assignee_id, lead.captured_by_id) or _leads_team_of(user, lead.assignee))
    return lead.phone if raw else mask_phone(lead.phone)
