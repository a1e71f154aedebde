"""Branch review pages: the queue (photo log), one visit's evidence and decisions, sampling, exports, and the
manager's resubmission.

Reviewers see their branch, team leads their team (webapp.scope); managers and admins get 403 on the review
pages. Every write goes through webapp.review.decisions or webapp.review.sampling and commits once.
"""
from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.errors import error_response
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.integrity.evidence import shown_evidence
from webapp.labels import FLAG_CODE, FLAG_DECISION, REVIEW_ACTION, REVIEW_STATE
from webapp.models import VISIT_KINDS, SubBranch, Team, User, Visit
from webapp.models.review import REVIEW_STATES, ReviewSample, ReviewSampleVisit
from webapp.review import states
from webapp.review.decisions import ReviewError, decide, decide_flag, resubmit, review_status
from webapp.review.evidence import photo_evidence
from webapp.review.exports import (
    FontMissing,
    archive_filename,
    archive_photo_count,
    max_archive_photos,
    record_filename,
    visit_record_pdf,
    write_archive,
)
from webapp.review.queue import (
    DEFAULT_MAX_PERIOD_DAYS,
    FLAG_FILTERS,
    PAGE_SIZE,
    ParsedFilters,
    bank_today,
    flag_counts,
    parse_cursor,
    parse_filters,
    queue_page,
    rows_for,
    state_counts,
)
from webapp.review.record import build_record
from webapp.review.sampling import BANK_ZONE, MAX_SAMPLE_DAYS, SEED_RE, SampleRequest, draw_sample, new_seed, redraw
from webapp.scope import (
    get_reviewable_visit_or_404,
    get_sample_or_404,
    get_visit_flag_or_404,
    get_visit_or_404,
    require_reviewer,
    visible_samples,
    visible_sub_branch_ids,
    visible_teams,
    visit_condition,
)
from webapp.write_kernel import parse_uuid

bp = Blueprint("review", __name__, url_prefix="/review")

Page = str | tuple[str, int] | Response
SAMPLES_SHOWN = 50


def _label(table: dict[str, Any], code: str | None) -> str:
    return str(table.get(code or "", code or ""))


def bank_time(moment: datetime) -> str:
    """Bank time to the second, the same in both languages: the evidence lists hold hundreds, and Babel's
    locale-aware formatting is the slowest part of a page."""
    return moment.astimezone(BANK_ZONE).strftime("%Y-%m-%d %H:%M:%S")


@bp.record_once
def _register_labels(state: BlueprintSetupState) -> None:
    state.app.jinja_env.filters["bank_time"] = bank_time
    state.app.jinja_env.globals.update(
        review_state_label=lambda code: _label(REVIEW_STATE, code),
        review_action_label=lambda code: _label(REVIEW_ACTION, code),
        flag_decision_label=lambda code: _label(FLAG_DECISION, code),
    )


def _uuid_or_404(value: str) -> str:
    parsed = parse_uuid(value)
    if parsed is None:
        abort(404)
    return parsed


def _now() -> datetime:
    return datetime.now(UTC)


