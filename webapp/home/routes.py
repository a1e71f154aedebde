"""The landing page after login (each role starts where its work is) and the "More" page of the tab bar."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.navigation import more_places
from webapp.push.keys import public_key
from webapp.push.write import subscriptions_of
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


@bp.get("/more")
@login_required
def more() -> str:
    """我的: the places without a tab, the phone's sync status, the account, the language and logging out."""
    return render_template("home/more.html", places=more_places(), user=current_user, push_key=public_key(),
                           push_devices=len(subscriptions_of(current_user.id)))
