"""Pages of one scheduled check: what it is, doing it (on site through the visit form, off site here),
waiving it (a lead), and its post-loan report with the PDF."""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.errors import AppError, Invalid
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.integrity.reports import POST_LOAN_REPORT, shown_report_flag
from webapp.models import CLASSIFICATIONS, PERSON_KINDS, LoanHistory, ScheduledCheck
from webapp.models.postloan import REPAYMENT_VIEWS, WEB_SUBJECTS
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.postloan.blueprint import bp
from webapp.postloan.due import open_checks
from webapp.postloan.offsite import FORM_INTERVIEWS, FORM_WEB, offsite_body_from_form, put_offsite
from webapp.postloan.report import ReportData, put_report, report_data
from webapp.postloan.report_pdf import report_filename, report_pdf
from webapp.postloan.schedule import check_state
from webapp.postloan.write import waive_check
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import get_check_or_404, require_role
from webapp.visits.forms import form_errors
from webapp.visits.request_context import write_context
from webapp.write_kernel import parse_uuid


@bp.get("/due")
@login_required
def due_page() -> str:
    """My open checks: overdue and due first, then what opens in the next two weeks."""
    require_role(current_user, *FIELD_ROLES)
    today = bank_today()
    items = open_checks(current_user, today, upcoming_days=14)
    return render_template("postloan/due.html", items=items, today=today)


def _check_context(check: ScheduledCheck, **extra: Any) -> dict[str, Any]:
    today = bank_today()
    data = report_data(check)
    is_field = current_user.role in FIELD_ROLES
    context: dict[str, Any] = {
        "check": check, "loan": check.loan, "data": data,
        "state": check_state(check.status, check.window_start, check.due_on, today),
        "today": today, "classifications": CLASSIFICATIONS,
        "can_do": is_field and check.status == "open" and (current_user.role == TEAM_LEAD
                                                            or current_user.id == check.assignee_id),
        "can_waive": current_user.role == TEAM_LEAD and check.status == "open",
        "can_report": is_field and check.status == "done",
        "waive_form": MultiDict(), "waive_errors": {}, "report_form": _report_form(data), "report_errors": {},
        "report_copy": shown_report_flag(current_user, POST_LOAN_REPORT, str(data.report.id)) if data.report else None,
    }
    context.update(extra)
    return context


def _report_form(data: ReportData) -> MultiDict[str, str]:
    if data.report is None:
        return MultiDict()
    return MultiDict({"conclusion": data.report.conclusion, "classification": data.report.classification})


@bp.get("/checks/<int:check_id>")
@login_required
def check_page(check_id: int) -> str:
    return render_template("postloan/check.html", **_check_context(get_check_or_404(current_user, check_id)))


@bp.post("/checks/<int:check_id>/waive")
@login_required
def waive(check_id: int) -> Page:
    check = get_check_or_404(current_user, check_id)
    require_role(current_user, TEAM_LEAD)
    try:
        waive_check(write_context(), check, request.form.to_dict())
    except AppError as error:
        return form_error(error, lambda errors: _check_form(
            check, "postloan/_waive.html", waive_form=request.form, waive_errors=errors.beside("reason")))
    db.session.commit()
    return finished(url_for("postloan.check_page", check_id=check_id))


def _check_form(check: ScheduledCheck, partial: str, **extra: Any) -> str:
    """A form of the check page again: the form alone for htmx, else the whole page."""
    template = partial if wants_partial() else "postloan/check.html"
    return render_template(template, **_check_context(check, **extra))


# --- off-site -----------------------------------------------------------------------------------------


def _offsite_context(check: ScheduledCheck, form: MultiDict[str, str] | None = None,
                     errors: FormErrors | None = None) -> dict[str, Any]:
    loan = check.loan
    if form is None:
        form = MultiDict({"record_id": str(uuid.uuid4()), "repayment": _book_view(loan.status)})
    history = list(db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == loan.id)
                                      .order_by(LoanHistory.as_of.desc()).limit(6)))
    return {"check": check, "loan": loan, "form": form,
            "errors": form_errors(errors.fields) if errors else {}, "message": errors.message if errors else None,
            "history": history, "repayment_views": REPAYMENT_VIEWS, "persons": PERSON_KINDS,
            "web_subjects": WEB_SUBJECTS, "interview_rows": range(FORM_INTERVIEWS), "web_rows": range(FORM_WEB)}


def _book_view(status: str) -> str:
    """What the book says, as the form's first answer: the manager confirms or corrects it."""
    return "overdue" if status == "overdue" else "on_time"


@bp.get("/checks/<int:check_id>/offsite")
@login_required
def offsite_form(check_id: int) -> str:
    require_role(current_user, *FIELD_ROLES)
    check = get_check_or_404(current_user, check_id)
    return render_template("postloan/offsite.html", **_offsite_context(check))


@bp.post("/checks/<int:check_id>/offsite")
@login_required
def offsite_save(check_id: int) -> Page:
    require_role(current_user, *FIELD_ROLES)
    check = get_check_or_404(current_user, check_id)
    form = request.form
    try:
        record_id = parse_uuid(form.get("record_id"))
        if record_id is None:
            raise Invalid({"record_id": _("Reload the page.")}, _("The form expired. Reload the page and try again."))
        put_offsite(write_context(), record_id, check, offsite_body_from_form(form))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "postloan/_offsite_form.html" if wants_partial() else "postloan/offsite.html",
            **_offsite_context(check, form, errors)))
    db.session.commit()
    return finished(url_for("postloan.check_page", check_id=check_id))


# --- the report -----------------------------------------------------------------------------------------


@bp.post("/checks/<int:check_id>/report")
@login_required
def report_save(check_id: int) -> Page:
    require_role(current_user, *FIELD_ROLES)
    check = get_check_or_404(current_user, check_id)
    try:
        put_report(write_context(), check, request.form.to_dict())
    except AppError as error:
        return form_error(error, lambda errors: _check_form(
            check, "postloan/_report_form.html", report_form=request.form,
            report_errors=errors.beside("conclusion")))
    db.session.commit()
    return finished(url_for("postloan.check_page", check_id=check_id, _anchor="report"))


@bp.get("/checks/<int:check_id>/report.pdf")
@login_required
def report_file(check_id: int) -> Response:
    check = get_check_or_404(current_user, check_id)
    data = report_data(check)
    response = make_response(report_pdf(data, generated_by=current_user))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{report_filename(data)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
