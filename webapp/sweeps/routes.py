"""Sweep-day pages: the team lead plans, adjusts and reads the day; the team follows the live board.

Planning is for team leads only (403 for the other roles); a sweep day of another team or sub-branch is 404
like one that does not exist (webapp.scope).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.labels import DEAL_PRODUCT, MERCHANT_STATUS, ROLE, SQUAD_ROLE
from webapp.models import MERCHANT_STATUSES, Merchant, SweepDay, SweepRotation, SweepSquad, User
from webapp.roles import SWEEP_EXPORT_ROLES
from webapp.scope import (
    get_plannable_sweep_day_or_404,
    get_sweep_day_or_404,
    require_role,
    sweep_team_members,
    visible_sweep_days,
)
from webapp.sweeps.board import Board, build_board
from webapp.sweeps.export import build_workbook, export_filename
from webapp.sweeps.forms import PlanForm, criteria_summary, squad_rows
from webapp.sweeps.mapdata import map_settings, markers_json, merchant_marker
from webapp.sweeps.planning import (
    MAX_SWEEP_MERCHANTS,
    assign_stops,
    check_squads,
    create_sweep_day,
    form_squads,
    matching_merchants,
    move_stop,
    replace_squads,
    squad_count_bounds,
    squad_order,
)
from webapp.sweeps.rotation import last_swept, ordered_districts, rotation_for, sub_branch_districts, upcoming

bp = Blueprint("sweeps", __name__, url_prefix="/sweeps")

Page = str | tuple[str, int] | Response


def _label(table: dict[str, Any], code: str | None) -> str:
    return str(table.get(code or "", code or ""))


def _finished(url: str) -> Response:
    """303 after a plain form; a whole-page redirect for htmx, as the next page is not a fragment of this one."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def _require_planner() -> None:
    """Team leads plan for their own team; a lead without a team has no one to send out."""
    require_role(current_user, "team_lead")
    if current_user.team_id is None:
        abort(403)


def _team_members() -> list[User]:
    return list(db.session.scalars(sweep_team_members(current_user)))


def _industries(sub_branch_id: int) -> list[str]:
    rows = db.session.scalars(
        sa.select(Merchant.industry).where(Merchant.sub_branch_id == sub_branch_id, Merchant.industry != "").distinct()
    )
    return sorted(rows)


# --- list ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> str:
    today = bank_today()
    days = list(db.session.scalars(visible_sweep_days(current_user).order_by(SweepDay.sweep_date.desc()).limit(200)))
    return render_template(
        "sweeps/index.html",
        upcoming=sorted((d for d in days if d.sweep_date >= today), key=lambda d: d.sweep_date),
        past=[d for d in days if d.sweep_date < today],
        today=today,
        can_plan=current_user.role == "team_lead" and current_user.team_id is not None,
    )


# --- planning -----------------------------------------------------------------------------------------


def _proposal(form: PlanForm, members: list[User]) -> dict[str, Any]:
    """What the filters pick and how the squads would be formed: the plan page's live preview."""
    districts = sub_branch_districts(current_user.sub_branch_id)
    criteria = form.criteria(districts=districts, industries=_industries(current_user.sub_branch_id))
    by_id = {m.id: m for m in members}
    on_duty = form.on_duty(set(by_id))
    sweepers = [m for m in members if m.id not in on_duty]
    low, high = squad_count_bounds(len(sweepers))
    count = form.integer("squad_count", low=1, high=max(1, len(members)))
    rows = form_squads(squad_order(sweepers), count)
    merchants = [] if form.errors else matching_merchants(
        current_user.sub_branch_id, criteria, now=datetime.now(UTC)
    )
    return {
        "merchants": merchants,
        "too_many": len(merchants) > MAX_SWEEP_MERCHANTS,
        "max_merchants": MAX_SWEEP_MERCHANTS,
        "unlocated": sum(1 for m in merchants if m.lat is None or m.lon is None),
        "squads": [[by_id[p] for p in row if p is not None] for row in rows],
        "squad_bounds": (low, high),
        "markers": markers_json([merchant_marker(m, state="candidate") for m in merchants]),
        "errors": dict(form.errors),
    }


