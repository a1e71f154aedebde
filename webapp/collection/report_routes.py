"""The overdue report pages: write and submit (the case owner), review (the team lead), attachments, PDF."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import make_response, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import clock_now
from webapp.collection.report_pdf import report_filename, report_pdf
from webapp.collection.reports import (
    add_attachment,
    can_review,
    report_in_progress,
    review_report,
    save_report,
)
from webapp.collection.web import bp
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.integrity.reports import OVERDUE_REPORT, shown_report_flag
from webapp.models import (
    ARREARS_CAUSES,
    PROPOSALS,
    CollectionCase,
    OverdueReport,
)
from webapp.pages import Page, finished, form_error
from webapp.scope import get_attachment_or_404, get_case_or_404, get_report_or_404
from webapp.visits.request_context import write_context

REPORT_FIELDS = ("cause", "situation", "proposal", "proposal_detail")


def _report_of(case: CollectionCase) -> OverdueReport | None:
    return report_in_progress(case) or db.session.scalar(
        sa.select(OverdueReport).where(OverdueReport.case_id == case.id).order_by(OverdueReport.id.desc()).limit(1))


def _context(case: CollectionCase, **extra: Any) -> dict[str, Any]:
    report = _report_of(case)
    in_progress = report_in_progress(case)
    may_write = case.owner_id == current_user.id and case.is_open and (in_progress is None or in_progress.editable)
    form = MultiDict({name: getattr(in_progress, name) or "" for name in REPORT_FIELDS}) if in_progress else MultiDict()
    context: dict[str, Any] = {
        "case": case, "report": report, "may_write": may_write, "form": form, "errors": {}, "message": None,
        "may_review": report is not None and report.status == "submitted" and can_review(current_user, case),
        "review_errors": {}, "review_message": None, "causes": ARREARS_CAUSES, "proposals": PROPOSALS,
        "attachment_message": None,
        "report_copy": shown_report_flag(current_user, OVERDUE_REPORT, str(report.id)) if report else None,
        "earlier": db.session.scalars(sa.select(OverdueReport).where(
            OverdueReport.case_id == case.id, OverdueReport.id != (report.id if report else 0))
            .order_by(OverdueReport.id.desc())).all(),
    }
    context.update(extra)
    return context


@bp.get("/cases/<int:case_id>/report")
@login_required
def report_page(case_id: int) -> str:
    case = get_case_or_404(current_user, case_id)
    return render_template("collection/report.html", **_context(case))


@bp.post("/cases/<int:case_id>/report")
@login_required
def save_report_post(case_id: int) -> Page:
    case = get_case_or_404(current_user, case_id)
    form = request.form
    raw = {name: form.get(name, "") for name in REPORT_FIELDS}
    try:
        save_report(write_context(), case, raw, submit=form.get("submit") == "yes")
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/_report_form.html" if wants_partial() else "collection/report.html",
            **_context(case, form=form, errors=errors.by_form_field(), message=errors.message)))
    db.session.commit()
    return finished(url_for("collection.report_page", case_id=case_id))


@bp.post("/reports/<int:report_id>/review")
@login_required
def review_post(report_id: int) -> Page:
    report = get_report_or_404(current_user, report_id)
    case_id = report.case_id
    try:
        review_report(write_context(), report, request.form.get("decision"), request.form.get("review_note", ""))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/report.html", **_context(report.case, review_errors=errors.by_form_field(),
                                                 review_message=errors.message,
                                                 review_note=request.form.get("review_note", ""))))
    db.session.commit()
    return finished(url_for("collection.report_page", case_id=case_id))


@bp.post("/reports/<int:report_id>/attachments")
@login_required
def attach(report_id: int) -> Page:
    report = get_report_or_404(current_user, report_id)
    case_id = report.case_id
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    name = (upload.filename or "") if upload is not None else ""
    try:
        add_attachment(write_context(), report, name, data)
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/report.html", **_context(report.case, attachment_message=errors.first)))
    db.session.commit()
    return finished(url_for("collection.report_page", case_id=case_id, _anchor="attachments"))


@bp.get("/reports/<int:report_id>/attachments/<int:attachment_id>")
@login_required
def attachment_file(report_id: int, attachment_id: int) -> Response:
    """Attachments leave only through here: scoped like their report, typed as stored, never sniffed."""
    report = get_report_or_404(current_user, report_id)
    attachment = get_attachment_or_404(report, attachment_id)
    response = make_response(attachment.data)
    response.headers["Content-Type"] = attachment.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    extension = attachment.file_name.rsplit(".", 1)[-1]
    response.headers["Content-Disposition"] = f'attachment; filename="attachment-{attachment.id}.{extension}"'
    return response


@bp.get("/reports/<int:report_id>.pdf")
@login_required
def report_pdf_file(report_id: int) -> Response:
    report = get_report_or_404(current_user, report_id)
    response = make_response(report_pdf(report, generated_by=current_user, now=clock_now()))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{report_filename(report)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
