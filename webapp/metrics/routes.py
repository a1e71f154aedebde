"""How a figure was counted (tap any figure on a board), and the branch's metric definitions (an admin sets
them; everyone may read them)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.errors import AppError
from webapp.extensions import db
from webapp.meetings.targets import TARGET_METRICS, person_targets
from webapp.meetings.views import form_again
from webapp.metrics.counting import totals_by
from webapp.metrics.definitions import (
    CONSULTATION_RULES,
    LOAN_DEAL_SOURCES,
    SQUAD_CREDIT_RULES,
    Definitions,
    Totals,
    achievement,
)
from webapp.metrics.explain import METRICS, describe, records
from webapp.metrics.store import definitions_for, save_definitions
from webapp.models import MERCHANT_STATUSES, VISIT_KINDS, User
from webapp.pages import Page, finished
from webapp.roles import ADMIN, BRANCH_WIDE_ROLES
from webapp.scope import (
    board_people,
    get_board_team_or_404,
    get_figure_person_or_404,
    get_sub_branch_or_404,
    require_role,
)
from webapp.visits.payload import DEAL_PRODUCTS
from webapp.visits.request_context import write_context

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

MAX_SPAN = timedelta(days=400)


def _dates() -> tuple[date, date]:
    try:
        start = date.fromisoformat(request.args.get("start", ""))
        end = date.fromisoformat(request.args.get("end", ""))
    except ValueError:
        abort(400)
    if end < start or end - start > MAX_SPAN or not 2000 <= start.year <= 2100:
        abort(400)
    return start, end


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(404)
    return int(raw)


def _subject() -> tuple[str, list[int] | None, list[int], User | None]:
    """(label, people or None for a whole sub-branch, sub-branches, the person): scoped like the boards."""
    person_id, team_id, sub_branch_id = _int_arg("person"), _int_arg("team"), _int_arg("sub_branch")
    if person_id is not None:
        person = get_figure_person_or_404(current_user, person_id)
        return person.display_name, [person.id], [person.sub_branch_id], person
    if team_id is not None:
        team = get_board_team_or_404(current_user, team_id)
        return team.name, [p.id for p in db.session.scalars(board_people(team))], [team.sub_branch_id], None
    if sub_branch_id is not None:
        require_role(current_user, *BRANCH_WIDE_ROLES)
        sub_branch = get_sub_branch_or_404(current_user, sub_branch_id)
        return sub_branch.name, None, [sub_branch.id], None
    abort(404)


@bp.get("/explain")
@login_required
def explain() -> str:
    metric = request.args.get("metric", "")
    if metric not in METRICS:
        abort(404)
    start, end = _dates()
    label, user_ids, sub_branch_ids, person = _subject()
    definitions = definitions_for(current_user.sub_branch.branch_id)
    found = totals_by(("sub_branch_id",), definitions, start, end + timedelta(days=1), user_ids=user_ids,
                      sub_branch_ids=sub_branch_ids)
    totals = found.get((sub_branch_ids[0],)) or Totals(by_product=dict.fromkeys(definitions.deal_products, 0))
    target = None
    if person is not None and start == end and metric in TARGET_METRICS:
        day_targets = person_targets([person.id], "day", start)[person.id]
        target = day_targets[metric].value if metric in day_targets else None
    shown, total = records(current_user, start, end, metric, definitions, user_ids=user_ids,
                           sub_branch_ids=sub_branch_ids)
    value = totals.value(metric) if metric not in ("application_rate", "deal_rate") else getattr(totals, metric)
    return render_template("metrics/explain.html", metric=metric, label=label, start=start, end=end, totals=totals,
                           value=value, target=target, achievement=achievement(value or 0, target) if target else None,
                           rules=describe(metric, definitions), records=shown, total=total)


def _definitions_context(definitions: Definitions) -> dict[str, Any]:
    return {"definitions": definitions, "rules": CONSULTATION_RULES, "kinds": VISIT_KINDS,
            "credit_rules": SQUAD_CREDIT_RULES, "products": DEAL_PRODUCTS, "loan_sources": LOAN_DEAL_SOURCES,
            "statuses": MERCHANT_STATUSES, "weekdays": range(7), "can_edit": current_user.role == ADMIN}


@bp.get("/definitions")
@login_required
def definitions_page() -> str:
    return render_template("metrics/definitions.html", errors={},
                           **_definitions_context(definitions_for(current_user.sub_branch.branch_id)))


@bp.post("/definitions")
@login_required
def save_definitions_page() -> Page:
    require_role(current_user, ADMIN)
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "") for name in ("consultation_rule", "squad_credit",
                                                                     "loan_deal_source")}
    for name in ("consultation_kinds", "deal_products", "penetration_statuses"):
        values[name] = form.getlist(name)
    values["working_weekdays"] = [int(d) for d in form.getlist("working_weekdays") if d.isdigit()] or ["?"]
    for name in ("talk_after_days", "honour_min_consultations"):
        raw = form.get(name, "").strip()
        values[name] = int(raw) if raw.isdigit() and len(raw) < 6 else -1
    try:
        save_definitions(write_context(), values)
    except AppError as error:
        return form_again(error, "metrics/definitions.html", None,
                          _definitions_context(definitions_for(current_user.sub_branch.branch_id)))
    db.session.commit()
    flash(_("The definitions were saved. Every figure now counts by them."), "info")
    return finished(url_for("metrics.definitions_page"))

