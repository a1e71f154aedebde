"""The one place that decides what a user may see.

Every query that lists or loads scoped records starts here. Out of scope answers 404, exactly like
a record that does not exist, so that ids cannot be probed.

The rules (DOMAIN.md): data belongs to a sub-branch; nobody sees another branch.
- manager: the merchants of their sub-branch (to visit prospects on any street of it); the raw contact
  phone only of merchants they own.
- team_lead: the merchants of their sub-branch; raw phones of merchants owned by their team.
- reviewer, admin: everything in their branch, phones masked.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import (
    CollectionCase,
    CommitteeAction,
    CommitteeMeeting,
    Loan,
    Merchant,
    OverdueReport,
    PermissionGrant,
    Photo,
    ReviewSample,
    RiskWarning,
    ScheduledCheck,
    SubBranch,
    SubBranchHead,
    SweepDay,
    Team,
    User,
    Visit,
    VisitFlag,
)

BRANCH_WIDE_ROLES = ("reviewer", "admin")


def visible_sub_branch_ids(user: User) -> list[int]:
    """Sub-branches whose data the user may see."""
    if user.role in BRANCH_WIDE_ROLES:
        return list(
            db.session.scalars(sa.select(SubBranch.id).where(SubBranch.branch_id == user.sub_branch.branch_id))
        )
    return [user.sub_branch_id]


def merchant_condition(user: User) -> ColumnElement[bool]:
    return Merchant.sub_branch_id.in_(visible_sub_branch_ids(user))


def visible_merchants(user: User) -> sa.Select[tuple[Merchant]]:
    return sa.select(Merchant).where(merchant_condition(user))


def get_merchant_or_404(user: User, merchant_id: int) -> Merchant:
    merchant = db.session.scalar(visible_merchants(user).where(Merchant.id == merchant_id))
    if merchant is None:
        abort(404)
    return merchant


def visible_users(user: User) -> sa.Select[tuple[User]]:
    """People the user may see by name: colleagues of the sub-branch, or the branch for branch-wide roles."""
    return sa.select(User).where(User.sub_branch_id.in_(visible_sub_branch_ids(user)))


def visible_teams(user: User) -> sa.Select[tuple[Team]]:
    return sa.select(Team).where(Team.sub_branch_id.in_(visible_sub_branch_ids(user)))


def can_see_raw_phone(user: User, merchant: Merchant) -> bool:
    """Only those who call the merchant: its owner, and the lead of the owner's team."""
    if merchant.owner_id is None:
        return False
    if user.role == "manager":
        return merchant.owner_id == user.id
    if user.role == "team_lead":
        owner = merchant.owner
        return owner is not None and owner.team_id is not None and owner.team_id == user.team_id
    return False


def merchant_phone_for(user: User, merchant: Merchant) -> str:
    """The phone as this user may see it: the raw value never leaves the server for the others."""
    return merchant.phone if can_see_raw_phone(user, merchant) else mask_phone(merchant.phone)


def require_role(user: User, *roles: str) -> None:
    """403 for a page the role may not use at all (objects out of scope are 404, not this)."""
    if user.role not in roles:
        abort(403)


def visit_condition(user: User) -> ColumnElement[bool]:
    """A manager sees their own visits and their squads'; a team lead their team's; reviewers and admins
    their branch. Always inside the sub-branches the user may see."""
    in_sub_branches = Visit.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.role == "team_lead" and user.team_id is not None:
        team_members = sa.select(User.id).where(User.team_id == user.team_id)
        return sa.and_(
            in_sub_branches,
            sa.or_(
                Visit.lead_id.in_(team_members),
                Visit.support_id.in_(team_members),
                Visit.observer_id.in_(team_members),
            ),
        )
    return sa.and_(
        in_sub_branches,
        sa.or_(
            Visit.lead_id == user.id,
            Visit.support_id == user.id,
            Visit.observer_id == user.id,
            Visit.created_by_id == user.id,
        ),
    )


def visible_visits(user: User) -> sa.Select[tuple[Visit]]:
    return sa.select(Visit).where(visit_condition(user))


def get_visit_or_404(user: User, visit_id: str) -> Visit:
    visit = db.session.scalar(visible_visits(user).where(Visit.id == visit_id))
    if visit is None:
        abort(404)
    return visit


def get_photo_or_404(user: User, photo_id: str) -> Photo:
    """A photo is visible exactly when its visit is."""
    photo = db.session.scalar(
        sa.select(Photo).join(Visit, Photo.visit_id == Visit.id).where(Photo.id == photo_id, visit_condition(user))
    )
    if photo is None:
        abort(404)
    return photo


# Sweep days (拓展拜访日)


def sweep_day_condition(user: User) -> ColumnElement[bool]:
    """Branch-wide roles see their branch's sweep days; a team lead and the managers see their own team's,
    the work they share at the morning and evening meetings."""
    in_sub_branches = SweepDay.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.team_id is None:
        return sa.false()
    return sa.and_(in_sub_branches, SweepDay.team_id == user.team_id)