def _finished(url: str) -> Response:
    """After a successful post: 303 for a plain form; for htmx a whole-page redirect (state, trail and
    counts all change)."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


# --- the manager's side: the status on the visit page, and resubmission -------------------------------------


def review_status_for(visit: Visit) -> dict[str, Any]:
    """For templates/review/_visit_review_status.html on the visit page (which another blueprint renders)."""
    status = review_status(visit.id)
    user = current_user
    return {
        "status": status,
        "may_resubmit": (status.state == "sent_back" and user.role in states.FIELD_ROLES
                         and user.id in (visit.lead_id, visit.created_by_id)),
        "may_review": user.role in states.REVIEW_ROLES,
    }


@bp.app_context_processor
def _visit_page_helpers() -> dict[str, Any]:
    return {"review_status_for": review_status_for}


@bp.post("/visits/<visit_id>/resubmit")
@login_required
def resubmit_visit(visit_id: str) -> Page:
    """The squad lead hands a fixed visit back; the page they came from is the visit page."""
    visit = get_visit_or_404(current_user, _uuid_or_404(visit_id))
    target = url_for("visits.show", visit_id=visit.id)
    try:
        resubmit(current_user, visit, request.form.get("note"), now=_now(), expected=request.form.get("expected"))
    except ReviewError as error:
        db.session.rollback()
        if error.status == 403:
            return error_response(403, "forbidden", error.message)
        if wants_partial():
            # 422 also for a stale page (409): the htmx set-up swaps 422 only, and the partial shows the state.
            return render_template("review/_visit_review_status.html", visit=visit,
                                   resubmit_error=error.message), 422
        flash(error.message, "error")
        return redirect(target, code=303)
    db.session.commit()
    flash(_("Resubmitted for review."), "info")
    return _finished(target)


# --- the queue ----------------------------------------------------------------------------------------------


def _parsed_filters() -> ParsedFilters:
    return parse_filters(current_user, request.args, today=bank_today(),
                         max_days=int(current_app.config.get("REVIEW_MAX_PERIOD_DAYS", DEFAULT_MAX_PERIOD_DAYS)),
                         flag_codes=tuple(FLAG_CODE))


def _filter_options() -> dict[str, Any]:
    """What the filter form offers: only what the user may see."""
    user = current_user
    sub_branches = list(db.session.scalars(
        sa.select(SubBranch).where(SubBranch.id.in_(visible_sub_branch_ids(user))).order_by(SubBranch.code)))
    teams = list(db.session.scalars(visible_teams(user).order_by("name")))
    if user.role == "team_lead":
        teams = [t for t in teams if t.id == user.team_id]
    # Columns, not ORM objects: a big branch has hundreds of managers, and only three fields show.
    people = (sa.select(User.id, User.username, User.display_name)
              .where(User.sub_branch_id.in_(visible_sub_branch_ids(user)), User.role.in_(states.FIELD_ROLES))
              .order_by(User.username))
    if user.role == "team_lead":
        people = people.where(User.team_id == user.team_id)
    return {"sub_branches": sub_branches, "teams": teams, "managers": list(db.session.execute(people)),
            "kinds": VISIT_KINDS, "flag_codes": tuple(FLAG_CODE), "flag_filters": FLAG_FILTERS,
            "states": REVIEW_STATES}


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
    context.update(_filter_options())
    return render_template("review/queue.html", **context), status


@bp.get("/export.zip")
@login_required
def export_archive() -> Page:
    """The photo-log archive of the queue's filters: display copies and manifest.csv."""
    require_reviewer(current_user)
    parsed = _parsed_filters()
    if parsed.errors:
        return error_response(422, "invalid", next(iter(parsed.errors.values())))
    count = archive_photo_count(current_user, parsed.filters)
    limit = max_archive_photos()
    if count > limit:
        return error_response(422, "too_many", _("%(count)d photos match; an archive holds at most %(limit)d. "
                                                  "Choose a shorter period or a narrower scope.", count=count, limit=limit))
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    write_archive(current_user, parsed.filters, spool)
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip", as_attachment=True,
                         download_name=archive_filename(parsed.filters), max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- one visit ----------------------------------------------------------------------------------------------


def _visit_context(visit: Visit, **extra: Any) -> dict[str, Any]:
    record = build_record(current_user, visit)
    took_part = current_user.id in (visit.lead_id, visit.support_id, visit.observer_id, visit.created_by_id)
    actions = [] if took_part else [a for a in states.actions_for(record.status.state, current_user.role)
                                    if a != "resubmit"]
    context: dict[str, Any] = {
        "visit": visit, "record": record, "status": record.status, "actions": actions, "took_part": took_part,
        "may_dismiss": not took_part and states.may_decide_flag(current_user.role, "dismissed"),
        "may_confirm": not took_part and states.may_decide_flag(current_user.role, "confirmed"),
        "decision_errors": {}, "decision_message": None, "decision_form": {},
        "flag_errors": {}, "flag_form": {}, "flag_error_id": None,
        "integrity": shown_evidence(current_user, [item.flag for item in record.flags]),
        "back_url": request.args.get("back") if _safe_back(request.args.get("back")) else url_for("review.queue"),
    }
    context.update(extra)
    return context


