"""Incentive schemes and honour boards: schemes in scope with live standings, making and proposing them
(sub-branch), deciding them (branch), and keeping a finished month's honours."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from webapp.bank_time import bank_today
from webapp.errors import AppError, Conflict, Invalid
from webapp.extensions import db
from webapp.meetings.honours import award_honours, kept_honours, leaders
from webapp.meetings.incentives import MAX_RULES
from webapp.meetings.period_boards import visible_sub_branches
from webapp.meetings.schemes import (
    decide_scheme,
    may_change,
    propose_scheme,
    rule_summary,
    save_scheme,
    standings,
)
from webapp.meetings.targets import TARGET_METRICS
from webapp.meetings.views import arg_month, form_again
from webapp.metrics.definitions import month_start
from webapp.metrics.store import definitions_for
from webapp.models import IncentiveScheme
from webapp.models.people import RULE_TYPES
from webapp.pages import Page, finished, form_error
from webapp.roles import BRANCH_WIDE_ROLES, TEAM_LEAD
from webapp.scope import (
    get_scheme_or_404,
    get_sub_branch_or_404,
    require_role,
    scheme_condition,
    visible_sub_branch_ids,
)
from webapp.visits.request_context import write_context

bp = Blueprint("incentives", __name__, url_prefix="/meetings/incentives")
MAKERS = (TEAM_LEAD, *BRANCH_WIDE_ROLES)


def _definitions() -> Any:
    return definitions_for(current_user.sub_branch.branch_id)


@bp.get("/")
@login_required
def index() -> str:
    schemes = list(db.session.scalars(sa.select(IncentiveScheme).where(scheme_condition(current_user))
                                      .order_by(IncentiveScheme.period_end.desc(), IncentiveScheme.id.desc())
                                      .limit(200)))
    month = arg_month()
    sub_branches = visible_sub_branches(visible_sub_branch_ids(current_user))
    definitions = _definitions()
    return render_template(
        "incentives/index.html", schemes=schemes, month=month, sub_branches=sub_branches,
        honours=kept_honours([s.id for s in sub_branches], [month]),
        live={s.id: leaders(s.id, month, definitions) for s in sub_branches},
        can_make=current_user.role in MAKERS,
        can_award=current_user.role in MAKERS and month < month_start(bank_today()),
        previous=month_start(month - timedelta(days=1)), today=bank_today())


def _form_context(scheme: IncentiveScheme | None, values: Any) -> dict[str, Any]:
    return {"scheme": scheme, "values": values, "rule_types": RULE_TYPES, "metrics": TARGET_METRICS,
            "rule_count": MAX_RULES, "sub_branches": visible_sub_branches(visible_sub_branch_ids(current_user)),
            "branch_wide": current_user.role in BRANCH_WIDE_ROLES}


def _values_of(scheme: IncentiveScheme) -> MultiDict[str, str]:
    values: MultiDict[str, str] = MultiDict({
        "name": scheme.name, "period_start": scheme.period_start.isoformat(),
        "period_end": scheme.period_end.isoformat(), "scope": scheme.scope,
        "sub_branch_id": str(scheme.sub_branch_id or "")})
    for n, rule in enumerate(scheme.rules):
        for key, value in rule.items():
            values[f"rule-{n}-{key}"] = str(value)
    return values


@bp.get("/new")
@login_required
def new() -> str:
    require_role(current_user, *MAKERS)
    today = bank_today()
    values = {"period_start": month_start(today).isoformat(), "scope": "team" if current_user.role == TEAM_LEAD
              else "branch", "period_end": (month_start(today + timedelta(days=32)) - timedelta(days=1)).isoformat()}
    return render_template("incentives/form.html", errors={}, **_form_context(None, values))


@bp.post("/new")
@login_required
def create() -> Page:
    require_role(current_user, *MAKERS)
    try:
        scheme = save_scheme(write_context(), None, request.form)
    except AppError as error:
        return form_again(error, "incentives/form.html", None, _form_context(None, request.form))
    db.session.commit()
    return finished(url_for("incentives.show", scheme_id=scheme.id))


@bp.get("/<int:scheme_id>")
@login_required
def show(scheme_id: int) -> str:
    scheme = get_scheme_or_404(current_user, scheme_id)
    rows = standings(scheme, _definitions(), bank_today()) if scheme.state == "approved" else []
    return render_template("incentives/show.html", scheme=scheme, rows=rows, rule_summary=rule_summary,
                           errors={}, today=bank_today())


@bp.get("/<int:scheme_id>/edit")
@login_required
def edit(scheme_id: int) -> str:
    require_role(current_user, *MAKERS)
    scheme = get_scheme_or_404(current_user, scheme_id)
    if not may_change(current_user, scheme):
        raise Conflict(_("Only a draft or rejected scheme can be changed, by the sub-branch that made it."))
    return render_template("incentives/form.html", errors={}, **_form_context(scheme, _values_of(scheme)))


@bp.post("/<int:scheme_id>/edit")
@login_required
def update(scheme_id: int) -> Page:
    require_role(current_user, *MAKERS)
    scheme = get_scheme_or_404(current_user, scheme_id)
    try:
        save_scheme(write_context(), scheme, request.form)
    except Invalid as error:
        return form_again(error, "incentives/form.html", None, _form_context(scheme, request.form))
    db.session.commit()
    return finished(url_for("incentives.show", scheme_id=scheme.id))


@bp.post("/<int:scheme_id>/propose")
@login_required
def propose(scheme_id: int) -> Page:
    require_role(current_user, TEAM_LEAD)
    scheme = get_scheme_or_404(current_user, scheme_id)
    propose_scheme(write_context(), scheme)
    db.session.commit()
    flash(_("The scheme was sent to the branch for approval."), "info")
    return finished(url_for("incentives.show", scheme_id=scheme.id))


@bp.post("/<int:scheme_id>/decide")
@login_required
def decide(scheme_id: int) -> Page:
    require_role(current_user, *BRANCH_WIDE_ROLES)
    scheme = get_scheme_or_404(current_user, scheme_id)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    try:
        decide_scheme(write_context(), scheme, approve=decision == "approve", note=request.form.get("note"))
    except Invalid as error:
        return form_error(error, lambda errors: render_template(
            "incentives/show.html", scheme=scheme, rows=[], rule_summary=rule_summary, errors=errors.fields,
            today=bank_today()))
    db.session.commit()
    return finished(url_for("incentives.show", scheme_id=scheme.id))


@bp.post("/honours/<int:sub_branch_id>/<month>")
@login_required
def award(sub_branch_id: int, month: str) -> Page:
    """Keep a finished month's honours of a sub-branch (awarding again changes nothing)."""
    require_role(current_user, *MAKERS)
    sub_branch = get_sub_branch_or_404(current_user, sub_branch_id)
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        abort(404)
    award_honours(write_context(), sub_branch, first, _definitions())
    db.session.commit()
    flash(_("The honours of %(month)s are kept.", month=month), "info")
    return finished(url_for("incentives.index", month=month))