def visible_sweep_days(user: User) -> sa.Select[tuple[SweepDay]]:
    return sa.select(SweepDay).where(sweep_day_condition(user))


def get_sweep_day_or_404(user: User, sweep_day_id: int) -> SweepDay:
    """A sweep day the user may look at (board, summary, export); 404 when out of scope."""
    sweep_day = db.session.scalar(visible_sweep_days(user).where(SweepDay.id == sweep_day_id))
    if sweep_day is None:
        abort(404)
    return sweep_day


def get_plannable_sweep_day_or_404(user: User, sweep_day_id: int) -> SweepDay:
    """A sweep day the user may change: only team leads plan (403 for other roles), and only their team's (404)."""
    require_role(user, "team_lead")
    return get_sweep_day_or_404(user, sweep_day_id)


def sweep_team_members(user: User) -> sa.Select[tuple[User]]:
    """Who a team lead can put in squads: the enabled managers and leads of the lead's own team."""
    if user.team_id is None:
        return sa.select(User).where(sa.false())
    return (
        sa.select(User)
        .where(
            User.team_id == user.team_id,
            User.sub_branch_id == user.sub_branch_id,
            User.is_enabled.is_(True),
            User.role.in_(("manager", "team_lead")),
        )
        .order_by(User.username)
    )


# Branch review (webapp.review)

REVIEW_ROLES = ("reviewer", "team_lead")


def require_reviewer(user: User) -> None:
    """Reviewers review their branch, team leads their team; managers and admins get 403."""
    require_role(user, *REVIEW_ROLES)


def get_reviewable_visit_or_404(user: User, visit_id: str) -> Visit:
    """A visit on the review pages: 403 for a role that never reviews, 404 for a visit out of scope."""
    require_reviewer(user)
    return get_visit_or_404(user, visit_id)


def get_visit_flag_or_404(visit: Visit, flag_id: int) -> VisitFlag:
    """A flag of a visit the caller already loaded through the scope."""
    flag = db.session.scalar(sa.select(VisitFlag).where(VisitFlag.id == flag_id, VisitFlag.visit_id == visit.id))
    if flag is None:
        abort(404)
    return flag


def sample_condition(user: User) -> ColumnElement[bool]:
    """A reviewer sees the samples of their branch; a team lead those of their team; nobody another branch's."""
    if user.role in REVIEW_ROLES and user.role in BRANCH_WIDE_ROLES:
        return ReviewSample.branch_id == user.sub_branch.branch_id
    if user.role == "team_lead" and user.team_id is not None:
        return sa.and_(ReviewSample.branch_id == user.sub_branch.branch_id, ReviewSample.team_id == user.team_id)
    return sa.false()


def visible_samples(user: User) -> sa.Select[tuple[ReviewSample]]:
    return sa.select(ReviewSample).where(sample_condition(user))


def get_sample_or_404(user: User, sample_id: int) -> ReviewSample:
    require_reviewer(user)
    sample = db.session.scalar(visible_samples(user).where(ReviewSample.id == sample_id))
    if sample is None:
        abort(404)
    return sample


# The loan book and post-loan checks (webapp.loans, webapp.postloan)


def loan_condition(user: User) -> ColumnElement[bool]:
    """A manager sees the loans they are responsible for; a team lead their team's; reviewers and admins their
    branch. Checks, reports and warnings are visible exactly when their loan is."""
    in_sub_branches = Loan.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.role == "team_lead" and user.team_id is not None:
        team_members = sa.select(User.id).where(User.team_id == user.team_id)
        return sa.and_(in_sub_branches, Loan.manager_id.in_(team_members))
    return sa.and_(in_sub_branches, Loan.manager_id == user.id)


def visible_loans(user: User) -> sa.Select[tuple[Loan]]:
    return sa.select(Loan).where(loan_condition(user))


def get_loan_or_404(user: User, loan_id: int) -> Loan:
    loan = db.session.scalar(visible_loans(user).where(Loan.id == loan_id))
    if loan is None:
        abort(404)
    return loan


def check_condition(user: User) -> ColumnElement[bool]:
    """A check is visible with its loan (the caller joins Loan), and to the person it is assigned to."""
    return sa.or_(loan_condition(user), sa.and_(ScheduledCheck.assignee_id == user.id,
                                                 ScheduledCheck.sub_branch_id.in_(visible_sub_branch_ids(user))))


def get_check_or_404(user: User, check_id: int) -> ScheduledCheck:
    check = db.session.scalar(
        sa.select(ScheduledCheck).join(Loan, Loan.id == ScheduledCheck.loan_id)
        .where(ScheduledCheck.id == check_id, check_condition(user)))
    if check is None:
        abort(404)
    return check


def get_warning_or_404(user: User, warning_id: int) -> RiskWarning:
    warning = db.session.scalar(
        sa.select(RiskWarning).join(Loan, Loan.id == RiskWarning.loan_id)
        .where(RiskWarning.id == warning_id, sa.or_(loan_condition(user), sa.and_(
            RiskWarning.owner_id == user.id, RiskWarning.sub_branch_id.in_(visible_sub_branch_ids(user))))))
    if warning is None:
        abort(404)
    return warning


