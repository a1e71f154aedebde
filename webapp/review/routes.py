"""Branch review pages: the queue (photo log), one visit's evidence and decisions, sampling, exports, and the
manager's resubmission.

Reviewers see their branch, team leads their team (webapp.scope); managers and admins get 403 on the review
pages. Every write goes through webapp.review.decisions or webapp.review.sampling and commits once; what the
pages show is gathered in webapp.review.pages.
"""
from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.errors import AppError, Invalid
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.i18n import select_locale
from webapp.models import FLAG_CODES, SubBranch, Team, Visit
from webapp.models.review import ReviewSampleVisit
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.redirects import local_path_or
from webapp.review.decisions import decide, decide_flag, resubmit
from webapp.review.evidence import photo_evidence
from webapp.review.exports import (
    archive_filename,
    archive_photo_count,
    max_archive_photos,
    record_filename,
    visit_record_pdf,
    write_archive,
)
from webapp.review.forms import parse_sample_form, sample_form_defaults
from webapp.review.pages import filter_options, samples_context, visit_context, visit_review
from webapp.review.queue import (
    DEFAULT_MAX_PERIOD_DAYS,
    PAGE_SIZE,
    ParsedFilters,
    flag_counts,
    parse_filters,
    queue_page,
    rows_for,
    state_counts,
)
from webapp.review.record import build_record
from webapp.review.sampling import draw_sample, last_week_with_visits, redraw
from webapp.scope import (
    get_reviewable_visit_or_404,
    get_sample_or_404,
    get_visit_flag_or_404,
    get_visit_or_404,
    require_reviewer,
    visit_condition,
)
from webapp.visits.keyset import newest_first, parse_cursor

bp = Blueprint("review", __name__, url_prefix="/review")


def _now() -> datetime:
    return datetime.now(UTC)


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the manager's side: resubmission from the visit page -----------------------------------------------------


@bp.post("/visits/<uuid:visit_id>/resubmit")
@login_required
def resubmit_visit(visit_id: str) -> Page:
    """The squad lead hands a fixed visit back; the page they came from is the visit page."""
    visit = get_visit_or_404(current_user, visit_id)
    target = url_for("visits.show", visit_id=visit.id)
    try:
        resubmit(current_user, visit, request.form.get("note"), now=_now(), expected=request.form.get("expected"))
    except AppError as error:
        if wants_partial() or error.status == 403:
            # 422 also for a stale page (409): the htmx set-up swaps 422 only, and the partial shows the state.
            return form_error(error, lambda errors: render_template(
                "review/_visit_review_status.html", visit=visit, review=visit_review(current_user, visit),
                resubmit_error=errors.first))
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target, code=303)
    db.session.commit()
    flash(_("Resubmitted for review."), "info")
    return finished(target)


# --- the queue ----------------------------------------------------------------------------------------------


def _parsed_filters() -> ParsedFilters:
    return parse_filters(current_user, request.args, today=bank_today(),
                         max_days=int(current_app.config.get("REVIEW_MAX_PERIOD_DAYS", DEFAULT_MAX_PERIOD_DAYS)),
                         flag_codes=FLAG_CODES)


@bp.get("/")
@login_required
def queue() -> Page:
    """The photo log of the period: visits with their thumbnails, state and flags; counts per state and flag."""
    require_reviewer(current_user)
    parsed = _parsed_filters()
    f = parsed.filters
    cursor = parse_cursor(request.args.get("before"))
    page = queue_page(current_user, f, cursor, page_size=int(current_app.config.get("REVIEW_PAGE_SIZE", PAGE_SIZE)))
    context: dict[str, Any] = {
        "filters": f, "errors": parsed.errors, "sample": parsed.sample, "rows": page.rows,
        "evidence": {row.visit.id: [photo_evidence(row.visit, p, row.flags) for p in row.photos] for row in page.rows},
        "next_cursor": page.next_cursor, "first_page": cursor is None,
    }
    status = 422 if parsed.errors else 200
    if wants_partial() and cursor is not None:
        return render_template("review/_rows.html", **context), status
    context.update(counts=state_counts(current_user, f), flags=flag_counts(current_user, f))
    context["total"] = sum(context["counts"].values())
    if wants_partial():
        return render_template("review/_results.html", **context), status
    context.update(filter_options(current_user))
    return render_template("review/queue.html", **context), status


@bp.get("/export.zip")
@login_required
def export_archive() -> Response:
    """The photo-log archive of the queue's filters: display copies and manifest.csv."""
    require_reviewer(current_user)
    parsed = _parsed_filters()
    if parsed.errors:
        raise AppError(next(iter(parsed.errors.values())), status=422, code="invalid")
    count = archive_photo_count(current_user, parsed.filters)
    limit = max_archive_photos()
    if count > limit:
        raise AppError(_("%(count)d photos match; an archive holds at most %(limit)d. Choose a shorter period "
                         "or a narrower scope.", count=count, limit=limit), status=422, code="too_many")
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    # The manifest speaks the reader's language; ?language=en asks for the English export (codes) in any case.
    language = "en" if request.args.get("language") == "en" or select_locale() == "en" else "zh"
    write_archive(current_user, parsed.filters, spool, language=language)
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip", as_attachment=True,
                         download_name=archive_filename(parsed.filters), max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- one visit ----------------------------------------------------------------------------------------------


