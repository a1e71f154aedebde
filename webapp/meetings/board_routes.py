"""Meeting boards: morning, evening, weekly, monthly for a team; the branch's monthly table; their exports;
and what is captured at the meetings (items, miss reasons). Views parse, call, commit, render.

Leads run their team's boards, managers see them, reviewers and admins read every team of their branch
(another team's board is 404, like one that does not exist: webapp.scope.get_board_team_or_404).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.labels import DEAL_PRODUCT
from webapp.meetings import charts_context as charts
from webapp.meetings.day_boards import evening_board, morning_board
from webapp.meetings.items import add_meeting_item, delete_meeting_item, record_miss_reason
from webapp.meetings.period_boards import branch_month, month_board, visible_sub_branches, week_board
from webapp.meetings.targets import PRODUCT_METRICS
from webapp.meetings.views import arg_day, arg_month, arg_week, board_layout, board_mode, xlsx_response
from webapp.meetings.xlsx import TableRow, figures_workbook
from webapp.metrics.definitions import BASE_METRICS, next_month
from webapp.metrics.store import definitions_for
from webapp.models import MISS_REASONS, Team, User
from webapp.models.meetings import EVENING_ITEM_KINDS, MORNING_ITEM_KINDS, WEEKLY_ITEM_KINDS
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope import (
    board_people,
    board_teams,
    get_board_team_or_404,
    get_meeting_item_or_404,
    one_or_404,
    require_role,
    visible_sub_branch_ids,
)
from webapp.visits.request_context import write_context

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

# The guide: morning and evening meetings take 15 to 30 minutes each.
MORNING_MINUTES = 20
EVENING_MINUTES = 20


def _definitions() -> Any:
    return definitions_for(current_user.sub_branch.branch_id)


def _common(team: Team | None, mode: str) -> dict[str, Any]:
    return {"team": team, "mode": mode, "layout": board_layout(mode), "today": bank_today(),
            "can_run": team is not None and current_user.role == TEAM_LEAD and current_user.team_id == team.id,
            "is_member": team is not None and current_user.team_id == team.id,
            "miss_reasons": MISS_REASONS, "timedelta": timedelta, "next_month": next_month}


@bp.get("/")
@login_required
def index() -> str:
    """Where the meetings start: the user's team boards, and for the branch its sub-branches' table."""
    teams = list(db.session.scalars(board_teams(current_user)))
    return render_template("meetings/index.html", teams=teams, today=bank_today(),
                           branch_wide=current_user.role in BRANCH_WIDE_ROLES)


@bp.get("/teams/<int:team_id>/morning")
@login_required
def morning(team_id: int) -> str:
    team = get_board_team_or_404(current_user, team_id)
    return render_morning(team, arg_day())


def render_morning(team: Team, day: date, **extra: Any) -> str:
    """The morning board; ``extra`` carries a refused own-targets form back onto it."""
    board = morning_board(current_user, team, day, _definitions())
    mine = next((row.targets for row in board.rows if row.person.id == current_user.id), None)
    people = board.people
    return render_template("meetings/morning.html", board=board, charts=charts.morning(board),
                           item_kinds=MORNING_ITEM_KINDS, minutes=MORNING_MINUTES, mine=mine, people=people,
                           base_metrics=BASE_METRICS, product_metrics=PRODUCT_METRICS,
                           targets={row.person.id: row.targets for row in board.rows},
                           **_common(team, board_mode()), **extra)


@bp.get("/teams/<int:team_id>/evening")
@login_required
def evening(team_id: int) -> str:
    """The evening board; its figures partial polls itself, so visits synced during the meeting appear."""
    team = get_board_team_or_404(current_user, team_id)
    board = evening_board(current_user, team, arg_day(), _definitions())
    mode = board_mode()
    context = {"board": board, "charts": charts.evening(board), "item_kinds": EVENING_ITEM_KINDS,
               "people": board.people, "minutes": EVENING_MINUTES, **_common(team, mode)}
    if wants_partial():
        return render_template("meetings/_evening_figures.html", **context)
    return render_template("meetings/evening.html", **context)


@bp.get("/teams/<int:team_id>/weekly")
@login_required
def weekly(team_id: int) -> str:
    team = get_board_team_or_404(current_user, team_id)
    board = week_board(current_user, team, arg_week(), _definitions())
    return render_template("meetings/weekly.html", board=board, charts=charts.weekly(board),
                           item_kinds=WEEKLY_ITEM_KINDS, people=[row.person for row in board.rows],
                           **_common(team, board_mode()))


@bp.get("/teams/<int:team_id>/monthly")
@login_required
def monthly(team_id: int) -> str:
    team = get_board_team_or_404(current_user, team_id)
    board = month_board(current_user, team, arg_month(), _definitions())
    return render_template("meetings/monthly.html", board=board, charts=charts.monthly(board),
                           **_common(team, board_mode()))


@bp.get("/branch/monthly")
@login_required
def branch_monthly() -> str:
    """Plan achievement per sub-branch, for the branch (reviewers and admins)."""
    require_role(current_user, *BRANCH_WIDE_ROLES)
    sub_branches = visible_sub_branches(visible_sub_branch_ids(current_user))
    board = branch_month(sub_branches, arg_month(), _definitions())
    return render_template("meetings/branch_monthly.html", board=board, charts=charts.branch(board),
                           **_common(None, board_mode()))


# --- exports -------------------------------------------------------------------------------------------


def _deal_label(code: str) -> str:
    return str(DEAL_PRODUCT.get(code, code))


@bp.get("/teams/<int:team_id>/weekly.xlsx")
@login_required
def weekly_export(team_id: int) -> Response:
    team = get_board_team_or_404(current_user, team_id)
    board = week_board(current_user, team, arg_week(), _definitions())
    rows = [TableRow(r.person.display_name, r.totals, {m: t.value for m, t in r.targets.items()}) for r in board.rows]
    data = figures_workbook(
        title=f"{team.sub_branch.name} {team.name} · " + _title("weekly"), unit=team.sub_branch.name,
        period=(board.week, board.week + timedelta(days=6)), made_on=bank_today(), rows=rows,
        total=TableRow(_total_label(), board.team_totals, board.team_targets),
        products=board.definitions.deal_products, product_label=_deal_label, name_header=_name_header(),
        working_days=board.working_days)
    return xlsx_response(data, f"weekly-{team.id}-{board.week.isoformat()}.xlsx")


@bp.get("/teams/<int:team_id>/monthly.xlsx")
@login_required
def monthly_export(team_id: int) -> Response:
    team = get_board_team_or_404(current_user, team_id)
    board = month_board(current_user, team, arg_month(), _definitions())
    rows = [TableRow(r.person.display_name, r.totals, {m: t.value for m, t in r.targets.items()}) for r in board.rows]
    data = figures_workbook(
        title=f"{team.sub_branch.name} {team.name} · " + _title("monthly"), unit=team.sub_branch.name,
        period=(board.month, next_month(board.month) - timedelta(days=1)), made_on=bank_today(), rows=rows,
        total=TableRow(_total_label(), board.team_totals, board.team_targets),
        products=board.definitions.deal_products, product_label=_deal_label, name_header=_name_header(),
        working_days=board.working_days)
    return xlsx_response(data, f"monthly-{team.id}-{board.month.strftime('%Y-%m')}.xlsx")


@bp.get("/branch/monthly.xlsx")
@login_required
def branch_monthly_export() -> Response:
    require_role(current_user, *BRANCH_WIDE_ROLES)
    sub_branches = visible_sub_branches(visible_sub_branch_ids(current_user))
    board = branch_month(sub_branches, arg_month(), _definitions())
    branch = current_user.sub_branch.branch
    data = figures_workbook(
        title=f"{branch.name} · " + _title("branch"), unit=branch.name,
        period=(board.month, next_month(board.month) - timedelta(days=1)), made_on=bank_today(),
        rows=[TableRow(r.sub_branch.name, r.totals, r.targets) for r in board.rows],
        total=TableRow(_total_label(), board.total, board.total_targets),
        products=board.definitions.deal_products, product_label=_deal_label, name_header=_sub_branch_header())
    return xlsx_response(data, f"branch-monthly-{board.month.strftime('%Y-%m')}.xlsx")


def _title(kind: str) -> str:
    return str({"weekly": _("Weekly activity table"), "monthly": _("Monthly activity table"),
                "branch": _("Monthly plan achievement by sub-branch")}[kind])


def _total_label() -> str:
    return str(_("Total"))


def _name_header() -> str:
    return str(_("Customer manager"))


def _sub_branch_header() -> str:
    return str(_("Sub-branch"))


# --- captured at the meeting ------------------------------------------------------------------------------


def _refused(partial: str, error: AppError, back_url: str, message_field: str,
             context: Callable[[], dict[str, Any]]) -> tuple[str, int]:
    """A refused meeting form, with the error's own status: the form partial for htmx, the form on a page of its
    own otherwise. ``context`` is read after the rollback, so nothing of the refused write shows."""
    def render(errors: FormErrors) -> str:
        shown = errors.fields or {message_field: errors.first}
        if wants_partial():
            return render_template(partial, **context(), errors=shown)
        return render_template("meetings/form_page.html", partial=partial, back_url=back_url, **context(),
                               errors=shown)

    return form_error(error, render, htmx_status=None)


@bp.post("/teams/<int:team_id>/items")
@login_required
def add_item(team_id: int) -> Page:
    """A team's lead or member adds news, a policy, a success story, the tip of the day (and who shares it)."""
    require_role(current_user, *FIELD_ROLES)
    team = get_board_team_or_404(current_user, team_id)
    form = request.form
    back = form.get("back", "morning")
    back = back if back in ("morning", "evening", "weekly") else "morning"
    try:
        add_meeting_item(write_context(), team, day=form.get("day"), kind=form.get("kind"), title=form.get("title"),
                         body=form.get("body"), shared_by=form.get("shared_by"))
    except AppError as error:
        kinds = {"morning": MORNING_ITEM_KINDS, "evening": EVENING_ITEM_KINDS, "weekly": WEEKLY_ITEM_KINDS}[back]
        return _refused("meetings/_item_form.html", error, url_for(f"meetings.{back}", team_id=team.id), "title",
                        lambda: {"team": team, "people": list(db.session.scalars(board_people(team))),
                                 "item_kinds": kinds, "back": back, "day": form.get("day", ""), "values": form})
    db.session.commit()
    return finished(url_for(f"meetings.{back}", team_id=team.id, day=form.get("day") if back != "weekly" else None,
                            week=form.get("day") if back == "weekly" else None))


