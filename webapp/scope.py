"""The one place that decides what a user may see.

Every query that lists or loads scoped records starts here. Out of scope answers 404, exactly like
a record that does not exist, so that ids cannot be probed.

The rules: data belongs to a sub-branch; nobody sees another branch.
- manager: the merchants of their sub-branch (to visit prospects on any street of it); the raw contact
  phone only of merchants they own.
- team_lead: the merchants of their sub-branch; raw phones of merchants owned by their team.
- reviewer, admin: everything in their branch, phones masked.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import (
    IncentiveScheme,
    LocationProposal,
    MeetingItem,
    Merchant,
    PerformanceTalk,
    Photo,
    ReviewSample,
    StudySession,
    SubBranch,
    SweepDay,
    TalkAction,
    Team,
    TeamBrief,
    TeamBriefPhoto,
    User,
    Visit,
    VisitFlag,
)
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, MANAGER, REVIEW_ROLES, TEAM_LEAD

_RowT = TypeVar("_RowT")


def one_or_404(statement: sa.Select[_RowT]) -> _RowT:
    """The one record the statement finds, or 404: out of scope and missing are never told apart."""
    found = db.session.scalar(statement)
    if found is None:
        abort(404)
    return found


def visible_sub_branch_ids(user: User) -> list[int]:
    """Sub-branches whose data the user may see."""
    if user.role in BRANCH_WIDE_ROLES:
        return list(
            db.session.scalars(sa.select(SubBranch.id).where(SubBranch.branch_id == user.sub_branch.branch_id))
        )
    return [user.sub_branch_id]


def merchant_condition(user: User) -> ColumnElement[bool]:
    return Merchant.sub_branch_id.in_(visible_sub_branch_ids(user))


def visible_merchants(user: User) -> sa.Select[Merchant]:
    return sa.select(Merchant).where(merchant_condition(user))


def get_merchant_or_404(user: User, merchant_id: int) -> Merchant:
    return one_or_404(visible_merchants(user).where(Merchant.id == merchant_id))


def visible_users(user: User) -> sa.Select[User]:
    """People the user may see by name: colleagues of the sub-branch, or the branch for branch-wide roles."""
    return sa.select(User).where(User.sub_branch_id.in_(visible_sub_branch_ids(user)))


def visible_teams(user: User) -> sa.Select[Team]:
    return sa.select(Team).where(Team.sub_branch_id.in_(visible_sub_branch_ids(user)))


def get_user_or_404(user: User, user_id: int) -> User:
    return one_or_404(visible_users(user).where(User.id == user_id))


def get_sub_branch_or_404(user: User, sub_branch_id: int) -> SubBranch:
    sub_branch = db.session.get(SubBranch, sub_branch_id) if sub_branch_id in visible_sub_branch_ids(user) else None
    if sub_branch is None:
        abort(404)
    return sub_branch


def get_team_or_404(user: User, team_id: int) -> Team:
    return one_or_404(visible_teams(user).where(Team.id == team_id))


def get_proposal_or_404(user: User, proposal_id: int) -> LocationProposal:
    """Scoped through its merchant: a proposal whose merchant the user cannot see does not exist for them."""
    return one_or_404(
        sa.select(LocationProposal).join(Merchant, LocationProposal.merchant_id == Merchant.id)
        .where(LocationProposal.id == proposal_id, merchant_condition(user))
    )


def can_see_raw_phone(user: User, merchant: Merchant) -> bool:
    """Only those who call the merchant: its owner, and the lead of the owner's team."""
    if merchant.owner_id is None:
        return False
    if user.role == MANAGER:
        return merchant.owner_id == user.id
    if user.role == TEAM_LEAD:
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
    if user.role == TEAM_LEAD and user.team_id is not None:
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


def visible_visit_ids(user: User, visit_ids: Iterable[str]) -> set[str]:
    """Which of these visits the user may open: evidence names other visits, and a reader learns only the ids
    of those (the rest are counted: webapp.visits.evidence_view, webapp.integrity.evidence)."""
    wanted = {v for v in visit_ids if v}
    if not wanted:
        return set()
    return set(db.session.scalars(sa.select(Visit.id).where(Visit.id.in_(wanted), visit_condition(user))))


def visible_visits(user: User) -> sa.Select[Visit]:
    return sa.select(Visit).where(visit_condition(user))


def get_visit_or_404(user: User, visit_id: str) -> Visit:
    return one_or_404(visible_visits(user).where(Visit.id == visit_id))


