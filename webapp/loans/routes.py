"""Loan book pages: the loans a person may see, one loan with its schedule, and the admin's daily import."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.loans.describe import describe_file_error
from webapp.loans.importer import import_loans
from webapp.loans.reader import read_loan_file
from webapp.loans.rows import REQUIRED, aliases_of
from webapp.models import LOAN_STATUSES, Loan, LoanHistory, LoanImport, RiskWarning, ScheduledCheck
from webapp.postloan.offsite import offsite_records
from webapp.postloan.rules import rule_for, rules_for_branch
from webapp.postloan.schedule import LoanFacts, check_state, planned_checks
from webapp.roles import ADMIN, WARNING_RAISER_ROLES
from webapp.scope import get_loan_or_404, loan_phone_for, require_role, visible_loans
from webapp.text_files import ENCODINGS, FileProblem
from webapp.visits.request_context import write_context

bp = Blueprint("loans", __name__, url_prefix="/loans")

PAGE_SIZE = 50
SHOWN_PROBLEMS = 200
LATER_DAYS = 400


@bp.get("/")
@login_required
def index() -> str:
    """The loans the user may see, newest disbursement first, 50 a page (keyset on the id)."""
    status = request.args.get("status", "")
    query = visible_loans(current_user).options(joinedload(Loan.borrower), joinedload(Loan.manager))
    if status in LOAN_STATUSES:
        query = query.where(Loan.status == status)
    before = request.args.get("before", type=int)
    if before:
        query = query.where(Loan.id < before)
    loans = list(db.session.scalars(query.order_by(Loan.id.desc()).limit(PAGE_SIZE + 1)))
    context = {"loans": loans[:PAGE_SIZE], "status": status, "statuses": LOAN_STATUSES,
               "next_before": loans[PAGE_SIZE - 1].id if len(loans) > PAGE_SIZE else None}
    return render_template("loans/_rows.html" if wants_partial() else "loans/index.html", **context)


@bp.get("/<int:loan_id>")
@login_required
def show(loan_id: int) -> str:
    loan = get_loan_or_404(current_user, loan_id)
    today = bank_today()
    checks = list(db.session.scalars(sa.select(ScheduledCheck).where(ScheduledCheck.loan_id == loan.id)
                                     .order_by(ScheduledCheck.due_on, ScheduledCheck.id)))
    stored = {c.key for c in checks}
    rule = rule_for(rules_for_branch(loan.sub_branch.branch_id), loan.product)
    facts = LoanFacts(loan.disbursed_on, loan.matures_on, loan.term_months, loan.status, loan.overdue_since)
    later = [p for p in planned_checks(facts, rule, today, horizon_days=LATER_DAYS) if p.key not in stored][:12]
    context: dict[str, Any] = {
        "loan": loan, "today": today, "checks": checks, "later": later,
        "states": {c.id: check_state(c.status, c.window_start, c.due_on, today) for c in checks},
        "offsite": offsite_records([c.id for c in checks]),
        "persons": [(p, loan_phone_for(current_user, loan, p.phone)) for p in loan.persons],
        "history": list(db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == loan.id)
                                           .order_by(LoanHistory.as_of.desc()).limit(24))),
        "warnings": list(db.session.scalars(sa.select(RiskWarning).where(RiskWarning.loan_id == loan.id)
                                            .order_by(RiskWarning.raised_at.desc()))),
        "can_raise": current_user.role in WARNING_RAISER_ROLES,
    }
    return render_template("loans/show.html", **context)


# --- the daily import (admin) --------------------------------------------------------------------------


def _import_context(**extra: Any) -> dict[str, Any]:
    recent = list(db.session.scalars(
        sa.select(LoanImport).where(LoanImport.branch_id == current_user.sub_branch.branch_id)
        .order_by(LoanImport.imported_at.desc()).limit(10)))
    context: dict[str, Any] = {
        "encodings": ENCODINGS, "encoding": "auto", "as_of": bank_today().isoformat(), "errors": {},
        "file_error": None, "problems": [], "more_problems": 0, "summary": None, "recent": recent,
        "required": [(name, aliases_of(name)) for name in REQUIRED],
        "max_mb": current_app.config.get("LOAN_IMPORT_MAX_MB", 64),
    }
    context.update(extra)
    return context


def _render_import(code: int = 200, **extra: Any) -> tuple[str, int]:
    template = "loans/_import.html" if wants_partial() else "loans/import.html"
    return render_template(template, **_import_context(**extra)), code


@bp.get("/import")
@login_required
def import_page() -> tuple[str, int]:
    require_role(current_user, ADMIN)
    return _render_import()


@bp.post("/import")
@login_required
def import_post() -> tuple[str, int]:
    require_role(current_user, ADMIN)
    form = request.form
    encoding = form.get("encoding", "auto")
    values: dict[str, Any] = {"encoding": encoding if encoding in ENCODINGS else "auto", "as_of": form.get("as_of", "")}
    errors: dict[str, str] = {}
    try:
        as_of = date.fromisoformat(values["as_of"])
    except ValueError:
        errors["as_of"] = _("Expected a date such as 2026-12-05.")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = _("Choose the day's loan file.")
    if encoding not in ENCODINGS:
        errors["encoding"] = _("Not one of the allowed values.")
    if errors:
        return _render_import(422, errors=errors, **values)
    assert upload is not None
    max_bytes = int(current_app.config.get("LOAN_IMPORT_MAX_MB", 64)) * 1024 * 1024
    try:
        sheet = read_loan_file(upload.read(max_bytes + 1), encoding, max_bytes=max_bytes)
        outcome = import_loans(write_context(), current_user.sub_branch.branch_id, sheet, as_of, source="page",
                               file_name=upload.filename or "")
    except FileProblem as error:
        db.session.rollback()
        return _render_import(422, file_error=describe_file_error(error), **values)
    if not outcome.ok:
        db.session.rollback()
        return _render_import(422, problems=outcome.problems[:SHOWN_PROBLEMS],
                              more_problems=max(0, len(outcome.problems) - SHOWN_PROBLEMS),
                              bad_rows=len({p.row for p in outcome.problems}), **values)
    db.session.commit()
    return _render_import(summary=outcome.summary, **values)
