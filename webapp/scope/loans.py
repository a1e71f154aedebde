"""Scope for the loan book and post-loan work (webapp.loans, webapp.postloan): loans, their checks and risk
warnings, and the phones of a loan's related persons."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import CheckReport, Loan, RiskWarning, ScheduledCheck, User
from webapp.roles import BRANCH_WIDE_ROLES, MANAGER, TEAM_LEAD
from webapp.scope.core import one_or_404, visible_sub_branch_ids

# The loan book and post-loan checks (webapp.loans, webapp.postloan)


def loan_condition(user: User) -> ColumnElement[bool]:
    """A manager sees the loans they are responsible for; a team lead their team's; reviewers and admins their
    branch. Checks, reports and warnings are visible exactly when their loan is."""
    in_sub_branches = Loan.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.role == TEAM_LEAD and user.team_id is not None:
        team_members = sa.select(User.id).where(User.team_id == user.team_id)
        return sa.and_(in_sub_branches, Loan.manager_id.in_(team_members))
    return sa.and_(in_sub_branches, Loan.manager_id == user.id)


def visible_loans(user: User) -> sa.Select[Loan]:
    return sa.select(Loan).where(loan_condition(user))


def get_loan_or_404(user: User, loan_id: int) -> Loan:
    return one_or_404(visible_loans(user).where(Loan.id == loan_id))


def check_condition(user: User) -> ColumnElement[bool]:
    """A check is visible with its loan (the caller joins Loan), and to the person it is assigned to."""
    return sa.or_(loan_condition(user), sa.and_(ScheduledCheck.assignee_id == user.id,
                                                 ScheduledCheck.sub_branch_id.in_(visible_sub_branch_ids(user))))


def get_check_or_404(user: User, check_id: int) -> ScheduledCheck:
    return one_or_404(
        sa.select(ScheduledCheck).join(Loan, Loan.id == ScheduledCheck.loan_id)
        .where(ScheduledCheck.id == check_id, check_condition(user)))


def visible_check_report_ids(user: User, report_ids: set[str]) -> set[str]:
    """Of these post-loan report ids (as text), those whose check `user` may open: evidence of a copied report
    shows the other text only to a reader of it."""
    ids = {int(r) for r in report_ids if r.isdigit() and len(r) < 10}
    if not ids:
        return set()
    return {str(i) for i in db.session.scalars(
        sa.select(CheckReport.id).join(ScheduledCheck, ScheduledCheck.id == CheckReport.check_id)
        .join(Loan, Loan.id == ScheduledCheck.loan_id).where(CheckReport.id.in_(ids), check_condition(user)))}


def get_warning_or_404(user: User, warning_id: int) -> RiskWarning:
    """A warning is visible with its loan, and to the person who owns it (a lead given a high warning)."""
    return one_or_404(
        sa.select(RiskWarning).join(Loan, Loan.id == RiskWarning.loan_id)
        .where(RiskWarning.id == warning_id, sa.or_(loan_condition(user), sa.and_(
            RiskWarning.owner_id == user.id, RiskWarning.sub_branch_id.in_(visible_sub_branch_ids(user))))))


def can_see_raw_loan_phone(user: User, loan: Loan) -> bool:
    """Related persons' phones, like merchant phones: raw for the loan's manager and the lead of their team."""
    if user.role == MANAGER:
        return loan.manager_id == user.id
    if user.role == TEAM_LEAD:
        return user.team_id is not None and loan.manager.team_id == user.team_id
    return False


def loan_phone_for(user: User, loan: Loan, phone: str) -> str:
    return phone if can_see_raw_loan_phone(user, loan) else mask_phone(phone)
