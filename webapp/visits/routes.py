"""Visit pages for people: start a visit, check in, add photos, confirm a squad part, see the flags.

Every write goes through webapp.visits.write (the same functions the JSON API calls), keyed by the
visit id the form page made: a double tap or a resubmitted form finds the visit it already made.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.errors import error_response
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.integrity.evidence import shown_evidence
from webapp.models import (
    PHOTO_CATEGORIES,
    SQUAD_ROLES,
    VISIT_KINDS,
    Merchant,
    Photo,
    User,
    Visit,
    VisitFlag,
    VisitVersion,
)
from webapp.photos.store import PhotoStore
from webapp.scope import (
    get_merchant_or_404,
    get_photo_or_404,
    get_visit_or_404,
    require_role,
    visible_users,
    visible_visits,
    visit_condition,
)
from webapp.sync.held import attach_held_photos
from webapp.visits.forms import (
    CHECKIN_FIELDS,
    confirmation_body_from_form,
    form_errors,
    form_from_body,
    unplaced_errors,
    visit_body_from_form,
)
from webapp.visits.payload import (
    DEAL_PRODUCTS,
    FIXED_ASSET_STATES,
    INVENTORY_LEVELS,
    MAX_NOTE,
    OPERATING_STATES,
)
from webapp.visits.request_context import write_context
from webapp.visits.write import put_confirmation, put_visit
from webapp.write_kernel import Conflict, Forbidden, Invalid, parse_uuid

bp = Blueprint("visits", __name__)

# Those who go to merchants; reviewers and admins read visits but never record one.
FIELD_ROLES = ("manager", "team_lead")
PAGE_SIZE = 50
RECENT_ON_MERCHANT_PAGE = 10

Page = str | tuple[str | Response, int] | Response


@bp.get("/photos/<photo_id>/<any(display, thumb):variant>.jpg")
@login_required
def photo_file(photo_id: str, variant: str) -> Response:
    """Photos leave the server only through here: scoped like their visit, typed, never sniffed."""
    parsed = parse_uuid(photo_id)
    if parsed is None:
        abort(404)
    photo = get_photo_or_404(current_user, parsed)
    path = PhotoStore(current_app.config["PHOTO_STORE"]).path(photo.storage_key, variant)
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- helpers ---------------------------------------------------------------------------------------


def _uuid_or_404(value: str) -> str:
    parsed = parse_uuid(value)
    if parsed is None:
        abort(404)
    return parsed


def _finished(url: str) -> Response:
    """After a successful post: 303 for a plain form; for htmx a whole-page redirect, since the visit
    page is not a fragment of the form."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def squad_choices(merchant: Merchant) -> list[User]:
    """Who may be in a squad at this merchant: the write path accepts exactly these."""
    return list(db.session.scalars(
        visible_users(current_user)
        .where(User.sub_branch_id == merchant.sub_branch_id, User.is_enabled.is_(True), User.role.in_(FIELD_ROLES))
        .order_by(User.username)
    ))


def _checkin_config() -> dict[str, float]:
    config = current_app.config
    return {"good_accuracy_m": float(config["CHECKIN_GOOD_ACCURACY_M"]), "wait_s": float(config["CHECKIN_WAIT_S"])}


def _render_form(
    *, merchant: Merchant, visit_id: str, form: MultiDict[str, str], editing: bool,
    errors: dict[str, str] | None = None, conflict: str | None = None, status: int = 200,
) -> tuple[str, int]:
    errors = errors or {}
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "summary": unplaced_errors(errors),
        "conflict": conflict,
        "merchant": merchant,
        "visit_id": visit_id,
        "editing": editing,
        "action": url_for("visits.save", visit_id=visit_id),
        "reload_url": url_for("visits.edit" if editing else "visits.show", visit_id=visit_id),
        "squad_choices": squad_choices(merchant),
        "kinds": VISIT_KINDS,
        "squad_roles": SQUAD_ROLES,
        "deal_products": DEAL_PRODUCTS,
        "operating_states": OPERATING_STATES,
        "inventory_levels": INVENTORY_LEVELS,
        "fixed_asset_states": FIXED_ASSET_STATES,
        "checkin_fields": CHECKIN_FIELDS,
        "checkin_config": _checkin_config(),
        "max_note": MAX_NOTE,
        "photo_categories": PHOTO_CATEGORIES,
    }
    template = "visits/_form.html" if wants_partial() else "visits/form.html"
    return render_template(template, **context), status