@bp.post("/items/<int:item_id>/delete")
@login_required
def delete_item(item_id: int) -> Page:
    item = get_meeting_item_or_404(current_user, item_id)
    team_id, day = item.team_id, item.day
    delete_meeting_item(write_context(), item)
    db.session.commit()
    if team_id is None:
        return finished(url_for("meetings.index"))
    return finished(url_for("meetings.morning", team_id=team_id, day=day.isoformat()))


@bp.post("/teams/<int:team_id>/misses/<int:user_id>")
@login_required
def record_miss(team_id: int, user_id: int) -> Page:
    """The reason a person missed the day's target, captured on the spot at the evening meeting."""
    require_role(current_user, *FIELD_ROLES)
    team = get_board_team_or_404(current_user, team_id)
    person = one_or_404(board_people(team).where(User.id == user_id))
    form = request.form
    try:
        miss = record_miss_reason(write_context(), team, person, day=form.get("day"), code=form.get("code"),
                                  text=form.get("text"))
    except AppError as error:
        return _refused("meetings/_miss_form.html", error, url_for("meetings.evening", team_id=team.id), "code",
                        lambda: {"team": team, "person": person, "day": form.get("day", ""), "miss": None,
                                 "values": form, "miss_reasons": MISS_REASONS})
    db.session.commit()
    if wants_partial():
        return render_template("meetings/_miss_form.html", team=team, person=person, day=miss.day.isoformat(),
                               miss=miss, values={}, errors={}, miss_reasons=MISS_REASONS, saved=True)
    return finished(url_for("meetings.evening", team_id=team.id, day=miss.day.isoformat()))
