"""Customer relations pages: a merchant's timeline, fading customers, screening models (kept and run by team
leads) with their runs' figures and targets, and a manager's targets with their outcomes. Views parse, call the
write path, commit once, render."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from webapp.bank_time import clock_now
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import (
    LOAN_STATUSES,
    MERCHANT_STATUSES,
    SCREENING_POPULATIONS,
    TARGET_OUTCOMES,
    ScreeningModel,
    ScreeningRun,
    ScreeningTarget,
    User,
)
from webapp.pages import Page, finished, form_error
from webapp.relations.fading import fading_customers, fading_days
from webapp.relations.outcomes import run_figures, run_outcomes
from webapp.relations.screening import run_model, save_model, set_outcome
from webapp.relations.timeline import timeline as merchant_timeline
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import (
    get_merchant_or_404,
    get_screening_model_or_404,
    get_target_or_404,
    require_role,
    screening_model_condition,
    target_condition,
    visible_users,
)
from webapp.visits.payload import DEAL_PRODUCTS
from webapp.visits.request_context import write_context

bp = Blueprint("relations", __name__, url_prefix="/relations")

LIST_FIELDS = ("loan_statuses", "statuses")
TEXT_LIST_FIELDS = ("products", "industries", "districts")
CRITERIA_FIELDS = ("population", "matures_within_days", "min_amount", "repaid_within_months", "without_product",
                   "no_visit_days")
TARGET_LIMIT = 500


@bp.get("/merchants/<int:merchant_id>")
@login_required
def timeline(merchant_id: int) -> str:
    merchant = get_merchant_or_404(current_user, merchant_id)
    return render_template("relations/timeline.html", merchant=merchant,
                           entries=merchant_timeline(current_user, merchant))


@bp.get("/fading")
@login_required
def fading() -> str:
    whose = "mine" if current_user.role == "manager" else request.args.get("whose", "team")
    whose = whose if whose in ("mine", "team") else "team"
    found = fading_customers(current_user, clock_now(), whose)
    by_owner: dict[str, list[Any]] = {}
    for item in found:
        owner = item.merchant.owner
        by_owner.setdefault(owner.display_name if owner else "", []).append(item)
    return render_template("relations/fading.html", by_owner=by_owner, days=fading_days(), whose=whose,
                           total=len(found))


@bp.get("/screening/")
@login_required
def models() -> str:
    found = db.session.scalars(sa.select(ScreeningModel).where(screening_model_condition(current_user))
                               .order_by(ScreeningModel.name)).all()
    return render_template("relations/models.html", models=found, can_define=current_user.role == TEAM_LEAD)


def model_form(model: ScreeningModel | None) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict()
    if model is None:
        form["population"] = "loans"
        return form
    criteria = model.criteria or {}
    form.update({"name": model.name, "purpose": model.purpose, "population": criteria.get("population", "loans"),
                 "no_arrears": "yes" if criteria.get("no_arrears") else ""})
    for name in ("matures_within_days", "repaid_within_months", "without_product", "no_visit_days"):
        if criteria.get(name) is not None:
            form[name] = str(criteria[name])
    if criteria.get("min_amount_cents") is not None:
        form["min_amount"] = f"{criteria['min_amount_cents'] / 100:.2f}"
    for name in LIST_FIELDS:
        form.setlist(name, list(criteria.get(name) or []))
    for name in TEXT_LIST_FIELDS:
        form[name] = "\n".join(criteria.get(name) or [])
    return form


def model_body(form: MultiDict[str, str]) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: form.get(name, "") for name in CRITERIA_FIELDS}
    criteria["no_arrears"] = form.get("no_arrears", "")
    for name in LIST_FIELDS:
        criteria[name] = form.getlist(name)
    for name in TEXT_LIST_FIELDS:
        criteria[name] = form.get(name, "")
    return {"name": form.get("name", ""), "purpose": form.get("purpose", ""), "criteria": criteria}


def _model_page(model: ScreeningModel | None, form: MultiDict[str, str], errors: dict[str, str],
                message: str | None = None) -> str:
    template = "relations/_model_form.html" if wants_partial() else "relations/model_form.html"
    return render_template(template, model=model, form=form, errors=errors, message=message,
                           populations=SCREENING_POPULATIONS, loan_statuses=LOAN_STATUSES,
                           statuses=MERCHANT_STATUSES, products=DEAL_PRODUCTS)


@bp.get("/screening/new")
@login_required
def new_model() -> str:
    require_role(current_user, TEAM_LEAD)
    return _model_page(None, model_form(None), {})


@bp.post("/screening/new")
@login_required
def create_model() -> Page:
    require_role(current_user, TEAM_LEAD)
    try:
        model = save_model(write_context(), None, model_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _model_page(None, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("relations.model", model_id=model.id))


def _people(sub_branch_id: int) -> list[User]:
    return list(db.session.scalars(visible_users(current_user).where(
        User.sub_branch_id == sub_branch_id, User.role.in_(FIELD_ROLES), User.is_enabled.is_(True))
        .order_by(User.display_name)))


@bp.get("/screening/<int:model_id>")
@login_required
def model(model_id: int, run_message: str | None = None) -> str:
    found = get_screening_model_or_404(current_user, model_id)
    runs = list(reversed(found.runs))
    figures = [run_figures(run) for run in runs]
    latest = runs[0] if runs else None
    targets: list[ScreeningTarget] = []
    outcomes: dict[int, str] = {}
    if latest is not None:
        targets = list(db.session.scalars(sa.select(ScreeningTarget).where(
            ScreeningTarget.run_id == latest.id, target_condition(current_user)).order_by(ScreeningTarget.id)
            .limit(TARGET_LIMIT)))
        outcomes = run_outcomes(latest, targets)
    return render_template(
        "relations/model.html", model=found, figures=figures, latest=latest, targets=targets, outcomes=outcomes,
        can_run=current_user.role == TEAM_LEAD and current_user.sub_branch_id == found.sub_branch_id,
        people=_people(found.sub_branch_id), run_message=run_message)


@bp.get("/screening/<int:model_id>/edit")
@login_required
def edit_model(model_id: int) -> str:
    found = get_screening_model_or_404(current_user, model_id)
    require_role(current_user, TEAM_LEAD)
    return _model_page(found, model_form(found), {})


@bp.post("/screening/<int:model_id>")
@login_required
def update_model(model_id: int) -> Page:
    found = get_screening_model_or_404(current_user, model_id)
    require_role(current_user, TEAM_LEAD)
    try:
        save_model(write_context(), found, model_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _model_page(found, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("relations.model", model_id=model_id))


@bp.post("/screening/<int:model_id>/run")
@login_required
def run(model_id: int) -> Page:
    found = get_screening_model_or_404(current_user, model_id)
    require_role(current_user, TEAM_LEAD)
    try:
        run_model(write_context(), found, request.form.get("unowned_to", ""))
    except AppError as error:
        return form_error(error, lambda e: model(model_id, run_message=e.first))
    db.session.commit()
    return finished(url_for("relations.model", model_id=model_id))


@bp.get("/targets/")
@login_required
def targets() -> str:
    """The targets given to me (a lead: to the sub-branch's people), newest runs first, with what came of them."""
    require_role(current_user, *FIELD_ROLES)
    found = list(db.session.scalars(sa.select(ScreeningTarget).join(ScreeningRun).where(
        target_condition(current_user)).order_by(ScreeningRun.run_at.desc(), ScreeningTarget.id).limit(TARGET_LIMIT)))
    by_run: dict[int, list[ScreeningTarget]] = {}
    for target in found:
        by_run.setdefault(target.run_id, []).append(target)
    outcomes: dict[int, str] = {}
    for items in by_run.values():
        outcomes.update(run_outcomes(items[0].run, items))
    return render_template("relations/targets.html", targets=found, outcomes=outcomes, choices=TARGET_OUTCOMES)


@bp.post("/targets/<int:target_id>")
@login_required
def record_outcome(target_id: int) -> Page:
    target = get_target_or_404(current_user, target_id)
    require_role(current_user, *FIELD_ROLES)
    try:
        set_outcome(write_context(), target, {"outcome": request.form.get("outcome", ""),
                                              "note": request.form.get("note", "")})
    except AppError as error:
        return form_error(error, lambda e: targets())
    db.session.commit()
    return finished(url_for("relations.targets", _anchor=f"target-{target_id}"))
