"""The admin's collection settings page (linked from the admin pages): sub-branch heads and who records
credit committee decisions."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required

from webapp.collection.settings import (
    GRANT_CHOICES,
    head_candidates,
    set_grant,
    set_head,
)
from webapp.collection.web import bp
from webapp.errors import AppError
from webapp.extensions import db
from webapp.models import PermissionGrant, SubBranch, SubBranchHead, User
from webapp.pages import Page, finished, form_error
from webapp.roles import ADMIN, COMMITTEE_DEFAULT_ROLES
from webapp.scope import require_role, visible_users
from webapp.visits.request_context import write_context


def _context(**extra: Any) -> dict[str, Any]:
    branch = current_user.sub_branch.branch
    heads = {row.sub_branch_id: row.user_id for row in db.session.scalars(sa.select(SubBranchHead))}
    grants = {row.user_id: row.granted for row in db.session.scalars(
        sa.select(PermissionGrant).where(PermissionGrant.permission == "record_committee"))}
    people = db.session.scalars(visible_users(current_user).where(User.is_enabled.is_(True))
                                .join(SubBranch, SubBranch.id == User.sub_branch_id)
                                .order_by(SubBranch.code, User.username)).all()
    context: dict[str, Any] = {
        "sub_branches": branch.sub_branches, "heads": heads, "candidates": {
            sb.id: head_candidates(sb.id) for sb in branch.sub_branches},
        "people": people, "grants": grants, "default_roles": COMMITTEE_DEFAULT_ROLES, "choices": GRANT_CHOICES,
        "message": None,
    }
    context.update(extra)
    return context


@bp.get("/settings")
@login_required
def settings() -> str:
    require_role(current_user, ADMIN)
    return render_template("collection/settings.html", **_context())


@bp.post("/settings/heads/<int:sub_branch_id>")
@login_required
def set_head_post(sub_branch_id: int) -> Page:
    require_role(current_user, ADMIN)
    try:
        set_head(write_context(), sub_branch_id, request.form.get("head"))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/settings.html", **_context(message=errors.first)))
    db.session.commit()
    return finished(url_for("collection.settings", _anchor=f"sub-branch-{sub_branch_id}"))


@bp.post("/settings/grants/<int:user_id>")
@login_required
def set_grant_post(user_id: int) -> Page:
    require_role(current_user, ADMIN)
    try:
        set_grant(write_context(), user_id, request.form.get("choice"))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/settings.html", **_context(message=errors.first)))
    db.session.commit()
    return finished(url_for("collection.settings", _anchor=f"person-{user_id}"))
