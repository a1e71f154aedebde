"""The one write path for needs surveys: a team lead defines the questions and opens and closes rounds; managers
answer during visits (the phone's outbox sends PUT /api/v1/survey-responses/<id>; a form and the CLI call the
same ``put_survey_response``). An answer names the round it was given in, so one made offline still counts in
that round when it arrives after the round closed, as long as it was given while the round was open.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.errors import Conflict, Forbidden, NotFoundError
from webapp.extensions import db
from webapp.models import (
    QUESTION_KINDS,
    Merchant,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
)
from webapp.record_fields import moment_field, record_id
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import merchant_condition
from webapp.write_kernel import FieldErrors, WriteContext, canonical_hash, insert_or_winner, text_field

MAX_QUESTIONS = 12
MAX_CHOICES = 12
MAX_NUMBER = 10**12
# A phone's clock and a round's closing may cross by this much.
ROUND_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class ResponseWrite:
    status: Literal["created", "unchanged"]
    response: SurveyResponse


def _require_lead(actor: Any, sub_branch_id: int) -> None:
    if actor.role != TEAM_LEAD or actor.sub_branch_id != sub_branch_id:
        raise Forbidden(_("Surveys are defined and run by the team leads of their sub-branch."))


def _choices(value: Any, path: str, errors: FieldErrors) -> list[str]:
    if isinstance(value, str):
        value = [line for line in value.splitlines()]
    if not isinstance(value, list):
        errors.add(path, _("Expected a list of choices."))
        return []
    found: list[str] = []
    for item in value:
        text = text_field(item, path, errors, 60)
        if text and text not in found:
            found.append(text)
    if not 2 <= len(found) <= MAX_CHOICES:
        errors.add(path, _("Between 2 and %(n)d choices, one per line.", n=MAX_CHOICES))
    return found


def parse_survey(raw: Any) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    questions_in = raw.get("questions")
    if not isinstance(questions_in, list) or not 1 <= len(questions_in) <= MAX_QUESTIONS:
        errors.add("questions", _("Between 1 and %(n)d questions.", n=MAX_QUESTIONS))
        questions_in = []
    questions = []
    for index, item in enumerate(questions_in):
        path = f"questions.{index}"
        if not isinstance(item, dict):
            errors.add(path, _("Expected a JSON object."))
            continue
        kind = item.get("kind")
        if kind not in QUESTION_KINDS:
            errors.add(f"{path}.kind", _("Not one of the allowed values."))
            continue
        question = {"kind": kind, "text": text_field(item.get("text"), f"{path}.text", errors, 200, required=True),
                    "choices": _choices(item.get("choices"), f"{path}.choices", errors)
                    if kind in ("choice", "choices") else [],
                    "required": item.get("required") in (True, "yes", "on", "1")}
        questions.append(question)
    body = {"title": text_field(raw.get("title"), "title", errors, 100, required=True),
            "intro": text_field(raw.get("intro"), "intro", errors, 500), "questions": questions}
    errors.raise_if_any()
    return body


def save_survey(ctx: WriteContext, survey: Survey | None, raw: Any) -> Survey:
    """A new survey in the lead's sub-branch, or a change of one: its questions only while no round has run."""
    sub_branch_id = survey.sub_branch_id if survey is not None else ctx.actor.sub_branch_id
    _require_lead(ctx.actor, sub_branch_id)
    body = parse_survey(raw)
    if survey is None:
        survey = Survey(sub_branch_id=sub_branch_id, created_by_id=ctx.actor.id, created_at=ctx.now)
        db.session.add(survey)
    survey.title, survey.intro = body["title"], body["intro"]
    wanted = [(q["kind"], q["text"], q["choices"], q["required"]) for q in body["questions"]]
    current = [(q.kind, q.text, list(q.choices), q.required) for q in survey.questions]
    if wanted != current:
        if survey.rounds:
            raise Conflict(_("The questions are fixed once a round has run; make a new survey to ask others."),
                           code="questions_fixed")
        survey.questions = [SurveyQuestion(position=index, kind=kind, text=text, choices=choices, required=required)
                            for index, (kind, text, choices, required) in enumerate(wanted)]
    db.session.flush()
    return survey


def open_round(ctx: WriteContext, survey: Survey) -> SurveyRound:
    """Close the round that is open (if any) and open the next: the survey is asked again."""
    _require_lead(ctx.actor, survey.sub_branch_id)
    current = survey.current_round
    if current is not None and current.closed_at is None:
        current.closed_at = ctx.now
    new = SurveyRound(survey_id=survey.id, number=(current.number if current else 0) + 1, opened_at=ctx.now,
                      opened_by_id=ctx.actor.id)
    db.session.add(new)
    survey.state = "open"
    db.session.flush()
    db.session.refresh(survey)
    return new


def close_round(ctx: WriteContext, survey: Survey) -> None:
    _require_lead(ctx.actor, survey.sub_branch_id)
    current = survey.current_round
    if current is None or current.closed_at is not None:
        raise Conflict(_("No round of this survey is open."), code="no_open_round")
    current.closed_at = ctx.now
    survey.state = "closed"
    db.session.flush()


