"""The post-loan report (贷后检查报告) of one check: assembled from the check's records (the visit's checklist
and photos, or the off-site record), the book's repayment history and the warnings the check raised, with the
manager's conclusion and proposed five-level classification (五级分类)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.integrity.reports import POST_LOAN_REPORT, check_report
from webapp.models import (
    CLASSIFICATIONS,
    CheckReport,
    Loan,
    LoanHistory,
    OffsiteCheck,
    Photo,
    RiskWarning,
    ScheduledCheck,
    SubBranch,
    Visit,
)
from webapp.roles import FIELD_ROLES, MANAGER
from webapp.write_kernel import FieldErrors, Forbidden, WriteContext

MAX_CONCLUSION = 4000
HISTORY_ROWS = 12


@dataclass
class ReportData:
    check: ScheduledCheck
    loan: Loan
    visit: Visit | None
    checklist: dict[str, Any]
    post_loan: dict[str, Any]
    photos: list[Photo]
    previous_inventory: list[Photo]
    offsite: OffsiteCheck | None
    history: list[LoanHistory]
    warnings: list[RiskWarning]
    report: CheckReport | None
    extra: dict[str, Any] = field(default_factory=dict)


def visit_body(visit: Visit) -> dict[str, Any]:
    """The visit's current body (the version row keeps what was sent, including the post-loan part)."""
    from webapp.models import VisitVersion

    version = db.session.scalar(sa.select(VisitVersion).where(VisitVersion.visit_id == visit.id,
                                                              VisitVersion.version == visit.version))
    return version.body if version is not None else {}


def _previous_inventory(visit: Visit) -> list[Photo]:
    earlier = db.session.scalar(
        sa.select(Visit).where(Visit.merchant_id == visit.merchant_id, Visit.kind == "post_loan",
                               Visit.id != visit.id, Visit.started_at < visit.started_at,
                               Visit.id.in_(sa.select(Photo.visit_id).where(Photo.category == "inventory")))
        .order_by(Visit.started_at.desc()).limit(1))
    return [p for p in earlier.photos if p.category == "inventory"] if earlier is not None else []


def report_data(check: ScheduledCheck) -> ReportData:
    loan = check.loan
    visit = check.visit
    body = visit_body(visit) if visit is not None else {}
    offsite = db.session.scalar(sa.select(OffsiteCheck).where(OffsiteCheck.check_id == check.id))
    sources = [RiskWarning.visit_id == visit.id] if visit is not None else []
    if offsite is not None:
        sources.append(RiskWarning.source_key.like(f"offsite:{offsite.id}:%"))
    warnings = list(db.session.scalars(sa.select(RiskWarning).where(RiskWarning.loan_id == loan.id, sa.or_(*sources))
                                       .order_by(RiskWarning.id))) if sources else []
    history = list(db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == loan.id)
                                      .order_by(LoanHistory.as_of.desc()).limit(HISTORY_ROWS)))
    report = db.session.scalar(sa.select(CheckReport).where(CheckReport.check_id == check.id))
    return ReportData(
        check=check, loan=loan, visit=visit, checklist=(body.get("outcome") or {}).get("checklist") or {},
        post_loan=body.get("post_loan") or {}, photos=list(visit.photos) if visit is not None else [],
        previous_inventory=_previous_inventory(visit) if visit is not None else [], offsite=offsite,
        history=history, warnings=warnings, report=report,
    )


def put_report(ctx: WriteContext, check: ScheduledCheck, form: dict[str, Any]) -> CheckReport:
    """Write (or rewrite) the report of a done check: the manager's conclusion and proposed classification."""
    actor = ctx.actor
    if actor.role not in FIELD_ROLES or (actor.role == MANAGER and actor.id != check.loan.manager_id
                                         and actor.id != check.done_by_id):
        raise Forbidden(_("Only the loan's customer manager or their team lead writes the report."))
    errors = FieldErrors()
    conclusion = form.get("conclusion")
    text = conclusion.strip() if isinstance(conclusion, str) else ""
    if not text or "\x00" in text:
        errors.add("conclusion", _("Write the conclusion of the check."))
    elif len(text) > MAX_CONCLUSION:
        errors.add("conclusion", _("At most %(limit)d characters.", limit=MAX_CONCLUSION))
    classification = form.get("classification")
    if classification not in CLASSIFICATIONS:
        errors.add("classification", _("Propose one of the five classes."))
    errors.raise_if_any()
    if check.status != "done":
        errors.fail("conclusion", _("The report is written once the check is done."))
    assert isinstance(classification, str)
    report = db.session.scalar(sa.select(CheckReport).where(CheckReport.check_id == check.id))
    if report is None:
        report = CheckReport(check_id=check.id, author_id=actor.id, conclusion=text, classification=classification,
                             written_at=ctx.now)
        db.session.add(report)
    else:
        report.author_id, report.conclusion, report.classification, report.written_at = (
            actor.id, text, classification, ctx.now)
    db.session.flush()
    # A near copy of another report (another loan's, another manager's, a visit note) is flagged; the notes of
    # this check's own visit are the same manager's words for the same shop and never count.
    branch_id = db.session.scalar(sa.select(SubBranch.branch_id).where(SubBranch.id == check.sub_branch_id))
    check_report(POST_LOAN_REPORT, str(report.id), text, branch_id=branch_id or 0, written_at=ctx.now,
                 sub_branch_id=check.sub_branch_id, author_id=actor.id, visit_id=check.visit_id)
    return report
