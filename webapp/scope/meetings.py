"""Scope for meetings, metrics, people and learning (webapp.meetings, webapp.metrics): whose boards, figures,
talks, schemes, studies and briefs a user may open."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.models import (
    IncentiveScheme,
    MeetingItem,
    PerformanceTalk,
    StudySession,
    TalkAction,
    Team,
    TeamBrief,
    TeamBriefPhoto,
    User,
)
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, MANAGER, TEAM_LEAD
from webapp.scope.core import one_or_404, require_role, visible_sub_branch_ids


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
