"""Admin pages: users, org units and merchant imports, for the admin's own branch."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.scope import require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(current_user, "admin")


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")
