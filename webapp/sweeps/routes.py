"""Sweep-day pages: the team lead plans, adjusts and reads the day; the team follows the live board.

Planning is for team leads only (403 for the other roles); a sweep day of another team or sub-branch is 404
like one that does not exist (webapp.scope). Writes go through webapp.sweeps.write; what the pages show is
gathered in webapp.sweeps.pages.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.labels import DEAL_PRODUCT, MERCHANT_STATUS, ROLE, SQUAD_ROLE, labeller
from webapp.models import SweepDay
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.roles import SWEEP_EXPORT_ROLES, TEAM_LEAD
from webapp.scope import get_plannable_sweep_day_or_404, get_sweep_day_or_404, require_role
from webapp.sweeps.board import build_board
from webapp.sweeps.export import build_workbook, export_filename
from webapp.sweeps.forms import PlanForm
from webapp.sweeps.pages import (
    board_context,
    index_context,
    may_plan,
    plan_context,
    proposal,
    rotation_context,
    show_context,
    summary_context,
    team_members,
)
from webapp.sweeps.planning import assign_stops
from webapp.sweeps.rotation import rotation_for
from webapp.sweeps.write import (
    delete_sweep_day,
    move_to_squad,
    plan_sweep_day,
    reform_squads,
    set_rotation,
    set_squads,
    set_targets,
)
from webapp.write_kernel import Invalid

bp = Blueprint("sweeps", __name__, url_prefix="/sweeps")


def _require_planner() -> None:
    """Team leads plan for their own team; a lead without a team has no one to send out."""
    require_role(current_user, TEAM_LEAD)
    if not may_plan(current_user):
        abort(403)


def _posted_form() -> PlanForm:
    return PlanForm(values=MultiDict(request.form))


def _saved(message: str, sweep_day: SweepDay) -> Response:
    db.session.commit()
    flash(message, "info")
    return finished(url_for("sweeps.show", sweep_day_id=sweep_day.id))


# --- list and planning --------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> str:
    return render_template("sweeps/index.html", **index_context(current_user))


@bp.get("/new")
@login_required
def new() -> str:
    _require_planner()
    values: MultiDict[str, str] = MultiDict({
        "sweep_date": request.args.get("date", "") or bank_today().isoformat(),
        "district": request.args.get("district", ""),
    })
    return render_template("sweeps/new.html",
                           **plan_context(current_user, PlanForm(values=values), team_members(current_user)))


@bp.get("/preview")
@login_required
def preview() -> str:
    """The live preview under the plan form; a plain GET (no script) gets the whole plan page with it."""
    _require_planner()
    members = team_members(current_user)
    form = PlanForm(values=MultiDict(request.args))
    if wants_partial():
        return render_template("sweeps/_preview.html", proposal=proposal(current_user, form, members),
                               role_label=labeller(ROLE))
    return render_template("sweeps/new.html", **plan_context(current_user, form, members))


@bp.post("/new")
@login_required
def create() -> Page:
    _require_planner()
    members = team_members(current_user)
    form = _posted_form()
    try:
        sweep_day = plan_sweep_day(current_user, form, members, today=bank_today(), now=datetime.now(UTC))
    except Invalid as error:
        return form_error(error, lambda _errors: render_template("sweeps/new.html",
                                                                 **plan_context(current_user, form, members)))
    return _saved(_("The sweep day is planned: %(count)d merchants for %(squads)d squads.",
                    count=len(sweep_day.stops), squads=len(sweep_day.squads)), sweep_day)


# --- the plan: squads and assignments -----------------------------------------------------------------


@bp.get("/<int:sweep_day_id>")
@login_required
def show(sweep_day_id: int) -> str:
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    context = show_context(current_user, sweep_day)
    return render_template("sweeps/_assignments.html" if wants_partial() else "sweeps/show.html", **context)


@bp.post("/<int:sweep_day_id>/stops/<int:stop_id>/move")
@login_required
def move(sweep_day_id: int, stop_id: int) -> Page:
    """Move one merchant to another squad by hand, after the automatic split."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    stop = next((s for s in sweep_day.stops if s.id == stop_id), None)
    if stop is None:
        abort(404)
    try:
        move_to_squad(sweep_day, stop, request.form.get("squad_id", ""))
    except Invalid as error:
        return form_error(error, lambda errors: render_template(
            "sweeps/_assignments.html" if wants_partial() else "sweeps/show.html",
            **show_context(current_user, sweep_day), move_error=errors.first))
    db.session.commit()
    if wants_partial():
        return render_template("sweeps/_assignments.html", **show_context(current_user, sweep_day))
    return redirect(url_for("sweeps.show", sweep_day_id=sweep_day.id, _anchor="assignments"), code=303)


