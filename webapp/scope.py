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

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import (
    IncentiveScheme,
    MeetingItem,
    Merchant,
    PerformanceTalk,
    Photo,
    ReviewSample,
    StudySession,
    SubBranch,
    SweepDay,
    Team,
    TeamBrief,
    TeamBriefPhoto,
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


# Meetings, metrics, people and learning (webapp.meetings, webapp.metrics)

FIELD_ROLES = ("manager", "team_lead")


def board_team_condition(user: User) -> ColumnElement[bool]:
    """The teams whose meeting boards a user opens: a lead and the managers their own team (the lead runs the
    meetings, the managers take part); reviewers and admins every team of their branch, to read."""
    in_sub_branches = Team.sub_branch_id.in_(visible_sub_branch_ids(user))
    if user.role in BRANCH_WIDE_ROLES:
        return in_sub_branches
    if user.team_id is None:
        return sa.false()
    return sa.and_(in_sub_branches, Team.id == user.team_id)


def board_teams(user: User) -> sa.Select[tuple[Team]]:
    return sa.select(Team).where(board_team_condition(user)).order_by(Team.sub_branch_id, Team.name)


def get_board_team_or_404(user: User, team_id: int) -> Team:
    team = db.session.scalar(board_teams(user).where(Team.id == team_id))
    if team is None:
        abort(404)
    return team


def get_sub_branch_or_404(user: User, sub_branch_id: int) -> SubBranch:
    if sub_branch_id not in visible_sub_branch_ids(user):
        abort(404)
    sub_branch = db.session.get(SubBranch, sub_branch_id)
    if sub_branch is None:
        abort(404)
    return sub_branch


def board_people(team: Team) -> sa.Select[tuple[User]]:
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
    person = db.session.scalar(sa.select(User).where(User.id == person_id, figure_people_condition(user)))
    if person is None:
        abort(404)
    return person


def get_meeting_item_or_404(user: User, item_id: int) -> MeetingItem:
    """A team's item is seen with the team's boards; a branch-wide item by everyone in the branch."""
    item = db.session.get(MeetingItem, item_id)
    if item is None or item.branch_id != user.sub_branch.branch_id:
        abort(404)
    if item.team_id is not None and db.session.scalar(
            board_teams(user).where(Team.id == item.team_id)) is None:
        abort(404)
    return item


def talk_condition(user: User) -> ColumnElement[bool]:
    """A performance talk is between a lead and a manager: the manager sees their own, a lead their team's.
    Nobody else, branch reviewers included (403 on the pages: the role never reads talks)."""
    if user.role == "manager":
        return PerformanceTalk.manager_id == user.id
    if user.role == "team_lead" and user.team_id is not None:
        return sa.and_(PerformanceTalk.team_id == user.team_id, PerformanceTalk.sub_branch_id == user.sub_branch_id)
    return sa.false()


def get_talk_or_404(user: User, talk_id: int) -> PerformanceTalk:
    require_role(user, *FIELD_ROLES)
    talk = db.session.scalar(sa.select(PerformanceTalk).where(PerformanceTalk.id == talk_id, talk_condition(user)))
    if talk is None:
        abort(404)
    return talk


def scheme_condition(user: User) -> ColumnElement[bool]:
    """Incentive schemes: the branch sees its branch's; a sub-branch sees the branch's own schemes and its own
    (a team's only within that team); managers see approved schemes only, leads also what they propose."""
    in_branch = IncentiveScheme.branch_id == user.sub_branch.branch_id
    if user.role in BRANCH_WIDE_ROLES:
        return in_branch
    mine = sa.or_(IncentiveScheme.sub_branch_id.is_(None), sa.and_(
        IncentiveScheme.sub_branch_id == user.sub_branch_id,
        sa.or_(IncentiveScheme.team_id.is_(None), IncentiveScheme.team_id == user.team_id)))
    if user.role == "team_lead":
        return sa.and_(in_branch, mine)
    return sa.and_(in_branch, mine, IncentiveScheme.state == "approved")


def get_scheme_or_404(user: User, scheme_id: int) -> IncentiveScheme:
    scheme = db.session.scalar(sa.select(IncentiveScheme).where(IncentiveScheme.id == scheme_id,
                                                                 scheme_condition(user)))
    if scheme is None:
        abort(404)
    return scheme


def study_condition(user: User) -> ColumnElement[bool]:
    """Study sessions: the branch's own (no sub-branch) and those of the sub-branches the user sees."""
    return sa.and_(StudySession.branch_id == user.sub_branch.branch_id,
                   sa.or_(StudySession.sub_branch_id.is_(None),
                          StudySession.sub_branch_id.in_(visible_sub_branch_ids(user))))


def brief_condition(user: User) -> ColumnElement[bool]:
    return TeamBrief.sub_branch_id.in_(visible_sub_branch_ids(user))


def get_brief_or_404(user: User, brief_id: int) -> TeamBrief:
    brief = db.session.scalar(sa.select(TeamBrief).where(TeamBrief.id == brief_id, brief_condition(user)))
    if brief is None:
        abort(404)
    return brief


def get_brief_photo_or_404(user: User, photo_id: str) -> TeamBriefPhoto:
    """A culture-wall photo is visible exactly when its brief is."""
    photo = db.session.scalar(sa.select(TeamBriefPhoto).join(TeamBrief, TeamBriefPhoto.brief_id == TeamBrief.id)
                              .where(TeamBriefPhoto.id == photo_id, brief_condition(user)))
    if photo is None:
        abort(404)
    return photo