def can_see_raw_loan_phone(user: User, loan: Loan) -> bool:
    """Related persons' phones, like merchant phones: raw for the loan's manager and the lead of their team."""
    if user.role == "manager":
        return loan.manager_id == user.id
    if user.role == "team_lead":
        return user.team_id is not None and loan.manager.team_id == user.team_id
    return False


def loan_phone_for(user: User, loan: Loan, phone: str) -> str:
    return phone if can_see_raw_loan_phone(user, loan) else mask_phone(phone)


# Collection (webapp.collection): cases, overdue reports, the credit committee. Who records committee
# decisions: the roles below, unless the admin grants or withdraws it person by person.
COMMITTEE_DEFAULT_ROLES = ("reviewer",)


def can_record_committee(user: User) -> bool:
    """The admin's grant decides; without one, the role's default (branch reviewers)."""
    granted = db.session.scalar(sa.select(PermissionGrant.granted).where(
        PermissionGrant.user_id == user.id, PermissionGrant.permission == "record_committee"))
    return bool(granted) if granted is not None else user.role in COMMITTEE_DEFAULT_ROLES


def require_committee_recorder(user: User) -> None:
    if not can_record_committee(user):
        abort(403)


def headed_sub_branch_ids(user: User) -> list[int]:
    return list(db.session.scalars(sa.select(SubBranchHead.sub_branch_id).where(SubBranchHead.user_id == user.id)))


def case_condition(user: User) -> ColumnElement[bool]:
    """A manager sees the cases they own; a team lead their team's; a sub-branch head their sub-branch's;
    reviewers, admins and committee recorders their branch."""
    branch_subs = sa.select(SubBranch.id).where(SubBranch.branch_id == user.sub_branch.branch_id)
    if user.role in BRANCH_WIDE_ROLES or can_record_committee(user):
        return CollectionCase.sub_branch_id.in_(branch_subs)
    conditions: list[ColumnElement[bool]] = [CollectionCase.owner_id == user.id]
    if user.role == "team_lead" and user.team_id is not None:
        team_members = sa.select(User.id).where(User.team_id == user.team_id)
        conditions.append(sa.and_(CollectionCase.sub_branch_id == user.sub_branch_id,
                                  CollectionCase.owner_id.in_(team_members)))
    headed = headed_sub_branch_ids(user)
    if headed:
        conditions.append(CollectionCase.sub_branch_id.in_(headed))
    return sa.and_(CollectionCase.sub_branch_id.in_(branch_subs), sa.or_(*conditions))


def visible_cases(user: User) -> sa.Select[CollectionCase]:
    return sa.select(CollectionCase).where(case_condition(user))


def _one_or_404(query: sa.Select[Any]) -> Any:
    if (found := db.session.scalar(query)) is None:
        abort(404)
    return found


def get_case_or_404(user: User, case_id: int) -> CollectionCase:
    case: CollectionCase = _one_or_404(visible_cases(user).where(CollectionCase.id == case_id))
    return case


def leads_case(user: User, case: CollectionCase) -> bool:
    return (user.role == "team_lead" and user.team_id is not None and case.owner.team_id == user.team_id
            and case.owner.sub_branch_id == user.sub_branch_id)


def can_work_case(user: User, case: CollectionCase) -> bool:
    """Who contacts the customer and writes on the case: its owner and the owner's team lead."""
    return case.owner_id == user.id or leads_case(user, case)


def case_phone_for(user: User, case: CollectionCase, phone: str) -> str:
    """Phones on the customer file: raw for the case owner and their team lead only."""
    return phone if can_work_case(user, case) else mask_phone(phone)


def get_report_or_404(user: User, report_id: int) -> OverdueReport:
    """A report is visible exactly when its case is."""
    report: OverdueReport = _one_or_404(sa.select(OverdueReport).join(
        CollectionCase, CollectionCase.id == OverdueReport.case_id).where(OverdueReport.id == report_id,
                                                                          case_condition(user)))
    return report


def get_action_or_404(user: User, action_id: int) -> CommitteeAction:
    """An action is visible with its case, and to the person it was assigned to."""
    action: CommitteeAction = _one_or_404(
        sa.select(CommitteeAction).join(CollectionCase, CollectionCase.id == CommitteeAction.case_id)
        .where(CommitteeAction.id == action_id,
               sa.or_(case_condition(user), sa.and_(CommitteeAction.owner_id == user.id,
                                                    CollectionCase.sub_branch_id.in_(visible_sub_branch_ids(user))))))
    return action


def get_meeting_or_404(user: User, meeting_id: int) -> CommitteeMeeting:
    """Committee records: only those who record them (403 for the others), only of their branch (404)."""
    require_committee_recorder(user)
    meeting: CommitteeMeeting = _one_or_404(sa.select(CommitteeMeeting).where(
        CommitteeMeeting.id == meeting_id, CommitteeMeeting.branch_id == user.sub_branch.branch_id))
    return meeting
