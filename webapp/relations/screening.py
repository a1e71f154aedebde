"""The one write path for screening models (存量客户筛选): a team lead saves a model, runs it (the targets go to
their managers' inboxes), and managers record what came of each target. Forms and the CLI call these; they flush
and never commit."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.errors import Forbidden, Invalid
from webapp.extensions import db
from webapp.models import TARGET_OUTCOMES, ScreeningModel, ScreeningRun, ScreeningTarget, User
from webapp.models.base import table_of
from webapp.relations.criteria import matching, parse_criteria
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.write_kernel import FieldErrors, WriteContext, choice_field, text_field

# A run gives at most this many targets: a list longer than a team can work is a filter to narrow.
MAX_TARGETS = 2000


def _require_lead(actor: User, sub_branch_id: int) -> None:
    if actor.role != TEAM_LEAD or actor.sub_branch_id != sub_branch_id:
        raise Forbidden(_("Screening models are kept and run by the team leads of their sub-branch."))


def save_model(ctx: WriteContext, model: ScreeningModel | None, raw: Any) -> ScreeningModel:
    sub_branch_id = model.sub_branch_id if model is not None else ctx.actor.sub_branch_id
    _require_lead(ctx.actor, sub_branch_id)
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    name = text_field(raw.get("name"), "name", errors, 100, required=True)
    purpose = text_field(raw.get("purpose"), "purpose", errors, 300)
    try:
        criteria = parse_criteria(raw.get("criteria"))
    except Invalid as error:  # merged with the other fields' errors
        for path, message in error.fields.items():
            errors.add(path, message)
        criteria = {}
    errors.raise_if_any()
    if model is None:
        model = ScreeningModel(sub_branch_id=sub_branch_id, created_by_id=ctx.actor.id, created_at=ctx.now)
        db.session.add(model)
    model.name, model.purpose, model.criteria, model.updated_at = name, purpose, criteria, ctx.now
    db.session.flush()
    return model


def _unowned_assignee(value: Any, actor: User, sub_branch_id: int) -> int:
    if value in (None, ""):
        return actor.id
    person = db.session.scalar(sa.select(User).where(User.username == str(value).strip().lower()))
    if (person is None or person.sub_branch_id != sub_branch_id or person.role not in FIELD_ROLES
            or not person.is_enabled):
        FieldErrors().fail("unowned_to", _("Not one of the allowed values."))
    assert person is not None
    return person.id


def run_model(ctx: WriteContext, model: ScreeningModel, unowned_to: Any = None) -> ScreeningRun:
    """Apply the model to the sub-branch today: one target per merchant, for the loan's manager (loan models) or
    the merchant's owner; merchants without one go to ``unowned_to`` (default: whoever runs it)."""
    _require_lead(ctx.actor, model.sub_branch_id)
    fallback = _unowned_assignee(unowned_to, ctx.actor, model.sub_branch_id)
    today = bank_today(ctx.now)
    found = matching(model.criteria, model.sub_branch_id, today)
    if len(found) > MAX_TARGETS:
        FieldErrors().fail("criteria", _("The model finds %(n)d merchants; narrow it to at most %(max)d.",
                                         n=len(found), max=MAX_TARGETS))
    enabled = set(db.session.scalars(sa.select(User.id).where(User.sub_branch_id == model.sub_branch_id,
                                                              User.is_enabled.is_(True),
                                                              User.role.in_(FIELD_ROLES))))
    run = ScreeningRun(model_id=model.id, sub_branch_id=model.sub_branch_id, criteria=dict(model.criteria),
                       as_of=today, run_at=ctx.now, run_by_id=ctx.actor.id, target_count=len(found))
    db.session.add(run)
    db.session.flush()
    if found:
        db.session.execute(sa.insert(table_of(ScreeningTarget)), [
            {"run_id": run.id, "merchant_id": merchant_id, "loan_id": loan_id,
             "assignee_id": manager_id if manager_id in enabled else fallback, "outcome": "new", "note": ""}
            for merchant_id, loan_id, manager_id in found])
    return run


def set_outcome(ctx: WriteContext, target: ScreeningTarget, raw: Any) -> ScreeningTarget:
    """The target's manager (or their team lead) says what came of it."""
    actor = ctx.actor
    leads_it = actor.role == TEAM_LEAD and actor.sub_branch_id == target.run.sub_branch_id
    if actor.id != target.assignee_id and not leads_it:
        raise Forbidden(_("Only the target's manager and their team lead record its outcome."))
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    outcome = choice_field(raw.get("outcome"), "outcome", errors, TARGET_OUTCOMES, required=True)
    note = text_field(raw.get("note"), "note", errors, 300)
    errors.raise_if_any()
    assert outcome is not None
    target.outcome, target.note, target.outcome_at, target.outcome_by_id = outcome, note, ctx.now, actor.id
    db.session.flush()
    return target