def _plan_context(form: PlanForm, members: list[User]) -> dict[str, Any]:
    return {
        "form": form,
        "members": members,
        "districts": sub_branch_districts(current_user.sub_branch_id),
        "industries": _industries(current_user.sub_branch_id),
        "statuses": MERCHANT_STATUSES,
        "status_label": lambda code: _label(MERCHANT_STATUS, code),
        "role_label": lambda code: _label(ROLE, code),
        "map": map_settings(current_user.sub_branch_id),
        "proposal": _proposal(PlanForm(values=form.values), members),
    }


@bp.get("/new")
@login_required
def new() -> str:
    _require_planner()
    values: MultiDict[str, str] = MultiDict({
        "sweep_date": request.args.get("date", "") or bank_today().isoformat(),
        "district": request.args.get("district", ""),
    })
    return render_template("sweeps/new.html", **_plan_context(PlanForm(values=values), _team_members()))


@bp.get("/preview")
@login_required
def preview() -> str:
    """The live preview under the plan form; a plain GET (no script) gets the whole plan page with it."""
    _require_planner()
    members = _team_members()
    form = PlanForm(values=MultiDict(request.args))
    if wants_partial():
        return render_template("sweeps/_preview.html", proposal=_proposal(form, members),
                               role_label=lambda code: _label(ROLE, code))
    return render_template("sweeps/new.html", **_plan_context(form, members))


@bp.post("/new")
@login_required
def create() -> Page:
    _require_planner()
    members = _team_members()
    form = PlanForm(values=MultiDict(request.form))
    today = bank_today()
    plan = form.plan(
        today=today,
        districts=sub_branch_districts(current_user.sub_branch_id),
        industries=_industries(current_user.sub_branch_id),
        member_ids={m.id for m in members},
    )
    merchants: list[Merchant] = []
    sweepers: list[User] = []
    if plan is not None:
        merchants = matching_merchants(current_user.sub_branch_id, plan.criteria, now=datetime.now(UTC))
        sweepers = [m for m in members if m.id not in plan.on_duty_ids]
        if not merchants:
            form.errors["merchants"] = _("No merchant matches these filters.")
        elif len(merchants) > MAX_SWEEP_MERCHANTS:
            form.errors["merchants"] = _("%(count)d merchants match: narrow the filters to at most %(max)d.",
                                         count=len(merchants), max=MAX_SWEEP_MERCHANTS)
        if not sweepers:
            form.errors["on_duty"] = _("Everyone is on duty: nobody is left to sweep.")
        taken = db.session.scalar(
            sa.select(SweepDay.id).where(SweepDay.team_id == current_user.team_id,
                                         SweepDay.sweep_date == plan.sweep_date)
        )
        if taken is not None:
            form.errors["sweep_date"] = _("Your team already has a sweep day on this date.")
    if plan is None or form.errors:
        return render_template("sweeps/new.html", **_plan_context(form, members)), 422
    sweep_day = create_sweep_day(current_user, plan, merchants, sweepers)
    db.session.commit()
    flash(_("The sweep day is planned: %(count)d merchants for %(squads)d squads.",
            count=len(merchants), squads=len(sweep_day.squads)), "info")
    return _finished(url_for("sweeps.show", sweep_day_id=sweep_day.id))


# --- the plan: squads and assignments -----------------------------------------------------------------


