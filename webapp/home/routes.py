"""The landing page after login: each role starts where its work is."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.roles import ADMIN, MANAGER, REVIEWER

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> Response:
    if current_user.role == ADMIN:
        return redirect(url_for("admin.index"))
    if current_user.role == MANAGER:
        return redirect(url_for("today.index"))
    if current_user.role == REVIEWER:
        return redirect(url_for("review.queue"))
    return redirect(url_for("merchants.index"))
