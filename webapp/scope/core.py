"""Scope for what every area shares: the user's sub-branches, merchants, colleagues, teams, location proposals and
who sees a raw phone; ``one_or_404`` and ``require_role`` are the loaders' two answers."""
from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import LocationProposal, Merchant, SubBranch, Team, User
from webapp.roles import BRANCH_WIDE_ROLES, MANAGER, TEAM_LEAD

_RowT = TypeVar("_RowT")


def one_or_404(statement: sa.Select[_RowT]) -> _RowT:
    """The one record the statement finds, or 404: out of scope and missing are never told apart."""
    found = db.session.scalar(statement)
    if found is None:
        abort(404)
    return found


def visible_sub_branch_ids(user: User) -> list[int]:
    """Sub-branches whose data the user may see."""
    if user.role in BRANCH_WIDE_ROLES:
        return list(
            db.session.scalars(sa.select(SubBranch.id).where(SubBranch.branch_id == user.sub_branch.branch_id))
        )
    return [user.sub_branch_id]


def merchant_condition(user: User) -> ColumnElement[bool]:
    return Merchant.sub_branch_id.in_(visible_sub_branch_ids(user))


def visible_merchants(user: User) -> sa.Select[Merchant]:
    return sa.select(Merchant).where(merchant_condition(user))


def get_merchant_or_404(user: User, merchant_id: int) -> Merchant:
    return one_or_404(visible_merchants(user).where(Merchant.id == merchant_id))


def visible_users(user: User) -> sa.Select[User]:
    """People the user may see by name: colleagues of the sub-branch, or the branch for branch-wide roles."""
    return sa.select(User).where(User.sub_branch_id.in_(visible_sub_branch_ids(user)))


def visible_teams(user: User) -> sa.Select[Team]:
    return sa.select(Team).where(Team.sub_branch_id.in_(visible_sub_branch_ids(user)))


def get_user_or_404(user: User, user_id: int) -> User:
    return one_or_404(visible_users(user).where(User.id == user_id))


def get_sub_branch_or_404(user: User, sub_branch_id: int) -> SubBranch:
    sub_branch = db.session.get(SubBranch, sub_branch_id) if sub_branch_id in visible_sub_branch_ids(user) else None
    if sub_branch is None:
        abort(404)
    return sub_branch


def get_team_or_404(user: User, team_id: int) -> Team:
    return one_or_404(visible_teams(user).where(Team.id == team_id))


def get_proposal_or_404(user: User, proposal_id: int) -> LocationProposal:
    """Scoped through its merchant: a proposal whose merchant the user cannot see does not exist for them."""
    return one_or_404(
        sa.select(LocationProposal).join(Merchant, LocationProposal.merchant_id == Merchant.id)
        .where(LocationProposal.id == proposal_id, merchant_condition(user))
    )


def can_see_raw_phone(user: User, merchant: Merchant) -> bool:
    """Only those who call the merchant: its owner, and the lead of the owner's team."""
    if merchant.owner_id is None:
        return False
    if user.role == MANAGER:
        return merchant.owner_id == user.id
    if user.role == TEAM_LEAD:
        owner = merchant.owner
        return owner is not None and owner.team_id is not None and owner.team_id == user.team_id
    return False


def merchant_phone_for(user: User, merchant: Merchant) -> str:
    """The phone as this user may see it: the raw value never leaves the server for the others."""
    return merchant.phone if can_see_raw_phone(user, merchant) else mask_phone(merchant.phone)


def require_role(user: User, *roles: str) -> None:
    """403 for a page the role may not use at all (objects out of scope are 404, not this)."""
    if user.role not in roles:
        abort(403)
