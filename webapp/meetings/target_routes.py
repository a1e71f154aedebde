"""Targets: a lead's grid for the team (day, week or month); a person confirming or adjusting their own for
today in the morning meeting; the branch's targets for its sub-branches."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.bank_time import bank_today
from webapp.errors import AppError, Invalid
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.meetings.board_routes import render_morning
from webapp.meetings.period_boards import visible_sub_branches
from webapp.meetings.targets import (
    BRANCH_PERIODS,
    PRODUCT_METRICS,
    TARGET_METRICS,
    confirm_own_targets,
    period_start,
    person_targets,
    set_sub_branch_targets,
    set_team_targets,
    sub_branch_targets,
)
from webapp.meetings.views import form_again
from webapp.metrics.definitions import BASE_METRICS
from webapp.models import TARGET_PERIODS
from webapp.pages import Page, finished, form_error
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope import (
    board_people,
    get_board_team_or_404,
    get_sub_branch_or_404,
    require_role,
    visible_sub_branch_ids,
)
from webapp.visits.request_context import write_context

bp = Blueprint("targets", __name__, url_prefix="/meetings/targets")


def _period(allowed: tuple[str, ...] = TARGET_PERIODS) -> tuple[str, date]:
    period = request.values.get("period", "day" if "day" in allowed else "month")
    if period not in allowed:
        abort(400)
    raw = request.values.get("start", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else bank_today()
    except ValueError:
        abort(400)
    if not 2000 <= day.year <= 2100:
        abort(400)
    return period, period_start(period, day)


def _grid_context(team_id: int, period: str, start: date, values: Any = None) -> dict[str, Any]:
    team = get_board_team_or_404(current_user, team_id)
    people = list(db.session.scalars(board_people(team)))
    return {"team": team, "people": people, "period": period, "start": start, "periods": TARGET_PERIODS,
            "targets": person_targets([p.id for p in people], period, start), "base_metrics": BASE_METRICS,
            "product_metrics": PRODUCT_METRICS, "values": values,
            "can_edit": current_user.role == TEAM_LEAD and current_user.team_id == team.id,
            "sub_branch_target": sub_branch_targets([team.sub_branch_id], period, start)[team.sub_branch_id]
            if period in BRANCH_PERIODS else {}}


@bp.get("/teams/<int:team_id>")
@login_required
def team_grid(team_id: int) -> str:
    period, start = _period()
    return render_template("meetings/targets.html", errors={}, **_grid_context(team_id, period, start))


@bp.post("/teams/<int:team_id>")
@login_required
def save_team_grid(team_id: int) -> Page:
    """The lead's grid (from the targets page, or today's quick grid on the morning board)."""
    require_role(current_user, TEAM_LEAD)
    team = get_board_team_or_404(current_user, team_id)
    period, start = _period()
    try:
        changes = set_team_targets(write_context(), team, period, start, request.form)
    except AppError as error:
        context = {**_grid_context(team_id, period, start, request.form), "back": request.form.get("back", "")}
        return form_again(error, "meetings/targets.html", "meetings/_target_grid.html", context,
                          message_field="targets")
    db.session.commit()
    flash(_("Targets saved (%(count)d changed).", count=changes), "info")
    back = request.form.get("back", "")
    if back == "morning" and period == "day":
        return finished(url_for("meetings.morning", team_id=team.id, day=start.isoformat()))
    return finished(url_for("targets.team_grid", team_id=team.id, period=period, start=start.isoformat()))


@bp.post("/mine")
@login_required
def confirm_mine() -> Page:
    """A person confirms today's targets as set, or adjusts them (the morning board's own row)."""
    require_role(current_user, *FIELD_ROLES)
    adjust = request.form.get("action") == "adjust"
    try:
        confirm_own_targets(write_context(), request.form, adjust=adjust)
    except Invalid as error:
        return form_error(error, lambda errors: _own_targets_again(errors.fields))
    db.session.commit()
    flash(_("Your targets for today are confirmed."), "info")
    return finished(_morning_url())


def _own_targets_again(errors: dict[str, str]) -> str:
    """A refused own-targets row: the row alone for htmx, else the whole morning board with it."""
    team = get_board_team_or_404(current_user, current_user.team_id or 0)
    if wants_partial():
        mine = person_targets([current_user.id], "day", bank_today())[current_user.id]
        return render_template("meetings/_own_targets.html", team=team, mine=mine, values=request.form,
                               errors=errors, base_metrics=BASE_METRICS)
    return render_morning(team, bank_today(), own_errors=errors, own_values=request.form)


def _morning_url() -> str:
    if current_user.team_id is None:
        return url_for("meetings.index")
    return url_for("meetings.morning", team_id=current_user.team_id)


def _branch_context(period: str, start: date, values: Any = None, failed_id: int | None = None) -> dict[str, Any]:
    sub_branches = visible_sub_branches(visible_sub_branch_ids(current_user))
    return {"sub_branches": sub_branches, "period": period, "start": start, "periods": BRANCH_PERIODS,
            "targets": sub_branch_targets([s.id for s in sub_branches], period, start),
            "base_metrics": BASE_METRICS, "product_metrics": PRODUCT_METRICS, "values": values,
            "failed_id": failed_id}


@bp.get("/branch")
@login_required
def branch_grid() -> str:
    require_role(current_user, *BRANCH_WIDE_ROLES)
    period, start = _period(BRANCH_PERIODS)
    return render_template("meetings/branch_targets.html", errors={}, **_branch_context(period, start))


@bp.post("/branch/<int:sub_branch_id>")
@login_required
def save_branch_targets(sub_branch_id: int) -> Page:
    require_role(current_user, *BRANCH_WIDE_ROLES)
    sub_branch = get_sub_branch_or_404(current_user, sub_branch_id)
    period, start = _period(BRANCH_PERIODS)
    form = {metric: request.form.get(metric, "") for metric in TARGET_METRICS if metric in request.form}
    try:
        set_sub_branch_targets(write_context(), sub_branch, period, start, form)
    except Invalid as error:
        context = _branch_context(period, start, request.form, sub_branch.id)
        return form_error(error, lambda errors: render_template(
            "meetings/branch_targets.html", **context,
            errors={f"{sub_branch.id}.{k}": v for k, v in errors.fields.items()}))
    db.session.commit()
    flash(_("Targets of %(name)s saved.", name=sub_branch.name), "info")
    return finished(url_for("targets.branch_grid", period=period, start=start.isoformat()))
