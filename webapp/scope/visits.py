"""Scope for visits and their photos, and for the branch review of them (samples, flags)."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.models import HeldPhoto, Photo, ReviewSample, User, Visit, VisitFlag
from webapp.roles import ADMIN, BRANCH_WIDE_ROLES, REVIEW_ROLES, TEAM_LEAD
from webapp.scope.core import one_or_404, require_role, visible_sub_branch_ids


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


def held_photo_condition(user: User) -> ColumnElement[bool]:
    """Photos held on the server for visits that have not arrived (webapp.sync.held) are looked after by the
    admin of the uploader's branch; everyone else sees only their own (on the sync page)."""
    if user.role == ADMIN:
        return HeldPhoto.uploaded_by_id.in_(
            sa.select(User.id).where(User.sub_branch_id.in_(visible_sub_branch_ids(user))))
    return HeldPhoto.uploaded_by_id == user.id