def get_photo_or_404(user: User, photo_id: str) -> Photo:
    """A photo is visible exactly when its visit is."""
    return one_or_404(
        sa.select(Photo).join(Visit, Photo.visit_id == Visit.id).where(Photo.id == photo_id, visit_condition(user))
    )


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


def visible_sweep_days(user: User) -> sa.Select[SweepDay]:
    return sa.select(SweepDay).where(sweep_day_condition(user))


def get_sweep_day_or_404(user: User, sweep_day_id: int) -> SweepDay:
    """A sweep day the user may look at (board, summary, export); 404 when out of scope."""
    return one_or_404(visible_sweep_days(user).where(SweepDay.id == sweep_day_id))


def get_plannable_sweep_day_or_404(user: User, sweep_day_id: int) -> SweepDay:
    """A sweep day the user may change: only team leads plan (403 for other roles), and only their team's (404)."""
    require_role(user, TEAM_LEAD)
    return get_sweep_day_or_404(user, sweep_day_id)


def sweep_team_members(user: User) -> sa.Select[User]:
    """Who a team lead can put in squads: the enabled managers and leads of the lead's own team."""
    if user.team_id is None:
        return sa.select(User).where(sa.false())
    return (
        sa.select(User)
        .where(
            User.team_id == user.team_id,
            User.sub_branch_id == user.sub_branch_id,
            User.is_enabled.is_(True),
            User.role.in_(FIELD_ROLES),
        )
        .order_by(User.username)
    )


# Branch review (webapp.review)



def require_reviewer(user: User) -> None:
    """Reviewers review their branch, team leads their team; managers and admins get 403."""
    require_role(user, *REVIEW_ROLES)


def get_reviewable_visit_or_404(user: User, visit_id: str) -> Visit:
    """A visit on the review pages: 403 for a role that never reviews, 404 for a visit out of scope."""
    require_reviewer(user)
    return get_visit_or_404(user, visit_id)


def get_visit_flag_or_404(visit: Visit, flag_id: int) -> VisitFlag:
    """A flag of a visit the caller already loaded through the scope."""
    return one_or_404(sa.select(VisitFlag).where(VisitFlag.id == flag_id, VisitFlag.visit_id == visit.id))


def sample_condition(user: User) -> ColumnElement[bool]:
    """A reviewer sees the samples of their branch; a team lead those of their team; nobody another branch's."""
    if user.role in REVIEW_ROLES and user.role in BRANCH_WIDE_ROLES:
        return ReviewSample.branch_id == user.sub_branch.branch_id
    if user.role == TEAM_LEAD and user.team_id is not None:
        return sa.and_(ReviewSample.branch_id == user.sub_branch.branch_id, ReviewSample.team_id == user.team_id)
    return sa.false()


def visible_samples(user: User) -> sa.Select[ReviewSample]:
    return sa.select(ReviewSample).where(sample_condition(user))


def get_sample_or_404(user: User, sample_id: int) -> ReviewSample:
    require_reviewer(user)
    return one_or_404(visible_samples(user).where(ReviewSample.id == sample_id))


# Meetings, metrics, people and learning (webapp.meetings, webapp.metrics)


def board_team_condition(user: User) -> ColumnElement[bool]:
    """The teams whose meeting boards a user opens: a lead and the managers their own team (the lead runs the
    meetings, the managers take part); reviewers and admins every team of their branch, to read."""
    in_sub_branches = Team.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.team_id is None:
        return sa.false()
    return sa.and_(in_sub_branches, Team.id == user.team_id)


def board_teams(user: User) -> sa.Select[Team]:
    return sa.select(Team).where(board_team_condition(user)).order_by(Team.sub_branch_id, Team.name)


def get_board_team_or_404(user: User, team_id: int) -> Team:
    return one_or_404(board_teams(user).where(Team.id == team_id))


def board_people(team: Team) -> sa.Select[User]:
    """Whose figures a team's boards show: its enabled managers and leads (the lead visits too)."""
    return (sa.select(User)
            .where(User.team_id == team.id, User.sub_branch_id == team.sub_branch_id,
                   User.is_enabled.is_(True), User.role.in_(FIELD_ROLES))
            .order_by(User.role.desc(), User.username))


def figure_people_condition(user: User) -> ColumnElement[bool]:
    """People whose figures a user may see: their board teams' people, or the branch's for branch-wide roles."""
    if user.role in BRANCH_WIDE_ROLES:
        return User.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.team_id is None:
        return User.id == user.id
    return sa.and_(User.team_id == user.team_id, User.sub_branch_id == user.sub_branch_id)


def get_figure_person_or_404(user: User, person_id: int) -> User:
    return one_or_404(sa.select(User).where(User.id == person_id, figure_people_condition(user)))


