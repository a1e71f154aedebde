"""Scope for collection (webapp.collection): cases, overdue reports, committee actions and meetings."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import (
    CollectionCase,
    CommitteeAction,
    CommitteeDecision,
    CommitteeMeeting,
    OverdueReport,
    PermissionGrant,
    ReportAttachment,
    SubBranch,
    SubBranchHead,
    User,
)
from webapp.roles import BRANCH_WIDE_ROLES, COMMITTEE_DEFAULT_ROLES, TEAM_LEAD
from webapp.scope.core import one_or_404, visible_sub_branch_ids


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
    if user.role == TEAM_LEAD and user.team_id is not None:
        team_members = sa.select(User.id).where(User.team_id == user.team_id)
        conditions.append(sa.and_(CollectionCase.sub_branch_id == user.sub_branch_id,
                                  CollectionCase.owner_id.in_(team_members)))
    headed = headed_sub_branch_ids(user)
    if headed:
        conditions.append(CollectionCase.sub_branch_id.in_(headed))
    return sa.and_(CollectionCase.sub_branch_id.in_(branch_subs), sa.or_(*conditions))


def visible_cases(user: User) -> sa.Select[CollectionCase]:
    return sa.select(CollectionCase).where(case_condition(user))


def get_case_or_404(user: User, case_id: int) -> CollectionCase:
    return one_or_404(visible_cases(user).where(CollectionCase.id == case_id))


def leads_case(user: User, case: CollectionCase) -> bool:
    return (user.role == TEAM_LEAD and user.team_id is not None and case.owner.team_id == user.team_id
            and case.owner.sub_branch_id == user.sub_branch_id)


def can_work_case(user: User, case: CollectionCase) -> bool:
    """Who contacts the customer and writes on the case: its owner and the owner's team lead."""
    return case.owner_id == user.id or leads_case(user, case)


def case_phone_for(user: User, case: CollectionCase, phone: str) -> str:
    """Phones on the customer file: raw for the case owner and their team lead only."""
    return phone if can_work_case(user, case) else mask_phone(phone)


def get_report_or_404(user: User, report_id: int) -> OverdueReport:
    """A report is visible exactly when its case is."""
    return one_or_404(sa.select(OverdueReport).join(CollectionCase, CollectionCase.id == OverdueReport.case_id)
                      .where(OverdueReport.id == report_id, case_condition(user)))


def visible_overdue_report_ids(user: User, report_ids: set[str]) -> set[str]:
    """Of these overdue report ids (as text), those whose case `user` may open (as get_report_or_404)."""
    ids = {int(r) for r in report_ids if r.isdigit() and len(r) < 10}
    if not ids:
        return set()
    return {str(i) for i in db.session.scalars(
        sa.select(OverdueReport.id).join(CollectionCase, CollectionCase.id == OverdueReport.case_id)
        .where(OverdueReport.id.in_(ids), case_condition(user)))}


def get_action_or_404(user: User, action_id: int) -> CommitteeAction:
    """An action is visible with its case, and to the person it was assigned to."""
    return one_or_404(
        sa.select(CommitteeAction).join(CollectionCase, CollectionCase.id == CommitteeAction.case_id)
        .where(CommitteeAction.id == action_id,
               sa.or_(case_condition(user), sa.and_(CommitteeAction.owner_id == user.id,
                                                    CollectionCase.sub_branch_id.in_(visible_sub_branch_ids(user))))))


def get_meeting_or_404(user: User, meeting_id: int) -> CommitteeMeeting:
    """Committee records: only those who record them (403 for the others), only of their branch (404)."""
    require_committee_recorder(user)
    return one_or_404(sa.select(CommitteeMeeting).where(
        CommitteeMeeting.id == meeting_id, CommitteeMeeting.branch_id == user.sub_branch.branch_id))


def get_attachment_or_404(report: OverdueReport, attachment_id: int) -> ReportAttachment:
    """An attachment of a report the caller already loaded through the scope."""
    return one_or_404(sa.select(ReportAttachment).where(ReportAttachment.id == attachment_id,
                                                        ReportAttachment.report_id == report.id))


def get_meeting_decision_or_404(meeting: CommitteeMeeting, case_id: int) -> CommitteeDecision:
    """The decision on one case presented at a meeting the caller already loaded through the scope."""
    return one_or_404(sa.select(CommitteeDecision).where(CommitteeDecision.meeting_id == meeting.id,
                                                         CommitteeDecision.case_id == case_id))
