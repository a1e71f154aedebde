"""Completion across people and places: the lead's view per manager, the branch's board per sub-branch with
the overdue list, and the admin's check rules."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from webapp.bank_time import bank_today
from webapp.errors import AppError, Invalid
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import Loan, ScheduledCheck, SubBranch, User
from webapp.pages import Page, finished, form_error
from webapp.postloan.blueprint import bp
from webapp.postloan.completion import Completion, branch_completion, team_completion
from webapp.postloan.rules import (
    DEFAULT_RULES,
    RULE_BOUNDS,
    RULE_FIELDS,
    parse_rule_form,
    rule_for,
    rules_for_branch,
    save_rule,
)
from webapp.postloan.sync import sync_loans
from webapp.roles import ADMIN, BOARD_ROLES, TEAM_LEAD
from webapp.scope import require_role, visible_sub_branch_ids
from webapp.visits.request_context import write_context

OVERDUE_PAGE = 50


def _month(value: str | None, today: date) -> tuple[date, date]:
    """The first day of the chosen month (default: this one) and the last day counted (today at most)."""
    try:
        first = date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, min(following - timedelta(days=1), today)


@bp.get("/team")
@login_required
def team_page() -> str:
    """A lead's team: each manager's open, due and overdue checks and on-time completion this month."""
    require_role(current_user, TEAM_LEAD)
    today = bank_today()
    first, last = _month(request.args.get("month"), today)
    rows = team_completion(current_user, first, last, today)
    overdue = list(db.session.scalars(
        sa.select(ScheduledCheck).join(User, User.id == ScheduledCheck.assignee_id)
        .where(User.team_id == current_user.team_id, ScheduledCheck.sub_branch_id == current_user.sub_branch_id,
               ScheduledCheck.status == "open", ScheduledCheck.due_on < today)
        .options(joinedload(ScheduledCheck.loan).joinedload(Loan.borrower), joinedload(ScheduledCheck.assignee))
        .order_by(ScheduledCheck.due_on, ScheduledCheck.id).limit(200)))
    return render_template("postloan/team.html", rows=rows, overdue=overdue, first=first, last=last, today=today)


@bp.get("/board")
@login_required
def board() -> str:
    """On-time completion per sub-branch for a month (from the tally) and the overdue checks, oldest first."""
    require_role(current_user, *BOARD_ROLES)
    today = bank_today()
    first, last = _month(request.args.get("month"), today)
    sub_ids = visible_sub_branch_ids(current_user)
    names = dict(db.session.execute(sa.select(SubBranch.id, SubBranch.name).where(SubBranch.id.in_(sub_ids))).all())
    rows: list[tuple[str, Completion]] = [(names[sid], c) for sid, c in branch_completion(sub_ids, first, last, today)]
    total = Completion.total([c for _name, c in rows])
    after = request.args.get("after", "")
    overdue = _overdue_page(sub_ids, today, after)
    next_after = _cursor(overdue[OVERDUE_PAGE - 1]) if len(overdue) > OVERDUE_PAGE else None
    context: dict[str, Any] = {"rows": rows, "total": total, "first": first, "last": last, "today": today,
                               "overdue": overdue[:OVERDUE_PAGE], "next_after": next_after}
    if wants_partial() and after:
        return render_template("postloan/_overdue_rows.html", **context)
    return render_template("postloan/board.html", **context)


def _cursor(check: ScheduledCheck) -> str:
    return f"{check.due_on.isoformat()}~{check.id}"


def _overdue_page(sub_ids: list[int], today: date, after: str) -> list[ScheduledCheck]:
    """Open checks past their due date, keyset pages on (due date, id) over the (status, due date) index."""
    query = (sa.select(ScheduledCheck)
             .where(ScheduledCheck.status == "open", ScheduledCheck.due_on < today,
                    ScheduledCheck.sub_branch_id.in_(sub_ids))
             .options(joinedload(ScheduledCheck.loan).joinedload(Loan.borrower), joinedload(ScheduledCheck.assignee))
             .order_by(ScheduledCheck.due_on, ScheduledCheck.id))
    day, _sep, last_id = after.partition("~")
    try:
        cursor = (date.fromisoformat(day), int(last_id))
    except ValueError:
        cursor = None
    if cursor is not None:
        query = query.where(sa.or_(ScheduledCheck.due_on > cursor[0],
                                   sa.and_(ScheduledCheck.due_on == cursor[0], ScheduledCheck.id > cursor[1])))
    return list(db.session.scalars(query.limit(OVERDUE_PAGE + 1)).unique())


# --- rules (admin) ----------------------------------------------------------------------------------------


def _rules_context(errors: dict[str, dict[str, str]] | None = None, forms: dict[str, dict[str, str]] | None = None,
                   saved: str | None = None) -> dict[str, Any]:
    branch_id = current_user.sub_branch.branch_id
    rules = rules_for_branch(branch_id)
    products = sorted(set(db.session.scalars(
        sa.select(Loan.product).join(SubBranch, SubBranch.id == Loan.sub_branch_id)
        .where(SubBranch.branch_id == branch_id).distinct())) | set(rules))
    values = {p: {name: str(getattr(rule_for(rules, p), name)) for name in RULE_FIELDS} for p in products}
    values.update(forms or {})
    return {"products": products, "values": values, "errors": errors or {}, "fields": RULE_FIELDS,
            "bounds": RULE_BOUNDS, "defaults": DEFAULT_RULES, "own": set(rules), "saved": saved}


@bp.get("/rules")
@login_required
def rules_page() -> str:
    require_role(current_user, ADMIN)
    return render_template("postloan/rules.html", **_rules_context(saved=request.args.get("saved")))


@bp.post("/rules")
@login_required
def rules_save() -> Page:
    """Save one product's rules, then recompute the schedules of its loans (done and waived checks stay)."""
    require_role(current_user, ADMIN)
    form = request.form.to_dict()
    product = (form.get("product") or "").strip()
    branch_id = current_user.sub_branch.branch_id
    try:
        if not product or len(product) > 40:
            raise Invalid({"product": _("Choose a product.")}, _("Choose a product."))
        rule = parse_rule_form(form)
        ctx = write_context()
        if save_rule(ctx, branch_id, product, rule):
            loan_ids = db.session.scalars(
                sa.select(Loan.id).join(SubBranch, SubBranch.id == Loan.sub_branch_id)
                .where(SubBranch.branch_id == branch_id, Loan.product == product,
                       Loan.status.in_(("normal", "overdue"))))
            sync_loans(loan_ids, bank_today(ctx.now))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "postloan/rules.html", **_rules_context(errors={product: errors.beside("product")}, forms={product: form})))
    db.session.commit()
    return finished(url_for("postloan.rules_page", saved=product))
