"""Channel pages: the register (and its Excel file), a channel with its contacts, merchants and penetration,
creating and changing one, and linking merchants (picked, inside the drawn area, imported by code).
Views parse, call the write path, commit once, render. Activity and lead views live beside this module on the
same blueprint (webapp.channels.activity_routes).
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today, clock_now
from webapp.channels import activity_routes  # noqa: F401 - registers the activity views on bp
from webapp.channels.export import build_register, register_filename
from webapp.channels.pages import channel_activities, channel_penetration, linked_merchants, register_rows
from webapp.channels.web import bp, xlsx_response
from webapp.channels.write import (
    MAX_CONTACTS,
    can_edit_channel,
    link_area_merchants,
    link_merchant_codes,
    link_merchants,
    save_channel,
    unlink_merchant,
)
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.metrics.store import definitions_for
from webapp.models import CHANNEL_KINDS, CHANNEL_STATES, Channel, Merchant, User
from webapp.pages import Page, finished, form_error
from webapp.roles import FIELD_ROLES
from webapp.scope import (
    channel_contact_phone_for,
    get_channel_or_404,
    get_merchant_or_404,
    merchant_condition,
    require_role,
    visible_users,
)
from webapp.sweeps.mapdata import display_point, map_settings, markers_json, merchant_marker
from webapp.text_files import FileProblem, read_csv_rows
from webapp.visits.request_context import write_context

__all__ = ["bp"]

CHANNEL_FIELDS = ("kind", "name", "place", "lat", "lon", "area", "merchant_count", "loan_demand", "terms_rate",
                  "terms_fees", "terms_note", "state", "owner_id")
CONTACT_ROWS = 3
PICK_LIMIT = 40
MAX_IMPORT_BYTES = 2 * 1024 * 1024


@bp.get("/")
@login_required
def index() -> str:
    state = request.args.get("state") if request.args.get("state") in CHANNEL_STATES else None
    kind = request.args.get("kind") if request.args.get("kind") in CHANNEL_KINDS else None
    rows = register_rows(current_user, definitions_for(current_user.branch_id), state=state, kind=kind)
    return render_template("channels/index.html", rows=rows, state=state, kind=kind, states=CHANNEL_STATES,
                           kinds=CHANNEL_KINDS, can_record=current_user.role in FIELD_ROLES)


@bp.get("/register.xlsx")
@login_required
def register_export() -> Response:
    rows = register_rows(current_user, definitions_for(current_user.branch_id))
    return xlsx_response(build_register(rows), register_filename(bank_today(clock_now())))


def _owners(sub_branch_id: int) -> list[User]:
    return list(db.session.scalars(visible_users(current_user).where(
        User.sub_branch_id == sub_branch_id, User.role.in_(FIELD_ROLES), User.is_enabled.is_(True))
        .order_by(User.display_name)))


def channel_form(channel: Channel | None) -> MultiDict[str, str]:
    """The form's values for a channel (or the defaults of a new one)."""
    if channel is None:
        return MultiDict({"state": "prospecting", "kind": "specialised_market", "owner_id": str(current_user.id)})
    values: dict[str, str] = {
        "kind": channel.kind, "name": channel.name, "place": channel.place,
        "lat": "" if channel.lat is None else str(channel.lat), "lon": "" if channel.lon is None else str(channel.lon),
        "area": json.dumps(channel.area) if channel.area else "",
        "merchant_count": "" if channel.merchant_count is None else str(channel.merchant_count),
        "loan_demand": "" if channel.loan_demand_cents is None else f"{channel.loan_demand_cents / 100:.2f}",
        "terms_rate": channel.terms_rate, "terms_fees": channel.terms_fees, "terms_note": channel.terms_note,
        "state": channel.state, "owner_id": str(channel.owner_id),
    }
    for index, contact in enumerate(channel.contacts):
        values.update({f"contact_name_{index}": contact.name, f"contact_role_{index}": contact.role,
                       f"contact_phone_{index}": contact.phone})
    return MultiDict(values)


def channel_body(form: MultiDict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {name: form.get(name, "") for name in CHANNEL_FIELDS}
    body["contacts"] = [
        {"name": form.get(f"contact_name_{i}", ""), "role": form.get(f"contact_role_{i}", ""),
         "phone": form.get(f"contact_phone_{i}", "")}
        for i in range(MAX_CONTACTS) if any(form.get(f"contact_{part}_{i}", "").strip()
                                            for part in ("name", "role", "phone"))]
    return body


def _form_page(channel: Channel | None, form: MultiDict[str, str], errors: dict[str, str],
               message: str | None = None) -> str:
    sub_branch_id = channel.sub_branch_id if channel is not None else current_user.sub_branch_id
    rows = max(CONTACT_ROWS, len(channel.contacts) + 1 if channel is not None else 0)
    context = {"channel": channel, "form": form, "errors": errors, "message": message, "kinds": CHANNEL_KINDS,
               "states": CHANNEL_STATES, "owners": _owners(sub_branch_id), "contact_rows": min(rows, MAX_CONTACTS),
               "map": map_settings(sub_branch_id), "area_markers": _area_markers(channel, form)}
    template = "channels/_channel_form.html" if wants_partial() else "channels/form.html"
    return render_template(template, **context)


def _area_markers(channel: Channel | None, form: MultiDict[str, str]) -> str:
    """The drawn area's corners for the map, in the tiles' datum."""
    try:
        ring = json.loads(form.get("area") or "[]")
    except ValueError:
        ring = []
    points: list[dict[str, Any] | None] = []
    if isinstance(ring, list):
        for pair in ring:
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int | float) for v in pair):
                if -90 <= pair[0] <= 90 and -180 <= pair[1] <= 180:
                    lat, lon = display_point(float(pair[0]), float(pair[1]))
                    points.append({"id": len(points) + 1, "lat": lat, "lon": lon, "name": "", "state": "corner"})
    return markers_json(points)