def _answer(question: SurveyQuestion, value: Any, path: str, errors: FieldErrors) -> Any:
    blank = value in (None, "", [])
    if blank:
        if question.required:
            errors.add(path, _("Required."))
        return None
    if question.kind == "choice":
        if value not in question.choices:
            errors.add(path, _("Not one of the allowed values."))
            return None
        return value
    if question.kind in ("choices", "months"):
        items = value if isinstance(value, list) else [value]
        allowed: list[Any] = question.choices if question.kind == "choices" else list(range(1, 13))
        clean = []
        for item in items:
            candidate = item
            if question.kind == "months":
                try:
                    candidate = int(str(item))
                except ValueError:
                    candidate = None
            if candidate not in allowed:
                errors.add(path, _("Not one of the allowed values."))
                return None
            if candidate not in clean:
                clean.append(candidate)
        return sorted(clean, key=allowed.index)
    if question.kind == "number":
        try:
            number = float(str(value).strip().replace(",", ""))
        except ValueError:
            number = float("nan")
        if not math.isfinite(number) or abs(number) > MAX_NUMBER or isinstance(value, bool):
            errors.add(path, _("A number."))
            return None
        return int(number) if number.is_integer() else round(number, 4)
    return text_field(value, path, errors, 1000) or None


def parse_response(raw: Any, ctx: WriteContext) -> tuple[Survey, SurveyRound, Merchant, dict[str, Any]]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    survey_id, round_number = record_id(raw.get("survey_id")), record_id(raw.get("round"))
    merchant_id = record_id(raw.get("merchant_id"))
    if survey_id is None or round_number is None or merchant_id is None:
        errors.fail("survey_id", _("The survey, its round and the merchant are required."))
    survey = db.session.get(Survey, survey_id)
    merchant = db.session.scalar(sa.select(Merchant).where(Merchant.id == merchant_id, merchant_condition(ctx.actor)))
    if survey is None or survey.sub_branch_id != ctx.actor.sub_branch_id:
        raise NotFoundError(_("This survey does not exist, or is not yours to see."))
    if merchant is None or merchant.sub_branch_id != survey.sub_branch_id:
        errors.fail("merchant_id", _("Not one of the allowed values."))
    found_round = next((r for r in survey.rounds if r.number == round_number), None)
    answered_at = moment_field(raw.get("answered_at"), "answered_at", errors, ctx.now)
    if found_round is None:
        errors.fail("round", _("This survey has no such round."))
    assert found_round is not None and merchant is not None
    if answered_at is not None and not (found_round.opened_at - ROUND_SLACK <= answered_at and (
            found_round.closed_at is None or answered_at <= found_round.closed_at + ROUND_SLACK)):
        errors.add("answered_at", _("This round was not open at that time."))
    answers_in = raw.get("answers")
    if not isinstance(answers_in, dict):
        answers_in = {}
    answers = {}
    for question in survey.questions:
        value = _answer(question, answers_in.get(str(question.id)), f"answers.{question.id}", errors)
        if value is not None:
            answers[str(question.id)] = value
    unknown = set(answers_in) - {str(q.id) for q in survey.questions}
    if unknown:
        errors.add("answers", _("Answers to questions this survey does not ask."))
    if not answers and not errors:
        errors.add("answers", _("Answer at least one question."))
    errors.raise_if_any()
    body = {"survey_id": survey.id, "round": found_round.number, "merchant_id": merchant.id, "answers": answers,
            "answered_at": answered_at.isoformat() if answered_at else None}
    return survey, found_round, merchant, body


def put_survey_response(ctx: WriteContext, response_id: str, raw: Any) -> ResponseWrite:
    if ctx.actor.role not in FIELD_ROLES:
        raise Forbidden(_("Surveys are answered by managers and team leads during visits."))
    survey, found_round, merchant, body = parse_response(raw, ctx)
    body_hash = canonical_hash(body)
    existing = db.session.get(SurveyResponse, response_id)
    if existing is not None:
        return _replayed(ctx, existing, body_hash)
    taken = db.session.scalar(sa.select(SurveyResponse.id).where(SurveyResponse.round_id == found_round.id,
                                                                 SurveyResponse.merchant_id == merchant.id))
    if taken is not None:
        raise Conflict(_("This merchant has already answered this round."), code="already_answered")
    response = SurveyResponse(id=response_id, survey_id=survey.id, round_id=found_round.id, merchant_id=merchant.id,
                              district=merchant.district, industry=merchant.industry, answers=body["answers"],
                              answered_by_id=ctx.actor.id, answered_at=datetime.fromisoformat(body["answered_at"]),
                              device_id=ctx.device_id, body_hash=body_hash, created_at=ctx.now)
    winner = insert_or_winner(response, lambda: db.session.get(SurveyResponse, response_id))
    if winner is not None:
        return _replayed(ctx, winner, body_hash)
    return ResponseWrite("created", response)


def _replayed(ctx: WriteContext, response: SurveyResponse, body_hash: str) -> ResponseWrite:
    if response.answered_by_id != ctx.actor.id or response.body_hash != body_hash:
        raise Conflict(_("These answers were saved before with other details."), code="response_differs")
    return ResponseWrite("unchanged", response)