def _may_edit(visit: Visit) -> bool:
    """The write path lets the lead and the one who created the visit change it; the page offers no more."""
    return current_user.id in (visit.lead_id, visit.created_by_id)


# --- new, save, edit ---------------------------------------------------------------------------------


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
    })
    return _render_form(merchant=merchant, visit_id=str(uuid.uuid4()), form=form, editing=False)


@bp.post("/visits/<visit_id>")
@login_required
def save(visit_id: str) -> Page:
    require_role(current_user, *FIELD_ROLES)
    parsed = _uuid_or_404(visit_id)
    form = request.form
    merchant_id = form.get("merchant_id", "")
    if not merchant_id.isdigit():
        abort(404)
    merchant = get_merchant_or_404(current_user, int(merchant_id))
    if_match = form.get("if_match") or None
    editing = if_match is not None
    try:
        result = put_visit(write_context(), parsed, visit_body_from_form(form), if_match=if_match)
    except Invalid as error:
        db.session.rollback()
        return _render_form(merchant=merchant, visit_id=parsed, form=form, editing=editing,
                            errors=form_errors(error.errors), status=422)
    except Conflict as error:
        db.session.rollback()
        return _render_form(merchant=merchant, visit_id=parsed, form=form, editing=editing,
                            conflict=error.message, status=409)
    except Forbidden as error:
        db.session.rollback()
        return _render_form(merchant=merchant, visit_id=parsed, form=form, editing=editing,
                            conflict=error.message, status=403)
    db.session.commit()
    attach_held_photos(parsed)  # photos that came before the visit (webapp/sync/held.py)
    return _finished(url_for("visits.show", visit_id=parsed))


@bp.get("/visits/<visit_id>/edit")
@login_required
def edit(visit_id: str) -> Page:
    visit = get_visit_or_404(current_user, _uuid_or_404(visit_id))
    if not _may_edit(visit):
        abort(403)
    current = db.session.scalar(sa.select(VisitVersion).where(
        VisitVersion.visit_id == visit.id, VisitVersion.version == visit.version))
    if current is None:
        abort(404)
    form = form_from_body(current.body)
    form["if_match"] = visit.etag
    return _render_form(merchant=visit.merchant, visit_id=visit.id, form=form, editing=True)


# --- the visit page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagView:
    """A flag as the page shows it: the photo it is about and the earlier photo it matched, if visible."""

    flag: VisitFlag
    photo: Photo | None
    earlier_photo_id: str | None
    earlier_photo_visible: bool


def _visible_photo_ids(photo_ids: set[str]) -> set[str]:
    if not photo_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Photo.id).join(Visit, Photo.visit_id == Visit.id)
        .where(Photo.id.in_(photo_ids), visit_condition(current_user))
    ))


def flag_views(visit: Visit) -> list[FlagView]:
    photos = {p.id: p for p in visit.photos}
    earlier = {str(f.evidence.get("earlier_photo")) for f in visit.flags
               if isinstance(f.evidence, dict) and f.evidence.get("earlier_photo")}
    visible = _visible_photo_ids(earlier)
    views = []
    for flag in visit.flags:
        earlier_id = flag.evidence.get("earlier_photo") if isinstance(flag.evidence, dict) else None
        views.append(FlagView(flag=flag, photo=photos.get(flag.photo_id or ""),
                              earlier_photo_id=str(earlier_id) if earlier_id else None,
                              earlier_photo_visible=bool(earlier_id) and str(earlier_id) in visible))
    return views