def _visit_context(visit: Visit, **extra: Any) -> dict[str, Any]:
    # The link back leads only to a page of the queue itself, never off the site.
    back = local_path_or(request.args.get("back"), url_for("review.queue"), under="/review/")
    return visit_context(current_user, visit, back_url=back, **extra)


@bp.get("/visits/<uuid:visit_id>")
@login_required
def visit_page(visit_id: str) -> Page:
    visit = get_reviewable_visit_or_404(current_user, visit_id)
    return render_template("review/visit.html", **_visit_context(visit))


@bp.post("/visits/<uuid:visit_id>/decision")
@login_required
def decide_visit(visit_id: str) -> Page:
    visit = get_reviewable_visit_or_404(current_user, visit_id)
    form = request.form
    try:
        decide(current_user, visit, form.get("action", ""), form.get("reason"), now=_now(),
               expected=form.get("expected"))
    except AppError as error:
        # A stale page (409) swaps in too, with the current state, so the reviewer sees what changed.
        return form_error(error, lambda errors: _decision_form(visit, errors))
    db.session.commit()
    return finished(url_for("review.visit_page", visit_id=visit.id))


def _decision_form(visit: Visit, errors: FormErrors) -> str:
    context = _visit_context(visit, decision_errors=errors.fields, decision_message=errors.message,
                             decision_form=request.form)
    return render_template("review/_decision.html" if wants_partial() else "review/visit.html", **context)


@bp.post("/visits/<uuid:visit_id>/flags/<int:flag_id>")
@login_required
def decide_flag_route(visit_id: str, flag_id: int) -> Page:
    visit = get_reviewable_visit_or_404(current_user, visit_id)
    flag = get_visit_flag_or_404(visit, flag_id)
    form = request.form
    try:
        decide_flag(current_user, visit, flag, form.get("decision", ""), form.get("reason"), now=_now())
    except AppError as error:
        return form_error(error, lambda errors: _flag_form(visit, flag.id, errors))
    db.session.commit()
    return finished(url_for("review.visit_page", visit_id=visit.id, _anchor=f"flag-{flag.id}"))


def _flag_form(visit: Visit, flag_id: int, errors: FormErrors) -> str:
    context = _visit_context(visit, flag_errors={next(iter(errors.fields), "decision"): errors.first},
                             flag_form=request.form, flag_error_id=flag_id)
    if wants_partial():
        item = next(f for f in context["record"].flags if f.flag.id == flag_id)
        return render_template("review/_flag.html", item=item, **context)
    return render_template("review/visit.html", **context)


@bp.get("/visits/<uuid:visit_id>/record.pdf")
@login_required
def record_pdf(visit_id: str) -> Response:
    """The record of one visit (贷后检查记录) to file: photos, evidence, flags and the audit trail."""
    visit = get_reviewable_visit_or_404(current_user, visit_id)
    response = make_response(visit_record_pdf(build_record(current_user, visit), generated_by=current_user))
    response.headers["Content-Type"] = "application/pdf"
    return _attachment(response, record_filename(visit))


# --- sampling -----------------------------------------------------------------------------------------------


@bp.get("/samples/")
@login_required
def samples() -> Page:
    require_reviewer(current_user)
    defaults = sample_form_defaults(last_week_with_visits(current_user, bank_today()))
    return render_template("review/samples.html", **samples_context(current_user, defaults, {}))


@bp.post("/samples/")
@login_required
def draw() -> Page:
    require_reviewer(current_user)
    options = filter_options(current_user)
    try:
        sample_request = parse_sample_form(request.form, current_user,
                                           sub_branch_ids={s.id for s in options["sub_branches"]},
                                           team_ids={t.id for t in options["teams"]})
        sample = draw_sample(current_user, sample_request, now=_now())
    except Invalid as error:
        return form_error(error, lambda errors: render_template(
            "review/_sample_form.html" if wants_partial() else "review/samples.html",
            **samples_context(current_user, request.form, errors.fields)))
    db.session.commit()
    return finished(url_for("review.sample_page", sample_id=sample.id))


@bp.get("/samples/<int:sample_id>")
@login_required
def sample_page(sample_id: int) -> Page:
    """A recorded sample, and the same draw repeated now: what an auditor checks."""
    sample = get_sample_or_404(current_user, sample_id)
    visits = list(db.session.scalars(newest_first(
        sa.select(Visit).join(ReviewSampleVisit, ReviewSampleVisit.visit_id == Visit.id)
        .where(ReviewSampleVisit.sample_id == sample.id, visit_condition(current_user)))))
    sub_branch = db.session.get(SubBranch, sample.sub_branch_id) if sample.sub_branch_id else None
    team = db.session.get(Team, sample.team_id) if sample.team_id else None
    return render_template("review/sample.html", sample=sample, rows=rows_for(visits), check=redraw(sample),
                           sample_sub_branch=sub_branch, sample_team=team)