def _show_context(sweep_day: SweepDay, *, squad_errors: dict[str, str] | None = None,
                  squad_values: MultiDict[str, str] | None = None) -> dict[str, Any]:
    board = build_board(sweep_day)
    can_edit = current_user.role == "team_lead" and current_user.team_id == sweep_day.team_id
    members = _team_members() if can_edit else []
    markers = [
        merchant_marker(stop.merchant, squad=group.squad.number if group.squad else 0,
                        state="visited" if board.result(stop.merchant_id) else "pending")
        for group in board.squads for stop in group.stops
    ]
    return {
        "sweep_day": sweep_day,
        "board": board,
        "can_edit": can_edit,
        "members": members,
        "criteria_lines": criteria_summary(sweep_day.criteria or {}),
        "squad_errors": squad_errors or {},
        "squad_values": squad_values,
        "markers": markers_json(markers),
        "map": map_settings(sweep_day.sub_branch_id),
        "role_label": lambda code: _label(ROLE, code),
        "squad_role_label": lambda code: _label(SQUAD_ROLE, code),
        "on_duty_names": [m.display_name for m in db.session.scalars(
            sa.select(User).where(User.id.in_(sweep_day.on_duty_ids or [])).order_by(User.username))],
        "can_export": current_user.role in SWEEP_EXPORT_ROLES,
    }


@bp.get("/<int:sweep_day_id>")
@login_required
def show(sweep_day_id: int) -> str:
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    context = _show_context(sweep_day)
    if wants_partial():
        return render_template("sweeps/_assignments.html", **context)
    return render_template("sweeps/show.html", **context)


@bp.post("/<int:sweep_day_id>/stops/<int:stop_id>/move")
@login_required
def move(sweep_day_id: int, stop_id: int) -> Page:
    """Move one merchant to another squad by hand, after the automatic split."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    stop = next((s for s in sweep_day.stops if s.id == stop_id), None)
    if stop is None:
        abort(404)
    squad = next((s for s in sweep_day.squads if str(s.id) == request.form.get("squad_id", "")), None)
    if squad is None:
        context = _show_context(sweep_day)
        context["move_error"] = _("Choose one of the day's squads.")
        template = "sweeps/_assignments.html" if wants_partial() else "sweeps/show.html"
        return render_template(template, **context), 422
    move_stop(sweep_day, stop, squad)
    db.session.commit()
    if wants_partial():
        return render_template("sweeps/_assignments.html", **_show_context(sweep_day))
    return redirect(url_for("sweeps.show", sweep_day_id=sweep_day.id, _anchor="assignments"), code=303)


@bp.post("/<int:sweep_day_id>/split")
@login_required
def split(sweep_day_id: int) -> Response:
    """Split the merchants among the squads afresh (undoes moves by hand)."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    assign_stops(sweep_day)
    db.session.commit()
    flash(_("The merchants were split among the squads again."), "info")
    return _finished(url_for("sweeps.show", sweep_day_id=sweep_day.id))


@bp.post("/<int:sweep_day_id>/squads")
@login_required
def save_squads(sweep_day_id: int) -> Page:
    """Squads set by hand: who leads, supports and observes, and who is on duty."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    members = _team_members()
    names = {m.id: m.display_name for m in members}
    form = PlanForm(values=MultiDict(request.form))
    on_duty = set(form.on_duty(set(names)))
    rows, errors = check_squads(squad_rows(request.form, len(sweep_day.squads)), members=names, on_duty=on_duty)
    errors.update(form.errors)
    if errors:
        context = _show_context(sweep_day, squad_errors=errors, squad_values=MultiDict(request.form))
        template = "sweeps/_squads_form.html" if wants_partial() else "sweeps/show.html"
        return render_template(template, **context), 422
    replace_squads(sweep_day, rows, on_duty)
    db.session.commit()
    flash(_("The squads were saved."), "info")
    return _finished(url_for("sweeps.show", sweep_day_id=sweep_day.id))


@bp.post("/<int:sweep_day_id>/reform")
@login_required
def reform(sweep_day_id: int) -> Page:
    """Form the squads automatically again (a number of squads, the people on duty) and split anew."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    members = _team_members()
    form = PlanForm(values=MultiDict(request.form))
    on_duty = set(form.on_duty({m.id for m in members}))
    count = form.integer("squad_count", low=1, high=max(1, len(members)))
    sweepers = [m for m in members if m.id not in on_duty]
    if not sweepers:
        form.errors["on_duty"] = _("Everyone is on duty: nobody is left to sweep.")
    if form.errors:
        context = _show_context(sweep_day, squad_errors=form.errors, squad_values=MultiDict(request.form))
        template = "sweeps/_squads_form.html" if wants_partial() else "sweeps/show.html"
        return render_template(template, **context), 422
    rows = form_squads(squad_order(sweepers), count)
    replace_squads(sweep_day, [], on_duty)  # drop the old squads so that the split starts afresh
    replace_squads(sweep_day, rows, on_duty)
    db.session.commit()
    flash(_("The squads were formed again and the merchants split among them."), "info")
    return _finished(url_for("sweeps.show", sweep_day_id=sweep_day.id))