@bp.post("/<int:sweep_day_id>/split")
@login_required
def split(sweep_day_id: int) -> Response:
    """Split the merchants among the squads afresh (undoes moves by hand)."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    assign_stops(sweep_day)
    return _saved(_("The merchants were split among the squads again."), sweep_day)


def _squads_form(sweep_day: SweepDay, form: PlanForm) -> Callable[[FormErrors], str]:
    return lambda errors: render_template(
        "sweeps/_squads_form.html" if wants_partial() else "sweeps/show.html",
        **show_context(current_user, sweep_day, squad_errors=errors.fields, squad_values=form.values))


@bp.post("/<int:sweep_day_id>/squads")
@login_required
def save_squads(sweep_day_id: int) -> Page:
    """Squads set by hand: who leads, supports and observes, and who is on duty."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    form = _posted_form()
    try:
        set_squads(sweep_day, form, team_members(current_user))
    except Invalid as error:
        return form_error(error, _squads_form(sweep_day, form))
    return _saved(_("The squads were saved."), sweep_day)


@bp.post("/<int:sweep_day_id>/reform")
@login_required
def reform(sweep_day_id: int) -> Page:
    """Form the squads automatically again (a number of squads, the people on duty) and split anew."""
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    form = _posted_form()
    try:
        reform_squads(sweep_day, form, team_members(current_user))
    except Invalid as error:
        return form_error(error, _squads_form(sweep_day, form))
    return _saved(_("The squads were formed again and the merchants split among them."), sweep_day)


@bp.post("/<int:sweep_day_id>/targets")
@login_required
def save_targets(sweep_day_id: int) -> Page:
    sweep_day = get_plannable_sweep_day_or_404(current_user, sweep_day_id)
    form = _posted_form()
    try:
        set_targets(sweep_day, form)
    except Invalid as error:
        return form_error(error, lambda _errors: render_template(
            "sweeps/show.html", **show_context(current_user, sweep_day), target_form=form))
    return _saved(_("The targets were saved."), sweep_day)


@bp.post("/<int:sweep_day_id>/delete")
@login_required
def delete(sweep_day_id: int) -> Response:
    """Drop a plan; the visits made stay, as they never belonged to it."""
    delete_sweep_day(get_plannable_sweep_day_or_404(current_user, sweep_day_id))
    db.session.commit()
    flash(_("The sweep day was deleted."), "info")
    return finished(url_for("sweeps.index"))


# --- the day: board, summary, export ------------------------------------------------------------------


@bp.get("/<int:sweep_day_id>/board")
@login_required
def board(sweep_day_id: int) -> str:
    """The live board; its partial polls itself every 30 s."""
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    context = board_context(current_user, build_board(sweep_day))
    return render_template("sweeps/_board.html" if wants_partial() else "sweeps/board.html", **context)


@bp.get("/<int:sweep_day_id>/summary")
@login_required
def summary(sweep_day_id: int) -> str:
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    return render_template("sweeps/summary.html", **summary_context(current_user, build_board(sweep_day)))


@bp.get("/<int:sweep_day_id>/export.xlsx")
@login_required
def export(sweep_day_id: int) -> Response:
    require_role(current_user, *SWEEP_EXPORT_ROLES)
    sweep_day = get_sweep_day_or_404(current_user, sweep_day_id)
    data = build_workbook(build_board(sweep_day), role_label=labeller(SQUAD_ROLE),
                          status_label=labeller(MERCHANT_STATUS), deal_label=labeller(DEAL_PRODUCT))
    response = make_response(data)
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(sweep_day)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the rotation -------------------------------------------------------------------------------------


@bp.get("/rotation")
@login_required
def rotation() -> str:
    require_role(current_user, TEAM_LEAD)
    return render_template("sweeps/rotation.html",
                           **rotation_context(current_user, rotation_for(current_user.sub_branch_id)))


@bp.post("/rotation")
@login_required
def save_rotation() -> Page:
    """The order of the districts (a rank each; no rank leaves a district out), the start and the interval."""
    require_role(current_user, TEAM_LEAD)
    form = _posted_form()
    try:
        set_rotation(current_user, form)
    except Invalid as error:
        return form_error(error, lambda errors: render_template("sweeps/rotation.html", **rotation_context(
            current_user, rotation_for(current_user.sub_branch_id), errors=errors.fields, values=form.values)))
    db.session.commit()
    flash(_("The rotation was saved."), "info")
    return finished(url_for("sweeps.rotation"))
