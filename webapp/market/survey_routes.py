"""Survey pages on the market blueprint: the list, defining a survey (team leads), opening and closing rounds,
answering during a visit (the page a phone keeps offline; its script sends through the outbox, a browser without
it posts here), the results by district or industry with the rounds compared, and the results in Excel."""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today, clock_now
from webapp.channels.web import form_uuid, xlsx_response
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.market.survey_export import build_results, results_filename
from webapp.market.survey_results import GROUPINGS, aggregate, compare_rounds, responses_of
from webapp.market.surveys import MAX_QUESTIONS, close_round, open_round, put_survey_response, save_survey
from webapp.market.web import bp
from webapp.models import QUESTION_KINDS, Merchant, Survey
from webapp.pages import Page, finished, form_error
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import get_survey_or_404, merchant_condition, require_role, survey_condition
from webapp.visits.request_context import write_context


@bp.get("/surveys/")
@login_required
def surveys() -> str:
    found = db.session.scalars(sa.select(Survey).where(survey_condition(current_user))
                               .order_by(Survey.created_at.desc())).all()
    return render_template("market/surveys.html", surveys=found, can_define=current_user.role == TEAM_LEAD)


def survey_form(survey: Survey | None) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict()
    if survey is None:
        return form
    form.update({"title": survey.title, "intro": survey.intro})
    for index, question in enumerate(survey.questions):
        form.update({f"q_kind_{index}": question.kind, f"q_text_{index}": question.text,
                     f"q_choices_{index}": "\n".join(question.choices),
                     f"q_required_{index}": "yes" if question.required else ""})
    return form


def survey_body(form: MultiDict[str, str]) -> dict[str, Any]:
    questions = [{"kind": form.get(f"q_kind_{i}", ""), "text": form.get(f"q_text_{i}", ""),
                  "choices": form.get(f"q_choices_{i}", ""), "required": form.get(f"q_required_{i}", "")}
                 for i in range(MAX_QUESTIONS) if form.get(f"q_text_{i}", "").strip()]
    return {"title": form.get("title", ""), "intro": form.get("intro", ""), "questions": questions}


def _survey_page(survey: Survey | None, form: MultiDict[str, str], errors: dict[str, str],
                 message: str | None = None) -> str:
    template = "market/_survey_form.html" if wants_partial() else "market/survey_form.html"
    return render_template(template, survey=survey, form=form, errors=errors, message=message, kinds=QUESTION_KINDS,
                           rows=MAX_QUESTIONS)


@bp.get("/surveys/new")
@login_required
def new_survey() -> str:
    require_role(current_user, TEAM_LEAD)
    return _survey_page(None, survey_form(None), {})


