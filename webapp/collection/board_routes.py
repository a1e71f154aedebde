"""The lead board, the branch board with its charts, and the case register export."""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today, clock_now
from webapp.collection.boards import branch_board, lead_board
from webapp.collection.charts import column_chart, rate_chart
from webapp.collection.export import build_register, register_filename
from webapp.collection.refresh import bring_up_to_date
from webapp.collection.web import bp
from webapp.labels import DEADLINE_STATE
from webapp.roles import BOARD_ROLES
from webapp.scope import require_role, visible_sub_branch_ids

DEFAULT_WEEKS = 12
MAX_WEEKS = 52


def _yuan(cents: float) -> str:
    return f"{cents / 100:,.0f}"


@bp.get("/board/lead")
@login_required
def lead_board_page() -> str:
    require_role(current_user, *BOARD_ROLES)
    now = clock_now()
    bring_up_to_date(visible_sub_branch_ids(current_user), now)
    return render_template("collection/lead_board.html", board=lead_board(current_user, now), now=now)


def _weeks() -> int:
    """The period asked for, in weeks; anything unreadable or out of range falls back to the default."""
    raw = request.args.get("weeks", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_WEEKS else DEFAULT_WEEKS


@bp.get("/board/branch")
@login_required
def branch_board_page() -> str:
    require_role(current_user, *BOARD_ROLES)
    now = clock_now()
    bring_up_to_date(visible_sub_branch_ids(current_user), now)
    weeks = _weeks()
    board = branch_board(current_user, now, weeks)
    charts = {
        "buckets": column_chart(_("Overdue amount by days past due (yuan)"),
                                [(name, bucket.overdue_cents) for name, bucket in board.buckets.items()], _yuan),
        "recovered": column_chart(_("Recovered per week (yuan)"),
                                  [(week.strftime("%m-%d"), cents) for week, cents in board.recovered_by_week], _yuan),
        "rates": rate_chart(_("First contact on time, per sub-branch"),
                            [(rate.name, rate.percent) for rate in board.rates_by_sub_branch]),
    }
    return render_template("collection/branch_board.html", board=board, charts=charts, weeks=weeks,
                           max_weeks=MAX_WEEKS, now=now, state_labels=DEADLINE_STATE)


@bp.get("/register.xlsx")
@login_required
def register_export() -> Response:
    """Every case the reader may see, as Excel (managers get their own)."""
    now = clock_now()
    response = make_response(build_register(current_user, now))
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="{register_filename(bank_today(now))}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
