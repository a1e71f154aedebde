"""The one place that decides what a user may see.

Every query that lists or loads scoped records starts here. Out of scope answers 404, exactly like
a record that does not exist, so that ids cannot be probed.

The rules: data belongs to a sub-branch; nobody sees another branch.
- manager: the merchants of their sub-branch (to visit prospects on any street of it); the raw contact
  phone only of merchants they own.
- team_lead: the merchants of their sub-branch; raw phones of merchants owned by their team.
- reviewer, admin: everything in their branch, phones masked.
"""
from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import (
    LocationProposal,
    Merchant,
    Photo,
    ReviewSample,
    SubBranch,
    SweepDay,
    Team,
    User,
    Visit,
    VisitFlag,
)
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, MANAGER, REVIEW_ROLES, TEAM_LEAD

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


def visit_condition(user: User) -> ColumnElement[bool]:
    """A manager sees their own visits and their squads'; a team lead their team's; reviewers and admins
    their branch. Always inside the sub-branches the user may see."""
    in_sub_branches = Visit.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.role == TEAM_LEAD and user.team_id is not None:
        team_members = sa.select(User.id).where(User.team_id == user.team_id)
        return sa.and_(
            in_sub_branches,
            sa.or_(
                Visit.lead_id.in_(team_members),
                Visit.support_id.in_(team_members),
                Visit.observer_id.in_(team_members),
            ),
        )
    return sa.and_(
        in_sub_branches,
        sa.or_(
            Visit.lead_id == user.id,
            Visit.support_id == user.id,
            Visit.observer_id == user.id,
            Visit.created_by_id == user.id,
        ),
    )


def visible_visits(user: User) -> sa.Select[Visit]:
    return sa.select(Visit).where(visit_condition(user))


def visible_visit_ids(user: User, visit_ids: set[str]) -> set[str]:
    """Which of these visits the user may open: evidence names other visits, and a reader learns only the ids
    of those (the rest are counted, webapp.visits.evidence_view)."""
    if not visit_ids:
        return set()
    return set(db.session.scalars(sa.select(Visit.id).where(Visit.id.in_(visit_ids), visit_condition(user))))


def get_visit_or_404(user: User, visit_id: str) -> Visit:
    return one_or_404(visible_visits(user).where(Visit.id == visit_id))


def get_photo_or_404(user: User, photo_id: str) -> Photo:
    """A photo is visible exactly when its visit is."""
    return one_or_404(
        sa.select(Photo).join(Visit, Photo.visit_id == Visit.id).where(Photo.id == photo_id, visit_condition(user))
    )


# Sweep days (拓展拜访日)


def sweep_day_condition(user: User) -> ColumnElement[bool]:
    """Branch-wide roles see their branch's sweep days; a team lead and the managers see their own team's,
    the work they share at the morning and evening meetings."""
    in_sub_branches = SweepDay.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.team_id is None:
        return sa.false()
    return sa.and_(in_sub_branches, SweepDay.team_id == user.team_id)


def visible_sweep_days(user: User) -> sa.Select[SweepDay]:
    return sa.select(SweepDay).where(sweep_day_condition(user))


def get_sweep_day_or_404(user: User, sweep_day_id: int) -> SweepDay:
    """A sweep day the user may look at (board, summary, export); 404 when out of scope."""
    return one_or_404(visible_sweep_days(user).where(SweepDay.id == sweep_day_id))


def get_plannable_sweep_day_or_404(user: User, sweep_day_id: int) -> SweepDay:
    """A sweep day the user may change: only team leads plan (403 for other roles), and only their team's (404)."""
    require_role(user, TEAM_LEAD)
    return get_sweep_day_or_404(user, sweep_day_id)


def sweep_team_members(user: User) -> sa.Select[User]:
    """Who a team lead can put in squads: the enabled managers and leads of the lead's own team."""
    if user.team_id is None:
        return sa.select(User).where(sa.false())
    return (
        sa.select(User)
        .where(
            User.team_id == user.team_id,
            User.sub_branch_id == user.sub_branch_id,
            User.is_enabled.is_(True),
            User.role.in_(FIELD_ROLES),
        )
        .order_by(User.username)
    )


# Branch review (webapp.review)



def require_reviewer(user: User) -> None:
    """Reviewers review their branch, team leads their team; managers and admins get 403."""
    require_role(user, *REVIEW_ROLES)


def get_reviewable_visit_or_404(user: User, visit_id: str) -> Visit:
    """A visit on the review pages: 403 for a role that never reviews, 404 for a visit out of scope."""
    require_reviewer(user)
    return get_visit_or_404(user, visit_id)


def get_visit_flag_or_404(visit: Visit, flag_id: int) -> VisitFlag:
    """A flag of a visit the caller already loaded through the scope."""
    return one_or_404(sa.select(VisitFlag).where(VisitFlag.id == flag_id, VisitFlag.visit_id == visit.id))


def sample_condition(user: User) -> ColumnElement[bool]:
    """A reviewer sees the samples of their branch; a team lead those of their team; nobody another branch's."""
    if user.role in REVIEW_ROLES and user.role in BRANCH_WIDE_ROLES:
        return ReviewSample.branch_id == user.sub_branch.branch_id
    if user.role == TEAM_LEAD and user.team_id is not None:
        return sa.and_(ReviewSample.branch_id == user.sub_branch.branch_id, ReviewSample.team_id == user.team_id)
    return sa.false()


def visible_samples(user: User) -> sa.Select[ReviewSample]:
    return sa.select(ReviewSample).where(sample_condition(user))


def get_sample_or_404(user: User, sample_id: int) -> ReviewSample:
    require_reviewer(user)
    return one_or_404(visible_samples(user).where(ReviewSample.id == sample_id))