@bp.post("/surveys/new")
@login_required
def create_survey() -> Page:
    require_role(current_user, TEAM_LEAD)
    try:
        survey = save_survey(write_context(), None, survey_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _survey_page(None, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("market.survey", survey_id=survey.id))


@bp.get("/surveys/<int:survey_id>")
@login_required
def survey(survey_id: int) -> str:
    found = get_survey_or_404(current_user, survey_id)
    by = request.args.get("by", "district")
    by = by if by in GROUPINGS else "district"
    number = request.args.get("round", "")
    chosen = next((r for r in found.rounds if str(r.number) == number), found.current_round)
    results = aggregate(found, responses_of(chosen), by) if chosen is not None else []
    return render_template("market/survey.html", survey=found, chosen=chosen, by=by, results=results,
                           comparison=compare_rounds(found) if len(found.rounds) > 1 else [],
                           can_run=current_user.role == TEAM_LEAD and current_user.sub_branch_id == found.sub_branch_id,
                           can_answer=current_user.role in FIELD_ROLES and found.state == "open")


@bp.get("/surveys/<int:survey_id>/edit")
@login_required
def edit_survey(survey_id: int) -> str:
    found = get_survey_or_404(current_user, survey_id)
    require_role(current_user, TEAM_LEAD)
    return _survey_page(found, survey_form(found), {})


@bp.post("/surveys/<int:survey_id>")
@login_required
def update_survey(survey_id: int) -> Page:
    found = get_survey_or_404(current_user, survey_id)
    require_role(current_user, TEAM_LEAD)
    try:
        save_survey(write_context(), found, survey_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _survey_page(found, request.form, e.by_form_field(), e.message),
                          error_page_for=(403, 404))
    db.session.commit()
    return finished(url_for("market.survey", survey_id=survey_id))


@bp.post("/surveys/<int:survey_id>/rounds")
@login_required
def start_round(survey_id: int) -> Page:
    found = get_survey_or_404(current_user, survey_id)
    require_role(current_user, TEAM_LEAD)
    open_round(write_context(), found)
    db.session.commit()
    return finished(url_for("market.survey", survey_id=survey_id))


@bp.post("/surveys/<int:survey_id>/close")
@login_required
def end_round(survey_id: int) -> Page:
    found = get_survey_or_404(current_user, survey_id)
    require_role(current_user, TEAM_LEAD)
    close_round(write_context(), found)
    db.session.commit()
    return finished(url_for("market.survey", survey_id=survey_id))


def _merchants() -> list[Merchant]:
    """The merchants a manager answers for: their own first, then the rest of the sub-branch by name."""
    return list(db.session.scalars(sa.select(Merchant).where(merchant_condition(current_user))
                                   .order_by((Merchant.owner_id == current_user.id).desc(), Merchant.name).limit(400)))


def _answer_page(found: Survey, form: MultiDict[str, str], errors: dict[str, str], message: str | None,
                 response_id: str) -> str:
    template = "market/_answer_form.html" if wants_partial() else "market/answer_form.html"
    return render_template(template, survey=found, form=form, errors=errors, message=message,
                           response_id=response_id, merchants=_merchants())


@bp.get("/surveys/<int:survey_id>/answer")
@login_required
def answer(survey_id: int) -> str:
    """Kept on the phone by the service worker for open surveys; ?merchant= picks the merchant of the visit."""
    found = get_survey_or_404(current_user, survey_id)
    require_role(current_user, *FIELD_ROLES)
    merchant = request.args.get("merchant", "")
    form = MultiDict({"merchant_id": merchant if merchant.isdigit() else ""})
    return _answer_page(found, form, {}, None, str(uuid.uuid4()))


def answer_body(found: Survey, form: MultiDict[str, str], now: str) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in found.questions:
        name = f"q_{question.id}"
        answers[str(question.id)] = form.getlist(name) if question.kind in ("choices", "months") else form.get(name, "")
    current = found.current_round
    return {"survey_id": found.id, "round": form.get("round") or (current.number if current else ""),
            "merchant_id": form.get("merchant_id", ""), "answered_at": form.get("answered_at") or now,
            "answers": answers}


@bp.post("/surveys/<int:survey_id>/answers")
@login_required
def save_answer(survey_id: int) -> Page:
    found = get_survey_or_404(current_user, survey_id)
    require_role(current_user, *FIELD_ROLES)
    response_id = form_uuid(request.form.get("response_id"))
    ctx = write_context()
    try:
        put_survey_response(ctx, response_id, answer_body(found, request.form, ctx.now.isoformat()))
    except AppError as error:
        return form_error(error, lambda e: _answer_page(found, request.form, e.by_form_field(), e.message,
                                                        response_id), error_page_for=(403,))
    db.session.commit()
    return finished(url_for("market.survey", survey_id=survey_id))


@bp.get("/surveys/<int:survey_id>/results.xlsx")
@login_required
def survey_export(survey_id: int) -> Response:
    found = get_survey_or_404(current_user, survey_id)
    return xlsx_response(build_results(found), results_filename(found, bank_today(clock_now())))