def meeting_item_condition(user: User) -> ColumnElement[bool]:
    """A team's item is seen with the team's boards; a branch-wide item by everyone in the branch."""
    return sa.and_(MeetingItem.branch_id == user.sub_branch.branch_id,
                   sa.or_(MeetingItem.team_id.is_(None),
                          MeetingItem.team_id.in_(sa.select(Team.id).where(board_team_condition(user)))))


def shared_item_condition(user: User) -> ColumnElement[bool]:
    """The shares listed under learning (who shared what): the branch's own and those of the sub-branches the user
    sees, whichever team made them (a share is for the whole sub-branch to learn from)."""
    return sa.and_(MeetingItem.branch_id == user.sub_branch.branch_id, MeetingItem.shared_by_id.is_not(None),
                   sa.or_(MeetingItem.sub_branch_id.is_(None),
                          MeetingItem.sub_branch_id.in_(visible_sub_branch_ids(user))))


def get_meeting_item_or_404(user: User, item_id: int) -> MeetingItem:
    return one_or_404(sa.select(MeetingItem).where(MeetingItem.id == item_id, meeting_item_condition(user)))


def talk_condition(user: User) -> ColumnElement[bool]:
    """A performance talk is between a lead and a manager: the manager sees their own, a lead their team's.
    Nobody else, branch reviewers included (403 on the pages: the role never reads talks)."""
    if user.role == MANAGER:
        return PerformanceTalk.manager_id == user.id
    if user.role == TEAM_LEAD and user.team_id is not None:
        return sa.and_(PerformanceTalk.team_id == user.team_id, PerformanceTalk.sub_branch_id == user.sub_branch_id)
    return sa.false()


def get_talk_or_404(user: User, talk_id: int) -> PerformanceTalk:
    require_role(user, *FIELD_ROLES)
    return one_or_404(sa.select(PerformanceTalk).where(PerformanceTalk.id == talk_id, talk_condition(user)))


def get_talk_action_or_404(user: User, action_id: int) -> TalkAction:
    """An action agreed at a talk is visible exactly when its talk is."""
    require_role(user, *FIELD_ROLES)
    return one_or_404(sa.select(TalkAction).join(PerformanceTalk, TalkAction.talk_id == PerformanceTalk.id)
                      .where(TalkAction.id == action_id, talk_condition(user)))


def scheme_condition(user: User) -> ColumnElement[bool]:
    """Incentive schemes: the branch sees its branch's; a sub-branch sees the branch's own schemes and its own
    (a team's only within that team); managers see approved schemes only, leads also what they propose."""
    in_branch = IncentiveScheme.branch_id == user.sub_branch.branch_id
    if user.role in BRANCH_WIDE_ROLES:
        return in_branch
    mine = sa.or_(IncentiveScheme.sub_branch_id.is_(None), sa.and_(
        IncentiveScheme.sub_branch_id == user.sub_branch_id,
        sa.or_(IncentiveScheme.team_id.is_(None), IncentiveScheme.team_id == user.team_id)))
    if user.role == TEAM_LEAD:
        return sa.and_(in_branch, mine)
    return sa.and_(in_branch, mine, IncentiveScheme.state == "approved")


def get_scheme_or_404(user: User, scheme_id: int) -> IncentiveScheme:
    return one_or_404(sa.select(IncentiveScheme).where(IncentiveScheme.id == scheme_id, scheme_condition(user)))


def study_condition(user: User) -> ColumnElement[bool]:
    """Study sessions: the branch's own (no sub-branch) and those of the sub-branches the user sees."""
    return sa.and_(StudySession.branch_id == user.sub_branch.branch_id,
                   sa.or_(StudySession.sub_branch_id.is_(None),
                          StudySession.sub_branch_id.in_(visible_sub_branch_ids(user))))


def brief_condition(user: User) -> ColumnElement[bool]:
    return TeamBrief.sub_branch_id.in_(visible_sub_branch_ids(user))


def get_brief_or_404(user: User, brief_id: int) -> TeamBrief:
    return one_or_404(sa.select(TeamBrief).where(TeamBrief.id == brief_id, brief_condition(user)))


def get_brief_photo_or_404(user: User, photo_id: str) -> TeamBriefPhoto:
    """A culture-wall photo is visible exactly when its brief is."""
    return one_or_404(sa.select(TeamBriefPhoto).join(TeamBrief, TeamBriefPhoto.brief_id == TeamBrief.id)
                      .where(TeamBriefPhoto.id == photo_id, brief_condition(user)))
