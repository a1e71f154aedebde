"""Marketing activity pages: the list and the month calendar with the festivals the guide names, an activity
with its leads and results, creating and changing one, capturing a lead (the page a phone keeps offline; its
script sends through the outbox, a phone without it posts the form here) and a lead's reassignment."""
from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from webapp.bank_time import bank_today, clock_now
from webapp.channels.activities import can_edit_activity, save_activity
from webapp.channels.festivals import festivals_between, upcoming
from webapp.channels.leads import assign_lead, put_lead
from webapp.channels.pages import activity_leads, attribute
from webapp.channels.web import bp, form_uuid
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import ACTIVITY_KINDS, FESTIVALS, Channel, MarketingActivity, User
from webapp.pages import Page, finished, form_error
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import (
    activity_condition,
    channel_condition,
    get_activity_or_404,
    get_lead_or_404,
    lead_phone_for,
    require_role,
    visible_users,
)
from webapp.visits.payload import DEAL_PRODUCTS
from webapp.visits.request_context import write_context

ACTIVITY_FIELDS = ("kind", "title", "day", "place", "channel_id", "festival", "cost", "notes")
LEAD_FIELDS = ("activity_id", "name", "contact_name", "phone", "need", "need_product", "industry", "district",
               "address", "assignee", "captured_at")
LIST_LIMIT = 200


