"""Risk warning pages: the board per sub-branch and branch by level and age, one warning with its work
(actions, owner and deadline, resolution), and raising one by hand."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from webapp.bank_time import bank_today
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import WARNING_LEVELS, Loan, RiskWarning, SubBranch, User
from webapp.pages import Page, finished, form_error
from webapp.postloan.blueprint import bp
from webapp.postloan.risk import add_action, raise_manual_warning, resolve_warning, update_warning
from webapp.roles import FIELD_ROLES, MANAGER, WARNING_RAISER_ROLES
from webapp.scope import get_loan_or_404, get_warning_or_404, loan_condition, require_role, visible_sub_branch_ids
from webapp.visits.request_context import write_context
from webapp.write_kernel import WriteContext, parse_uuid

# Age of an open warning in days: the board's columns.
AGE_BUCKETS = ((0, 3), (4, 7), (8, 30), (31, None))
LIST_LIMIT = 200
# A way of working a warning (webapp.postloan.risk): it validates the form and changes the warning, or raises.
WarningWork = Callable[[WriteContext, RiskWarning, dict[str, Any]], None]


def age_bucket(raised: date, today: date) -> int:
    age = (today - raised).days
    for index, (low, high) in enumerate(AGE_BUCKETS):
        if age >= low and (high is None or age <= high):
            return index
    return 0


@bp.get("/warnings")
@login_required
def warnings_board() -> str:
    """Open warnings the user may see, counted per sub-branch by level and age, and listed (oldest first)."""
    today = bank_today()
    sub_ids = visible_sub_branch_ids(current_user)
    names = dict(db.session.execute(sa.select(SubBranch.id, SubBranch.name).where(SubBranch.id.in_(sub_ids))).all())
    level = request.args.get("level", "")
    base = (sa.select(RiskWarning).join(Loan, Loan.id == RiskWarning.loan_id)
            .where(RiskWarning.status == "open", loan_condition(current_user)))
    counts: dict[int, dict[str, list[int]]] = {sid: {lv: [0] * len(AGE_BUCKETS) for lv in WARNING_LEVELS}
                                              for sid in sub_ids}
    for sid, lv, raised in db.session.execute(
            base.with_only_columns(RiskWarning.sub_branch_id, RiskWarning.level, RiskWarning.raised_at)):
        counts.setdefault(sid, {x: [0] * len(AGE_BUCKETS) for x in WARNING_LEVELS})
        counts[sid][lv][age_bucket(bank_today(raised), today)] += 1
    listed = base.options(joinedload(RiskWarning.loan).joinedload(Loan.borrower), joinedload(RiskWarning.owner))
    if level in WARNING_LEVELS:
        listed = listed.where(RiskWarning.level == level)
    warnings = list(db.session.scalars(listed.order_by(RiskWarning.raised_at, RiskWarning.id).limit(LIST_LIMIT)))
    branch = {lv: [sum(counts[s][lv][i] for s in counts) for i in range(len(AGE_BUCKETS))] for lv in WARNING_LEVELS}
    return render_template("postloan/warnings.html", counts=counts, names=names, branch=branch, warnings=warnings,
                           levels=WARNING_LEVELS, buckets=AGE_BUCKETS, level=level, today=today,
                           show_branch=len(sub_ids) > 1)


def _warning_context(warning: RiskWarning, **extra: Any) -> dict[str, Any]:
    people = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_({a.get("by") for a in warning.actions if isinstance(a.get("by"), int)})))}
    owners = list(db.session.scalars(sa.select(User).where(
        User.sub_branch_id == warning.sub_branch_id, User.role.in_(FIELD_ROLES),
        User.is_enabled.is_(True)).order_by(User.username)))
    may_work = current_user.role != MANAGER or current_user.id in (warning.owner_id, warning.loan.manager_id)
    context: dict[str, Any] = {
        "warning": warning, "loan": warning.loan, "people": people, "owners": owners,
        "may_work": may_work and warning.status == "open", "may_reassign": current_user.role != MANAGER,
        "form": MultiDict({"deadline": warning.deadline.isoformat(), "owner_id": str(warning.owner_id)}),
        "errors": {}, "evidence_photos": _evidence_photos(warning),
    }
    context.update(extra)
    return context


def _evidence_photos(warning: RiskWarning) -> list[str]:
    """The photo ids a warning's evidence names (a reused pre-loan photo and the post-loan one)."""
    evidence = warning.evidence if isinstance(warning.evidence, dict) else {}
    return [str(evidence[key]) for key in ("earlier_photo", "photo") if parse_uuid(evidence.get(key))]


@bp.get("/warnings/<int:warning_id>")
@login_required
def warning_page(warning_id: int) -> str:
    return render_template("postloan/warning.html",
                           **_warning_context(get_warning_or_404(current_user, warning_id)))


def _work(warning_id: int, action: WarningWork) -> Page:
    warning = get_warning_or_404(current_user, warning_id)
    try:
        action(write_context(), warning, request.form.to_dict())
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "postloan/_warning_work.html" if wants_partial() else "postloan/warning.html",
            **_warning_context(warning, form=request.form, errors=errors.beside("action"))))
    db.session.commit()
    return finished(url_for("postloan.warning_page", warning_id=warning_id))


@bp.post("/warnings/<int:warning_id>/action")
@login_required
def warning_action(warning_id: int) -> Page:
    return _work(warning_id, add_action)


@bp.post("/warnings/<int:warning_id>/update")
@login_required
def warning_update(warning_id: int) -> Page:
    return _work(warning_id, update_warning)


@bp.post("/warnings/<int:warning_id>/resolve")
@login_required
def warning_resolve(warning_id: int) -> Page:
    return _work(warning_id, resolve_warning)


@bp.get("/loans/<int:loan_id>/warnings/new")
@login_required
def warning_new(loan_id: int) -> str:
    require_role(current_user, *WARNING_RAISER_ROLES)
    loan = get_loan_or_404(current_user, loan_id)
    form = MultiDict({"client_id": str(uuid.uuid4()), "level": "medium"})
    return render_template("postloan/warning_new.html", loan=loan, form=form, errors={}, levels=WARNING_LEVELS)


@bp.post("/loans/<int:loan_id>/warnings")
@login_required
def warning_create(loan_id: int) -> Page:
    require_role(current_user, *WARNING_RAISER_ROLES)
    loan = get_loan_or_404(current_user, loan_id)
    form = request.form
    client_id = parse_uuid(form.get("client_id")) or str(uuid.uuid4())
    try:
        warning = raise_manual_warning(write_context(), loan, form.to_dict(), client_id)
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "postloan/warning_new.html", loan=loan, form=form, errors=errors.beside("detail"), levels=WARNING_LEVELS))
    db.session.commit()
    return finished(url_for("postloan.warning_page", warning_id=warning.id))