def previous_inspection(visit: Visit) -> Visit | None:
    """The last earlier post-loan inspection of this merchant with inventory photos, among the visits the
    user may see (a photo of a visit out of scope would not load anyway)."""
    if visit.kind != "post_loan":
        return None
    with_inventory = sa.select(Photo.visit_id).where(Photo.category == "inventory")
    return db.session.scalar(
        visible_visits(current_user)
        .where(Visit.merchant_id == visit.merchant_id, Visit.kind == "post_loan", Visit.id != visit.id,
               Visit.started_at <= visit.started_at, Visit.id.in_(with_inventory))
        .order_by(Visit.started_at.desc())
        .limit(1)
    )


def _photos_context(visit: Visit) -> dict[str, Any]:
    by_category: dict[str, list[Photo]] = {code: [] for code in PHOTO_CATEGORIES}
    for photo in visit.photos:
        by_category.setdefault(photo.category, []).append(photo)
    previous = previous_inspection(visit)
    previous_inventory = [p for p in previous.photos if p.category == "inventory"] if previous else []
    flagged = {f.photo_id for f in visit.flags if f.photo_id}
    return {"visit": visit, "photos_by_category": by_category, "previous": previous,
            "previous_inventory": previous_inventory, "flagged_photo_ids": flagged}


def _confirm_form_context(visit: Visit, form: MultiDict[str, str] | None = None,
                          errors: dict[str, str] | None = None, message: str | None = None) -> dict[str, Any]:
    return {
        "visit": visit,
        "confirm_form": form if form is not None else MultiDict(),
        "confirm_errors": errors or {},
        "confirm_summary": unplaced_errors(errors or {}),
        "confirm_message": message,
        "checkin_fields": CHECKIN_FIELDS,
        "checkin_config": _checkin_config(),
        "max_note": MAX_NOTE,
    }


def _visit_page(visit: Visit, **confirm: Any) -> dict[str, Any]:
    role = visit.role_of(current_user.id)
    confirmations = {c.user_id: c for c in visit.confirmations}
    context: dict[str, Any] = {
        "visit": visit,
        "my_role": role,
        "can_upload": role is not None,
        "can_edit": _may_edit(visit),
        "confirmations": confirmations,
        "confirm_pending": role in ("support", "observer") and current_user.id not in confirmations,
        "flags": flag_views(visit),
        "integrity": shown_evidence(current_user, visit.flags),
        "photo_categories": PHOTO_CATEGORIES,
        "deal_products": DEAL_PRODUCTS,
        **_photos_context(visit),
        **_confirm_form_context(visit, **confirm),
    }
    return context


@bp.get("/visits/<visit_id>")
@login_required
def show(visit_id: str) -> str:
    visit = get_visit_or_404(current_user, _uuid_or_404(visit_id))
    return render_template("visits/show.html", **_visit_page(visit))


@bp.get("/visits/<visit_id>/photos")
@login_required
def photos(visit_id: str) -> Page:
    """The photo list the uploader refreshes after each photo lands."""
    visit = get_visit_or_404(current_user, _uuid_or_404(visit_id))
    if not wants_partial():
        return redirect(url_for("visits.show", visit_id=visit.id, _anchor="photos"))
    return render_template("visits/_photos.html", **_photos_context(visit))


