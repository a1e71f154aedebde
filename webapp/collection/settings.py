"""The admin's collection settings: each sub-branch's head (told of every new case) and who records credit
committee decisions (granted or withdrawn person by person; otherwise the role's default, branch reviewers).
Flushes, never commits; the caller has already checked the admin role."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.errors import NotFoundError
from webapp.extensions import db
from webapp.models import PermissionGrant, SubBranch, SubBranchHead, User
from webapp.roles import SUB_BRANCH_HEAD_ROLES
from webapp.write_kernel import FieldErrors, WriteContext

GRANT_CHOICES = ("default", "grant", "withdraw")


def _branch_sub_branch(ctx: WriteContext, sub_branch_id: int) -> SubBranch:
    sub_branch = db.session.get(SubBranch, sub_branch_id)
    if sub_branch is None or sub_branch.branch_id != ctx.actor.branch_id:
        raise NotFoundError()
    return sub_branch


def head_candidates(sub_branch_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.sub_branch_id == sub_branch_id, User.is_enabled.is_(True), User.role.in_(SUB_BRANCH_HEAD_ROLES))
        .order_by(User.username)))


def set_head(ctx: WriteContext, sub_branch_id: int, raw_user: Any) -> SubBranchHead | None:
    """Set (or clear, with an empty choice) the head of one of the admin's sub-branches."""
    sub_branch = _branch_sub_branch(ctx, sub_branch_id)
    current = db.session.get(SubBranchHead, sub_branch.id)
    text = str(raw_user or "").strip()
    if not text:
        if current is not None:
            db.session.delete(current)
            db.session.flush()
        return None
    allowed = {user.id for user in head_candidates(sub_branch.id)}
    if not text.isdigit() or int(text) not in allowed:
        FieldErrors().fail("head", _("Choose a team lead, reviewer or admin of this sub-branch."))
    if current is None:
        current = SubBranchHead(sub_branch_id=sub_branch.id, user_id=int(text))
        db.session.add(current)
    current.user_id, current.set_by_id, current.set_at = int(text), ctx.actor.id, ctx.now
    db.session.flush()
    return current


def set_grant(ctx: WriteContext, user_id: int, raw_choice: Any) -> None:
    """Grant or withdraw "records committee decisions" for a person of the admin's branch, or return them
    to their role's default."""
    user = db.session.get(User, user_id)
    if user is None or user.branch_id != ctx.actor.branch_id:
        raise NotFoundError()
    if raw_choice not in GRANT_CHOICES:
        FieldErrors().fail("choice", _("Not one of the allowed values."))
    grant = db.session.scalar(sa.select(PermissionGrant).where(PermissionGrant.user_id == user.id,
                                                               PermissionGrant.permission == "record_committee"))
    if raw_choice == "default":
        if grant is not None:
            db.session.delete(grant)
            db.session.flush()
        return
    if grant is None:
        grant = PermissionGrant(user_id=user.id, permission="record_committee", granted=False)
        db.session.add(grant)
    grant.granted, grant.set_by_id, grant.set_at = raw_choice == "grant", ctx.actor.id, ctx.now
    db.session.flush()
