"""The inbox page ("needs your action") and the count on its tab."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.bank_time import clock_now
from webapp.htmx_utils import wants_partial
from webapp.inbox.collect import inbox_items

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
@login_required
def index() -> str:
    items = inbox_items(current_user, clock_now())
    template = "inbox/_list.html" if wants_partial() else "inbox/index.html"
    return render_template(template, items=items)


@bp.get("/count")
@login_required
def count() -> Response:
    """The number on the tab, polled by htmx; personal, so never cached."""
    response = Response(render_template("inbox/_count.html", count=len(inbox_items(current_user, clock_now()))))
    response.headers["Cache-Control"] = "no-store"
    return response
