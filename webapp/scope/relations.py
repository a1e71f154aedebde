"""Scope for customer relations (webapp.relations): screening models belong to a sub-branch; a screening target
is its manager's, their team lead's, and the branch's (reviewers, admins); the timeline of a merchant shows each
kind of record only as far as that kind's own scope allows."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.models import ScreeningModel, ScreeningTarget, SubBranch, User
from webapp.roles import BRANCH_WIDE_ROLES, TEAM_LEAD
from webapp.scope.core import one_or_404, visible_sub_branch_ids


def screening_model_condition(user: User) -> ColumnElement[bool]:
    return ScreeningModel.sub_branch_id.in_(visible_sub_branch_ids(user))


def get_screening_model_or_404(user: User, model_id: int) -> ScreeningModel:
    return one_or_404(sa.select(ScreeningModel).where(ScreeningModel.id == model_id, screening_model_condition(user)))


def target_condition(user: User) -> ColumnElement[bool]:
    """A manager sees the targets given to them; a team lead their team's and their sub-branch's runs'; reviewers
    and admins their branch's."""
    if user.role in BRANCH_WIDE_ROLES:
        branch_subs = sa.select(SubBranch.id).where(SubBranch.branch_id == user.sub_branch.branch_id)
        return ScreeningTarget.assignee_id.in_(sa.select(User.id).where(User.sub_branch_id.in_(branch_subs)))
    if user.role == TEAM_LEAD:
        return ScreeningTarget.assignee_id.in_(sa.select(User.id).where(User.sub_branch_id == user.sub_branch_id))
    return ScreeningTarget.assignee_id == user.id


def get_target_or_404(user: User, target_id: int) -> ScreeningTarget:
    return one_or_404(sa.select(ScreeningTarget).where(ScreeningTarget.id == target_id, target_condition(user)))
