"""What collection's views share: the blueprint, the write context, form errors, and the two endings of a post."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, make_response, redirect
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import BANK_ZONE, clock_now
from webapp.collection.deadlines import rules_from_config
from webapp.htmx_utils import wants_partial
from webapp.write_kernel import WriteContext

bp = Blueprint("collection", __name__, url_prefix="/collection")
# A mistyped deadline setting stops the app at start, not at the first case.
bp.record_once(lambda state: rules_from_config(state.app.config))

FIELD_ROLES = ("manager", "team_lead")
BOARD_ROLES = ("team_lead", "reviewer", "admin")
Page = str | tuple[str, int] | Response


def write_ctx() -> WriteContext:
    return WriteContext(actor=current_user._get_current_object(), now=clock_now())


def field_errors(fields: dict[str, str]) -> dict[str, str]:
    """Validator paths ('promise.date', 'actions.0.text') as form field names ('promise_date', 'actions_0_text')."""
    return {path.replace(".", "_"): message for path, message in fields.items()}


def finished(url: str) -> Response:
    """After a successful post: 303 for a plain form; for htmx a whole-page redirect to the updated page,
    without its fragment: the browser treats a change of fragment alone as a scroll, not a reload."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url.split("#", 1)[0]
        return response
    return redirect(url, code=303)


def local_input(moment: datetime) -> str:
    """A stored instant as a datetime-local field's value in China time."""
    return moment.astimezone(BANK_ZONE).strftime("%Y-%m-%dT%H:%M")


def form_dict(form: MultiDict[str, str], *names: str) -> dict[str, Any]:
    return {name: form.get(name, "") for name in names}
