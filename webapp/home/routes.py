"""The landing page after login: each role starts where its work is."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> Response:
    if current_user.role == "admin":
        return redirect(url_for("admin.index"))
    if current_user.role == "manager":
        return redirect(url_for("today.index"))
    if current_user.role == "reviewer":
        return redirect(url_for("review.queue"))
    return redirect(url_for("merchants.index"))