@bp.post("/<int:sweep_day_id>/targets")
@login_required
def save_targets(sweep_day_id: int) -> Page:
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    form = PlanForm(values=MultiDict(request.form))
    targets = form.targets()
    title = form.title()
    if form.errors:
        context = _show_context(sweep_day)
        context["target_form"] = form
        return render_template("sweeps/show.html", **context), 422
    sweep_day.title = title
    sweep_day.target_consultations = targets.consultations
    sweep_day.target_applications = targets.applications
    sweep_day.target_deals = targets.deals
    db.session.commit()
    flash(_("The targets were saved."), "info")
    return _finished(url_for("sweeps.show", sweep_day_id=sweep_day.id))


@bp.post("/<int:sweep_day_id>/delete")
@login_required
def delete(sweep_day_id: int) -> Response:
    """Drop a plan; the visits made stay, as they never belonged to it."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    for stop in sweep_day.stops:
        stop.squad = None
    db.session.flush()
    db.session.delete(sweep_day)
    db.session.commit()
    flash(_("The sweep day was deleted."), "info")
    return _finished(url_for("sweeps.index"))


# --- the day: board, summary, export ------------------------------------------------------------------


def _board_context(board: Board) -> dict[str, Any]:
    markers = [
        merchant_marker(stop.merchant, squad=group.squad.number if group.squad else 0,
                        state="visited" if board.result(stop.merchant_id) else "pending")
        for group in board.squads for stop in group.stops
    ]
    return {
        "board": board,
        "sweep_day": board.sweep_day,
        "markers": markers_json(markers),
        "map": map_settings(board.sweep_day.sub_branch_id),
        "refreshed_at": datetime.now(UTC),
        "squad_role_label": lambda code: _label(SQUAD_ROLE, code),
        "deal_label": lambda code: _label(DEAL_PRODUCT, code),
        "is_today": board.sweep_day.sweep_date == bank_today(),
        "can_export": current_user.role in SWEEP_EXPORT_ROLES,
    }


@bp.get("/<int:sweep_day_id>/board")
@login_required
def board(sweep_day_id: int) -> str:
    """The live board; its partial polls itself every 30 s."""
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    context = _board_context(build_board(sweep_day))
    if wants_partial():
        return render_template("sweeps/_board.html", **context)
    return render_template("sweeps/board.html", **context)


@bp.get("/<int:sweep_day_id>/summary")
@login_required
def summary(sweep_day_id: int) -> str:
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    board = build_board(sweep_day)
    follow_ups = sorted(
        ((board.results[s.merchant_id], s, g.squad) for g in board.squads for s in g.stops
         if s.merchant_id in board.results and board.results[s.merchant_id].follow_up_date),
        key=lambda item: (item[0].follow_up_date or "", item[1].merchant.name),
    )
    deal_counts: dict[str, int] = {}
    for result in board.results.values():
        for code in result.deals:
            deal_counts[code] = deal_counts.get(code, 0) + 1
    return render_template(
        "sweeps/summary.html",
        follow_ups=follow_ups,
        not_reached=[(g.squad, s) for g in board.squads for s in g.stops if s.merchant_id not in board.results],
        deal_counts=sorted(deal_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        applications=[(board.results[s.merchant_id], s) for g in board.squads for s in g.stops
                      if s.merchant_id in board.results and board.results[s.merchant_id].application],
        **_board_context(board),
    )


@bp.get("/<int:sweep_day_id>/export.xlsx")
@login_required
def export(sweep_day_id: int) -> Response:
    require_role(current_user, *SWEEP_EXPORT_ROLES)
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    data = build_workbook(
        build_board(sweep_day),
        role_label=lambda code: _label(SQUAD_ROLE, code),
        status_label=lambda code: _label(MERCHANT_STATUS, code),
        deal_label=lambda code: _label(DEAL_PRODUCT, code),
    )
    response = make_response(data)
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(sweep_day)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the rotation -------------------------------------------------------------------------------------


def _rotation_context(rotation: SweepRotation | None, *, errors: dict[str, str] | None = None,
                      values: MultiDict[str, str] | None = None) -> dict[str, Any]:
    sub_branch_id = current_user.sub_branch_id
    today = bank_today()
    existing = sub_branch_districts(sub_branch_id)
    districts = ordered_districts(rotation.districts if rotation else [], existing)
    in_rotation = [d for d in districts if rotation is None or d in rotation.districts]
    slots = upcoming(rotation, in_rotation, today) if rotation else []
    planned = {
        d.sweep_date: d for d in db.session.scalars(
            visible_sweep_days(current_user).where(SweepDay.sweep_date.in_([s.sweep_date for s in slots]))
        )
    } if slots else {}
    next_date: dict[str, Any] = {}
    for slot in slots:
        if slot.district and slot.district not in next_date:
            next_date[slot.district] = slot.sweep_date
    return {
        "rotation": rotation,
        "districts": districts,
        "in_rotation": set(in_rotation),
        "last_swept": last_swept(sub_branch_id, today),
        "next_date": next_date,
        "slots": slots,
        "planned": planned,
        "today": today,
        "errors": errors or {},
        "values": values,
    }


@bp.get("/rotation")
@login_required
def rotation() -> str:
    require_role(current_user, "team_lead")
    return render_template("sweeps/rotation.html", **_rotation_context(rotation_for(current_user.sub_branch_id)))


@bp.post("/rotation")
@login_required
def save_rotation() -> Page:
    """The order of the districts (a rank each; no rank leaves a district out), the start and the interval."""
    require_role(current_user, "team_lead")
    existing = sub_branch_districts(current_user.sub_branch_id)
    form = PlanForm(values=MultiDict(request.form))
    errors: dict[str, str] = {}
    start = None
    raw_start = form.get("start_date").strip()
    try:
        start = datetime.strptime(raw_start, "%Y-%m-%d").date() if raw_start else None
    except ValueError:
        errors["start_date"] = _("Expected a date such as 2026-12-05.")
    if start is None and "start_date" not in errors:
        errors["start_date"] = _("Required.")
    interval = form.integer("interval_weeks", low=1, high=8, default=1)
    ranked: list[tuple[int, str]] = []
    for district, rank in zip(request.form.getlist("district"), request.form.getlist("rank")):
        if district not in existing or not rank.strip():
            continue
        try:
            ranked.append((int(rank), district))
        except ValueError:
            errors["districts"] = _("Enter a whole number.")
    if not ranked and "districts" not in errors:
        errors["districts"] = _("Give at least one district a place in the rotation.")
    errors.update(form.errors)
    rotation = rotation_for(current_user.sub_branch_id)
    if errors or start is None:
        return render_template("sweeps/rotation.html",
                               **_rotation_context(rotation, errors=errors, values=MultiDict(request.form))), 422
    order = [district for _rank, district in sorted(ranked)]
    if rotation is None:
        rotation = SweepRotation(sub_branch_id=current_user.sub_branch_id, start_date=start,
                                 interval_weeks=interval or 1, districts=order, updated_by_id=current_user.id)
        db.session.add(rotation)
    else:
        rotation.start_date, rotation.interval_weeks, rotation.districts = start, interval or 1, order
        rotation.updated_by_id = current_user.id
    db.session.commit()
    flash(_("The rotation was saved."), "info")
    return _finished(url_for("sweeps.rotation"))


def squad_name(squad: SweepSquad | None) -> str:
    return _("Squad %(number)d", number=squad.number) if squad is not None else _("Unassigned")


@bp.app_context_processor
def _sweep_template_helpers() -> dict[str, Any]:
    return {"sweep_squad_name": squad_name}
