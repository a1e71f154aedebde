"""Scope for sweep days (拓展拜访日): who sees a day, who plans it, whom a lead can send out."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.models import SweepDay, User
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope.core import one_or_404, require_role, visible_sub_branch_ids

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