def _safe_back(value: str | None) -> bool:
    """Only a path of the queue itself: the link back must never lead off the site."""
    return bool(value) and value.startswith("/review/") and not value.startswith("//")  # type: ignore[union-attr]


@bp.get("/visits/<visit_id>")
@login_required
def visit_page(visit_id: str) -> Page:
    visit = get_reviewable_visit_or_404(current_user, _uuid_or_404(visit_id))
    return render_template("review/visit.html", **_visit_context(visit))


@bp.post("/visits/<visit_id>/decision")
@login_required
def decide_visit(visit_id: str) -> Page:
    visit = get_reviewable_visit_or_404(current_user, _uuid_or_404(visit_id))
    form = request.form
    try:
        decide(current_user, visit, form.get("action", ""), form.get("reason"), now=_now(),
               expected=form.get("expected"))
    except ReviewError as error:
        db.session.rollback()
        return _decision_failed(visit, error)
    db.session.commit()
    return _finished(url_for("review.visit_page", visit_id=visit.id))


def _decision_failed(visit: Visit, error: ReviewError) -> Page:
    if error.status == 403:
        return error_response(403, "forbidden", error.message)
    errors = {error.field: error.message} if error.field else {}
    message = None if error.field else error.message
    context = _visit_context(visit, decision_errors=errors, decision_message=message,
                             decision_form=request.form)
    template = "review/_decision.html" if wants_partial() else "review/visit.html"
    # A stale page (409) swaps in too, with the current state, so the reviewer sees what changed.
    return render_template(template, **context), 422 if wants_partial() else error.status


@bp.post("/visits/<visit_id>/flags/<int:flag_id>")
@login_required
def decide_flag_route(visit_id: str, flag_id: int) -> Page:
    visit = get_reviewable_visit_or_404(current_user, _uuid_or_404(visit_id))
    flag = get_visit_flag_or_404(visit, flag_id)
    form = request.form
    try:
        decide_flag(current_user, visit, flag, form.get("decision", ""), form.get("reason"), now=_now())
    except ReviewError as error:
        db.session.rollback()
        if error.status == 403:
            return error_response(403, "forbidden", error.message)
        context = _visit_context(visit, flag_errors={error.field or "decision": error.message},
                                 flag_form=form, flag_error_id=flag.id)
        if wants_partial():
            item = next(f for f in context["record"].flags if f.flag.id == flag.id)
            return render_template("review/_flag.html", item=item, **context), 422
        return render_template("review/visit.html", **context), 422
    db.session.commit()
    return _finished(url_for("review.visit_page", visit_id=visit.id, _anchor=f"flag-{flag.id}"))