@bp.post("/visits/<visit_id>/confirm")
@login_required
def confirm(visit_id: str) -> Page:
    """A support or observer confirms their own part, with their own check-in, from their own phone."""
    parsed = _uuid_or_404(visit_id)
    form = request.form
    try:
        put_confirmation(write_context(), parsed, current_user.username, confirmation_body_from_form(form))
    except Invalid as error:
        db.session.rollback()
        return _confirm_failed(parsed, form, errors=form_errors(error.errors), status=422)
    except Conflict as error:
        db.session.rollback()
        return _confirm_failed(parsed, form, message=error.message, status=409)
    except Forbidden as error:
        db.session.rollback()
        if not wants_partial():
            return error_response(403, "forbidden", error.message)
        return _confirm_failed(parsed, form, message=error.message, status=403)
    db.session.commit()
    return _finished(url_for("visits.show", visit_id=parsed))


def _confirm_failed(visit_id: str, form: MultiDict[str, str], *, status: int,
                    errors: dict[str, str] | None = None, message: str | None = None) -> tuple[str, int]:
    visit = get_visit_or_404(current_user, visit_id)
    if wants_partial():
        return render_template("visits/_confirm_form.html",
                               **_confirm_form_context(visit, form, errors, message)), status
    page = _visit_page(visit, form=form, errors=errors, message=message)
    page["confirm_pending"] = True
    return render_template("visits/show.html", **page), status


# --- lists -----------------------------------------------------------------------------------------------


def _cursor(visit: Visit) -> str:
    return f"{visit.started_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S%f')}~{visit.id}"


def _parse_cursor(value: str | None) -> tuple[datetime, str] | None:
    if not value or "~" not in value:
        return None
    moment, _sep, visit_id = value.partition("~")
    try:
        started = datetime.strptime(moment, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    except ValueError:
        return None
    parsed = parse_uuid(visit_id)
    return (started, parsed) if parsed else None


def _flag_codes(visit_ids: list[str]) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {vid: [] for vid in visit_ids}
    if visit_ids:
        for vid, code in db.session.execute(
            sa.select(VisitFlag.visit_id, VisitFlag.code)
            .where(VisitFlag.visit_id.in_(visit_ids)).order_by(VisitFlag.id)
        ):
            codes[vid].append(code)
    return codes


@bp.get("/visits/")
@login_required
def index() -> str:
    """My visits, newest first; for a team lead the team's, with their flags. Keyset pages of 50."""
    query = (visible_visits(current_user)
             .options(joinedload(Visit.merchant), joinedload(Visit.lead))
             .order_by(Visit.started_at.desc(), Visit.id.desc()))
    cursor = _parse_cursor(request.args.get("before"))
    if cursor is not None:
        started, last_id = cursor
        query = query.where(sa.or_(Visit.started_at < started,
                                   sa.and_(Visit.started_at == started, Visit.id < last_id)))
    visits = list(db.session.scalars(query.limit(PAGE_SIZE + 1)).unique())
    has_more = len(visits) > PAGE_SIZE
    visits = visits[:PAGE_SIZE]
    context = {
        "visits": visits,
        "flag_codes": _flag_codes([v.id for v in visits]),
        "show_flag_names": current_user.role != "manager",
        "next_cursor": _cursor(visits[-1]) if has_more and visits else None,
        "first_page": cursor is None,
    }
    if wants_partial():
        return render_template("visits/_rows.html", **context)
    return render_template("visits/index.html", **context)


def recent_visits_for(merchant: Merchant, limit: int = RECENT_ON_MERCHANT_PAGE) -> list[Visit]:
    """The merchant's latest visits the user may see, for the merchant page."""
    if not current_user.is_authenticated:
        return []
    return list(db.session.scalars(
        visible_visits(current_user)
        .where(Visit.merchant_id == merchant.id)
        .options(selectinload(Visit.flags), joinedload(Visit.lead))
        .order_by(Visit.started_at.desc(), Visit.id.desc())
        .limit(limit)
    ).unique())


@bp.app_context_processor
def _merchant_page_helpers() -> dict[str, Any]:
    """The merchant page belongs to the merchants blueprint; it asks us for its visits lazily."""
    return {"recent_visits_for": recent_visits_for, "visit_field_roles": FIELD_ROLES, "visit_kinds": VISIT_KINDS}