def _month(text: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2099 and 1 <= month <= 12 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@bp.get("/activities/")
@login_required
def activities() -> str:
    """The month's activities on a calendar with its festivals, the festivals worth planning for now, and the
    latest activities."""
    today = bank_today(clock_now())
    month = _month(request.args.get("month"), today)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    in_month = list(db.session.scalars(sa.select(MarketingActivity).where(
        activity_condition(current_user), MarketingActivity.day.between(month, last)).order_by(MarketingActivity.day)))
    by_day: dict[date, list[MarketingActivity]] = {}
    for activity in in_month:
        by_day.setdefault(activity.day, []).append(activity)
    festivals = {f.day: f for f in festivals_between(month, last)}
    planned = {a.festival for a in db.session.scalars(sa.select(MarketingActivity).where(
        activity_condition(current_user), MarketingActivity.festival.is_not(None),
        MarketingActivity.day.between(today - timedelta(days=30), today + timedelta(days=90))))}
    latest = list(db.session.scalars(sa.select(MarketingActivity).where(activity_condition(current_user))
                                     .order_by(MarketingActivity.day.desc()).limit(LIST_LIMIT)))
    previous = (month - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render_template(
        "channels/activities.html", month=month, weeks=calendar.Calendar().monthdatescalendar(month.year, month.month),
        by_day=by_day, festivals=festivals, suggestions=upcoming(today), planned=planned, latest=latest,
        today=today, previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"),
        can_record=current_user.role in FIELD_ROLES)


def _people_choices(sub_branch_id: int) -> list[User]:
    return list(db.session.scalars(visible_users(current_user).where(
        User.sub_branch_id == sub_branch_id, User.role.in_(FIELD_ROLES), User.is_enabled.is_(True))
        .order_by(User.display_name)))


def _channels(sub_branch_id: int) -> list[Channel]:
    return list(db.session.scalars(sa.select(Channel).where(
        channel_condition(current_user), Channel.sub_branch_id == sub_branch_id).order_by(Channel.name)))


def activity_form(activity: MarketingActivity | None) -> MultiDict[str, str]:
    if activity is None:
        values = {name: request.args.get(name, "") for name in ("kind", "festival", "day", "channel_id", "title")}
        values["kind"] = values["kind"] if values["kind"] in ACTIVITY_KINDS else "roadshow"
        form = MultiDict(values)
        form.setlist("people", [str(current_user.id)])
        return form
    form = MultiDict({
        "kind": activity.kind, "title": activity.title, "day": activity.day.isoformat(), "place": activity.place,
        "channel_id": str(activity.channel_id or ""), "festival": activity.festival or "",
        "cost": f"{activity.cost_cents / 100:.2f}" if activity.cost_cents else "", "notes": activity.notes})
    form.setlist("people", [str(p.user_id) for p in activity.people])
    return form


def activity_body(form: MultiDict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {name: form.get(name, "") for name in ACTIVITY_FIELDS}
    body["people"] = form.getlist("people")
    return body


def _activity_form_page(activity: MarketingActivity | None, form: MultiDict[str, str], errors: dict[str, str],
                        message: str | None = None) -> str:
    sub_branch_id = activity.sub_branch_id if activity is not None else current_user.sub_branch_id
    template = "channels/_activity_form.html" if wants_partial() else "channels/activity_form.html"
    return render_template(template, activity=activity, form=form, errors=errors, message=message,
                           kinds=ACTIVITY_KINDS, festivals=FESTIVALS, channels=_channels(sub_branch_id),
                           people=_people_choices(sub_branch_id))


@bp.get("/activities/new")
@login_required
def new_activity() -> str:
    require_role(current_user, *FIELD_ROLES)
    return _activity_form_page(None, activity_form(None), {})


@bp.post("/activities/new")
@login_required
def create_activity() -> Page:
    require_role(current_user, *FIELD_ROLES)
    try:
        activity = save_activity(write_context(), None, activity_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _activity_form_page(None, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("channels.activity", activity_id=activity.id))


@bp.get("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int) -> str:
    return activity_page_with(get_activity_or_404(current_user, activity_id), None)


@bp.get("/activities/<int:activity_id>/edit")
@login_required
def edit_activity(activity_id: int) -> str:
    found = get_activity_or_404(current_user, activity_id)
    require_role(current_user, *FIELD_ROLES)
    return _activity_form_page(found, activity_form(found), {})


@bp.post("/activities/<int:activity_id>")
@login_required
def update_activity(activity_id: int) -> Page:
    found = get_activity_or_404(current_user, activity_id)
    require_role(current_user, *FIELD_ROLES)
    try:
        save_activity(write_context(), found, activity_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _activity_form_page(found, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("channels.activity", activity_id=activity_id))


def _lead_page(found: MarketingActivity, form: MultiDict[str, str], errors: dict[str, str],
               message: str | None = None, lead_id: str | None = None) -> str:
    template = "channels/_lead_form.html" if wants_partial() else "channels/lead_form.html"
    return render_template(template, activity=found, form=form, errors=errors, message=message,
                           lead_id=lead_id or str(uuid.uuid4()), products=DEAL_PRODUCTS,
                           people=_people_choices(found.sub_branch_id))


@bp.get("/activities/<int:activity_id>/leads/new")
@login_required
def new_lead(activity_id: int) -> str:
    """The capture form. Kept on the phone by the service worker: its script mints a new id for each lead."""
    found = get_activity_or_404(current_user, activity_id)
    require_role(current_user, *FIELD_ROLES)
    defaults = MultiDict({"assignee": current_user.username,
                          "district": found.channel.place if found.channel else ""})
    return _lead_page(found, defaults, {})


@bp.post("/activities/<int:activity_id>/leads")
@login_required
def capture_lead(activity_id: int) -> Page:
    """The same write as the phone's outbox sends, for a browser without the app's script."""
    found = get_activity_or_404(current_user, activity_id)
    require_role(current_user, *FIELD_ROLES)
    lead_id = form_uuid(request.form.get("lead_id"))
    body: dict[str, Any] = {name: request.form.get(name, "") for name in LEAD_FIELDS}
    body["activity_id"] = str(found.id)
    ctx = write_context()
    body["captured_at"] = body["captured_at"] or ctx.now.isoformat()
    try:
        put_lead(ctx, lead_id, body)
    except AppError as error:
        return form_error(error, lambda e: _lead_page(found, request.form, e.by_form_field(), e.message, lead_id))
    db.session.commit()
    return finished(url_for("channels.activity", activity_id=activity_id, _anchor="leads"))


@bp.post("/leads/<uuid:lead_id>/assign")
@login_required
def reassign_lead(lead_id: str) -> Page:
    lead = get_lead_or_404(current_user, lead_id)
    require_role(current_user, TEAM_LEAD)
    try:
        assign_lead(write_context(), lead, request.form.get("assignee", ""))
    except AppError as error:
        return form_error(error, lambda e: activity_page_with(lead.activity, e.first))
    db.session.commit()
    return finished(url_for("channels.activity", activity_id=lead.activity_id, _anchor="leads"))


def activity_page_with(found: MarketingActivity, message: str | None) -> str:
    """The activity with its leads and results; ``message`` is a refused reassignment's reason."""
    leads = activity_leads(found)
    return render_template(
        "channels/activity.html", activity=found, leads=leads, results=attribute(leads),
        can_edit=can_edit_activity(current_user, found), can_capture=current_user.role in FIELD_ROLES,
        can_assign=current_user.role == TEAM_LEAD and current_user.sub_branch_id == found.sub_branch_id,
        people=_people_choices(found.sub_branch_id), phone_for=lambda lead: lead_phone_for(current_user, lead),
        assign_message=message)