@bp.get("/visits/<visit_id>/record.pdf")
@login_required
def record_pdf(visit_id: str) -> Page:
    """The record of one visit (贷后检查记录) to file: photos, evidence, flags and the audit trail."""
    visit = get_reviewable_visit_or_404(current_user, _uuid_or_404(visit_id))
    try:
        data = visit_record_pdf(build_record(current_user, visit), generated_by=current_user)
    except FontMissing:
        return error_response(503, "font_missing", _("The Chinese font is not installed on the server "
                                                     "(fonts-wqy-microhei); the record cannot be printed."))
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{record_filename(visit)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- sampling -----------------------------------------------------------------------------------------------


def _sample_form_defaults() -> dict[str, str]:
    today = bank_today()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return {"from": last_month_end.replace(day=1).isoformat(), "to": last_month_end.isoformat(),
            "percent": "10", "minimum": "2", "seed": ""}


def _samples_context(form: dict[str, str] | Any, errors: dict[str, str]) -> dict[str, Any]:
    samples = list(db.session.scalars(visible_samples(current_user)
                                      .order_by(ReviewSample.drawn_at.desc(), ReviewSample.id.desc())
                                      .limit(SAMPLES_SHOWN)))
    return {"samples": samples, "form": form, "errors": errors, **_filter_options()}


@bp.get("/samples/")
@login_required
def samples() -> Page:
    require_reviewer(current_user)
    return render_template("review/samples.html", **_samples_context(_sample_form_defaults(), {}))


def _parse_sample_form(form: Any) -> tuple[SampleRequest | None, dict[str, str]]:
    errors: dict[str, str] = {}

    def whole(name: str, low: int, high: int) -> int:
        value = (form.get(name) or "").strip()
        if not value.isdigit() or not low <= int(value) <= high:
            errors[name] = _("A whole number from %(low)d to %(high)d.", low=low, high=high)
            return low
        return int(value)

    percent = whole("percent", 1, 100)
    minimum = whole("minimum", 0, 1000)
    dates: dict[str, date] = {}
    for name in ("from", "to"):
        try:
            dates[name] = date.fromisoformat((form.get(name) or "").strip())
        except ValueError:
            errors[name] = _("Expected a date such as 2026-11-28.")
    if not errors.keys() & {"from", "to"}:
        if dates["from"] > dates["to"]:
            errors["from"] = _("The period starts after it ends.")
        elif (dates["to"] - dates["from"]).days + 1 > MAX_SAMPLE_DAYS:
            errors["from"] = _("Choose a period of at most %(days)d days.", days=MAX_SAMPLE_DAYS)
    seed = (form.get("seed") or "").strip() or new_seed()
    if not SEED_RE.match(seed):
        errors["seed"] = _("Letters, digits, '-' and '_' only, at most 64.")
    kind = form.get("kind") or None
    if kind is not None and kind not in VISIT_KINDS:
        errors["kind"] = _("Choose a kind of visit.")

    def choice(name: str, allowed: set[int]) -> int | None:
        value = (form.get(name) or "").strip()
        if not value:
            return None
        if not value.isdigit() or int(value) not in allowed:
            errors[name] = _("Choose one from the list.")
            return None
        return int(value)

    sub_branch_id = team_id = None
    if current_user.role != "team_lead":  # a team lead's sample is their team's, whatever the form says
        options = _filter_options()
        sub_branch_id = choice("sub_branch", {s.id for s in options["sub_branches"]})
        team_id = choice("team", {t.id for t in options["teams"]})
    if errors:
        return None, errors
    return SampleRequest(dates["from"], dates["to"], percent, minimum, seed, sub_branch_id, team_id, kind), {}


@bp.post("/samples/")
@login_required
def draw() -> Page:
    require_reviewer(current_user)
    request_, errors = _parse_sample_form(request.form)
    if request_ is None:
        context = _samples_context(request.form, errors)
        template = "review/_sample_form.html" if wants_partial() else "review/samples.html"
        return render_template(template, **context), 422
    sample = draw_sample(current_user, request_, now=_now())
    db.session.commit()
    return _finished(url_for("review.sample_page", sample_id=sample.id))


@bp.get("/samples/<int:sample_id>")
@login_required
def sample_page(sample_id: int) -> Page:
    """A recorded sample, and the same draw repeated now: what an auditor checks."""
    sample = get_sample_or_404(current_user, sample_id)
    visits = list(db.session.scalars(
        sa.select(Visit).join(ReviewSampleVisit, ReviewSampleVisit.visit_id == Visit.id)
        .where(ReviewSampleVisit.sample_id == sample.id, visit_condition(current_user))
        .order_by(Visit.started_at.desc(), Visit.id.desc())))
    rows = rows_for(visits)
    sub_branch = db.session.get(SubBranch, sample.sub_branch_id) if sample.sub_branch_id else None
    team = db.session.get(Team, sample.team_id) if sample.team_id else None
    return render_template("review/sample.html", sample=sample, rows=rows, check=redraw(sample),
                           sample_sub_branch=sub_branch, sample_team=team)

