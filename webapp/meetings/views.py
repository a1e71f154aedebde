"""What the meeting pages share: reading a day, week or month from the query, the board mode (phone or
projector), an Excel download, and a refused form shown again with its errors (through the app's
``webapp.pages.form_error``, so a 403 or 404 still reaches the one error page)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import abort, make_response, render_template, request
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.errors import AppError
from webapp.htmx_utils import wants_partial
from webapp.metrics.definitions import month_start, week_start
from webapp.pages import FormErrors, form_error

MODES = ("phone", "projector")
# Boards may look back and ahead this far (a bad or absurd date is a 400, never a 500).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _checked(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        abort(400)
    return day


def arg_day(name: str = "day") -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return bank_today()
    try:
        return _checked(date.fromisoformat(raw))
    except ValueError:
        abort(400)


def arg_week(name: str = "week") -> date:
    """The Monday of the week holding the given day (default: this week)."""
    return week_start(arg_day(name))


def arg_month(name: str = "month") -> date:
    """A month given as 2026-12 (default: this month)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return month_start(bank_today())
    try:
        return _checked(date.fromisoformat(f"{raw}-01"))
    except ValueError:
        abort(400)


def board_mode() -> str:
    mode = request.args.get("mode", "phone")
    return mode if mode in MODES else "phone"


def board_layout(mode: str) -> str:
    """Projector mode: large type, no navigation, one 1080p screen; phone mode: the app's normal page."""
    return "meetings/projector_base.html" if mode == "projector" else "base.html"


def xlsx_response(data: bytes, filename: str) -> Response:
    """A workbook download; the file name carries dates and ids only, never a person's name."""
    response = make_response(data)
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def form_again(error: AppError, page: str, partial: str | None, context: Mapping[str, Any], *,
               message_field: str = "form", htmx_status: int | None = 422) -> tuple[str, int]:
    """The form with its errors beside the fields: the partial for htmx, the whole page otherwise. A refusal
    that names no field shows beside ``message_field`` (the form's one line for it)."""
    def render(errors: FormErrors) -> str:
        template = partial if partial and wants_partial() else page
        shown = errors.fields or {message_field: errors.first}
        return render_template(template, **{**context, "errors": shown})

    return form_error(error, render, htmx_status=htmx_status)
