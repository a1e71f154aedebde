"""Visit pages for people: start a visit, check in, add photos, confirm a squad part, see the flags.

Every write goes through webapp.visits.write (the same functions the JSON API calls), keyed by the
visit id the form page made: a double tap or a resubmitted form finds the visit it already made. What the
pages show is gathered in webapp.visits.pages.
"""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.database import deferred_transactions
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import VISIT_KINDS, Merchant, VisitVersion
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.photos.store import MissingFile, photo_store, variant_name
from webapp.roles import FIELD_ROLES
from webapp.scope import get_merchant_or_404, get_photo_or_404, get_visit_or_404, require_role
from webapp.sync.held import attach_held_photos
from webapp.visits.confirmations import put_confirmation
from webapp.visits.forms import confirmation_body_from_form, form_from_body, visit_body_from_form
from webapp.visits.keyset import parse_cursor
from webapp.visits.pages import (
    confirm_form_context,
    form_context,
    may_edit,
    photos_context,
    visit_list_context,
    visit_page_context,
)
from webapp.visits.request_context import write_context
from webapp.visits.write import put_visit

bp = Blueprint("visits", __name__)


@bp.get("/photos/<uuid:photo_id>/<any(display, thumb):variant>.jpg")
@login_required
def photo_file(photo_id: str, variant: str) -> Response:
    """Photos leave the server only through here: scoped like their visit, typed, never sniffed."""
    photo = get_photo_or_404(current_user, photo_id)
    name = variant_name(photo.storage_key, variant)
    try:
        data = photo_store().get(name)
    except MissingFile:
        abort(404)
    # A stored name is never rewritten, so the name itself is a strong validator.
    response = send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=0, conditional=True,
                         etag=hashlib.sha256(name.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- new, save, edit ---------------------------------------------------------------------------------


def _render_form(merchant: Merchant, visit_id: str, form: MultiDict[str, str], *, editing: bool,
                 errors: FormErrors | None = None) -> str:
    context = form_context(current_user, merchant=merchant, visit_id=visit_id, form=form, editing=editing,
                           errors=errors)
    return render_template("visits/_form.html" if wants_partial() else "visits/form.html", **context)


@bp.get("/merchants/<int:merchant_id>/visits/new")
@login_required
def new(merchant_id: int) -> Page:
    require_role(current_user, *FIELD_ROLES)
    merchant = get_merchant_or_404(current_user, merchant_id)
    kind = request.args.get("kind", "")
    form: MultiDict[str, str] = MultiDict({
        "merchant_id": str(merchant.id),
        "kind": kind if kind in VISIT_KINDS else "marketing",
        "squad_lead": current_user.username,
        # The page's script replaces this with the phone's clock when the page opens.
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "effective": "no",
        "checklist_abnormal": "no",
        "post_loan_check_id": request.args.get("check", ""),
    })
    return _render_form(merchant, str(uuid.uuid4()), form, editing=False)


@bp.post("/visits/<uuid:visit_id>")
@login_required
def save(visit_id: str) -> Page:
    require_role(current_user, *FIELD_ROLES)
    form = request.form
    merchant_id = form.get("merchant_id", "")
    if not merchant_id.isdigit():
        abort(404)
    merchant = get_merchant_or_404(current_user, int(merchant_id))
    if_match = form.get("if_match") or None
    try:
        put_visit(write_context(), visit_id, visit_body_from_form(form), if_match=if_match)
    except AppError as error:
        # The form swaps refusals in too (data-swap-errors): a conflict or a refusal keeps its own status.
        return form_error(error, lambda errors: _render_form(merchant, visit_id, form, editing=if_match is not None,
                                                              errors=errors),
                          htmx_status=None, error_page_for=(404,))
    db.session.commit()
    with deferred_transactions():
        attach_held_photos(visit_id)  # photos that came before the visit (webapp/sync/held.py); never raises
    return finished(url_for("visits.show", visit_id=visit_id))


@bp.get("/visits/<uuid:visit_id>/edit")
@login_required
def edit(visit_id: str) -> Page:
    visit = get_visit_or_404(current_user, visit_id)
    if not may_edit(current_user, visit):
        abort(403)
    current = db.session.scalar(sa.select(VisitVersion).where(
        VisitVersion.visit_id == visit.id, VisitVersion.version == visit.version))
    if current is None:
        abort(404)
    form = form_from_body(current.body)
    form["if_match"] = visit.etag
    return _render_form(visit.merchant, visit.id, form, editing=True)


# --- the visit page ------------------------------------------------------------------------------------


@bp.get("/visits/<uuid:visit_id>")
@login_required
def show(visit_id: str) -> str:
    visit = get_visit_or_404(current_user, visit_id)
    return render_template("visits/show.html", **visit_page_context(current_user, visit))


@bp.get("/visits/<uuid:visit_id>/photos")
@login_required
def photos(visit_id: str) -> Page:
    """The photo list the uploader refreshes after each photo lands."""
    visit = get_visit_or_404(current_user, visit_id)
    if not wants_partial():
        return redirect(url_for("visits.show", visit_id=visit.id, _anchor="photos"))
    return render_template("visits/_photos.html", **photos_context(current_user, visit))


@bp.post("/visits/<uuid:visit_id>/confirm")
@login_required
def confirm(visit_id: str) -> Page:
    """A support or observer confirms their own part, with their own check-in, from their own phone."""
    form = request.form
    try:
        put_confirmation(write_context(), visit_id, current_user.username, confirmation_body_from_form(form))
    except AppError as error:
        # The partial swaps refusals in (data-swap-errors); a plain post refused for the role gets the error page.
        return form_error(error, lambda errors: _confirm_form(visit_id, form, errors), htmx_status=None,
                          error_page_for=(404,) if wants_partial() else (403, 404))
    db.session.commit()
    return finished(url_for("visits.show", visit_id=visit_id))


def _confirm_form(visit_id: str, form: MultiDict[str, str], errors: FormErrors) -> str:
    visit = get_visit_or_404(current_user, visit_id)
    if wants_partial():
        return render_template("visits/_confirm_form.html", **confirm_form_context(visit, form, errors))
    return render_template("visits/show.html", **visit_page_context(current_user, visit, form, errors))


# --- lists -----------------------------------------------------------------------------------------------


@bp.get("/visits/")
@login_required
def index() -> str:
    """My visits, newest first; for a team lead the team's, with their flags. Keyset pages of 50."""
    context = visit_list_context(current_user, parse_cursor(request.args.get("before")))
    return render_template("visits/_rows.html" if wants_partial() else "visits/index.html", **context)