@bp.get("/new")
@login_required
def new() -> str:
    require_role(current_user, *FIELD_ROLES)
    return _form_page(None, channel_form(None), {})


@bp.post("/new")
@login_required
def create() -> Page:
    require_role(current_user, *FIELD_ROLES)
    try:
        channel = save_channel(write_context(), None, channel_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _form_page(None, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("channels.show", channel_id=channel.id))


@bp.get("/<int:channel_id>")
@login_required
def show(channel_id: int) -> str:
    channel = get_channel_or_404(current_user, channel_id)
    query = request.args.get("q", "")[:60]
    return _show_page(channel, query=query, candidates=_candidates(channel, query))


def _show_page(channel: Channel, *, query: str = "", candidates: list[Merchant] | None = None,
               link_message: str | None = None) -> str:
    merchants = linked_merchants(current_user, channel)
    markers = [merchant_marker(m, state="visited" if m.status in ("customer", "borrower") else "pending")
               for m, _source in merchants]
    return render_template(
        "channels/show.html", channel=channel, merchants=merchants,
        penetration=channel_penetration(channel, definitions_for(current_user.branch_id)),
        activities=channel_activities(current_user, channel), can_edit=can_edit_channel(current_user, channel),
        phone_for=lambda phone: channel_contact_phone_for(current_user, channel, phone),
        map=map_settings(channel.sub_branch_id), markers=markers_json(markers),
        area_markers=_area_markers(channel, channel_form(channel)), query=query, candidates=candidates or [],
        link_message=link_message)


def _candidates(channel: Channel, query: str) -> list[Merchant]:
    """Merchants of the channel's sub-branch whose name, code or district holds the search text."""
    text = query.strip()[:60]
    if not text:
        return []
    pattern = f"%{text}%"
    return list(db.session.scalars(sa.select(Merchant).where(
        merchant_condition(current_user), Merchant.sub_branch_id == channel.sub_branch_id,
        sa.or_(Merchant.name.ilike(pattern), Merchant.code.ilike(pattern), Merchant.district.ilike(pattern)))
        .order_by(Merchant.name).limit(PICK_LIMIT)))


@bp.get("/<int:channel_id>/edit")
@login_required
def edit(channel_id: int) -> str:
    channel = get_channel_or_404(current_user, channel_id)
    require_role(current_user, *FIELD_ROLES)
    return _form_page(channel, channel_form(channel), {})


@bp.post("/<int:channel_id>")
@login_required
def update(channel_id: int) -> Page:
    channel = get_channel_or_404(current_user, channel_id)
    require_role(current_user, *FIELD_ROLES)
    try:
        save_channel(write_context(), channel, channel_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _form_page(channel, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("channels.show", channel_id=channel_id))


def _import_codes() -> list[str]:
    upload = request.files.get("file")
    data = upload.read(MAX_IMPORT_BYTES + 1) if upload is not None else b""
    if not data:
        raise AppError(_("Choose a CSV file of merchant codes."), fields={"file": _("Required.")}, status=422)
    if len(data) > MAX_IMPORT_BYTES:
        raise AppError(_("The file is larger than 2 MB."), fields={"file": _("Too large.")}, status=422)
    try:
        rows, _codec = read_csv_rows(data, "auto")
        codes = [row[0].strip() for _number, row in rows if row and row[0].strip()]
    except (FileProblem, ValueError) as problem:
        raise AppError(_("The file cannot be read as CSV."), fields={"file": _("Not a CSV file.")},
                       status=422) from problem
    # A header row ("code", "商户编号") names no merchant and is reported like any unknown code.
    return codes


@bp.post("/<int:channel_id>/merchants")
@login_required
def link(channel_id: int) -> Page:
    channel = get_channel_or_404(current_user, channel_id)
    require_role(current_user, *FIELD_ROLES)
    mode = request.form.get("mode", "")
    ctx = write_context()
    try:
        if mode == "area":
            result = link_area_merchants(ctx, channel)
        elif mode == "import":
            result = link_merchant_codes(ctx, channel, _import_codes())
        elif mode == "pick":
            ids = [int(v) for v in request.form.getlist("merchant_id") if v.isdigit() and len(v) < 10]
            result = link_merchants(ctx, channel, ids, "picked")
        else:
            raise AppError(_("Choose how to link merchants."), status=400)
    except AppError as error:
        return form_error(error, lambda e: _show_page(channel, link_message=e.first),
                          error_page_for=(403, 404, 400))
    db.session.commit()
    message = _("%(added)d merchants linked, %(already)d were linked already.", added=result.added,
                already=result.already)
    if result.unknown:
        message += " " + _("Not found in this sub-branch: %(codes)s", codes=", ".join(result.unknown[:20]))
    flash(message, "info")
    return finished(url_for("channels.show", channel_id=channel_id, _anchor="merchants"))


@bp.post("/<int:channel_id>/merchants/<int:merchant_id>/remove")
@login_required
def unlink(channel_id: int, merchant_id: int) -> Page:
    channel = get_channel_or_404(current_user, channel_id)
    require_role(current_user, *FIELD_ROLES)
    get_merchant_or_404(current_user, merchant_id)
    unlink_merchant(write_context(), channel, merchant_id)
    db.session.commit()
    return finished(url_for("channels.show", channel_id=channel_id, _anchor="merchants"))
