"""Monthly honours (荣誉体系): most consultations, best conversion, most cross-sold services in a sub-branch.

The leaders are computed live from the month's figures; once a month is over, a team lead of the
sub-branch or the branch awards them, and from then on they are kept as awarded (a visit synced later
does not take an honour away).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.metrics.counting import person_totals
from webapp.metrics.definitions import Definitions, Totals, month_start, next_month
from webapp.models import HONOUR_CATEGORIES, Honour, SubBranch, User
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.write_kernel import Conflict, Forbidden, WriteContext


@dataclass(frozen=True)
class Leader:
    category: str
    person: User
    value: float


def _value(category: str, totals: Totals, definitions: Definitions) -> float | None:
    if category == "most_consultations":
        return float(totals.consultations) if totals.consultations else None
    if category == "most_cross_sold":
        return float(totals.cross_sold) if totals.cross_sold else None
    if totals.consultations < max(1, definitions.honour_min_consultations):
        return None  # a rate over a handful of visits is luck, not skill
    return totals.application_rate


def leaders(sub_branch_id: int, month: date, definitions: Definitions) -> dict[str, Leader]:
    """The month's leader of each category (ties go to more consultations, then the username)."""
    people = list(db.session.scalars(sa.select(User).where(
        User.sub_branch_id == sub_branch_id, User.role.in_(FIELD_ROLES)).order_by(User.username)))
    totals = person_totals(definitions, [p.id for p in people], month, next_month(month),
                           sub_branch_ids=[sub_branch_id])
    found: dict[str, Leader] = {}
    for category in HONOUR_CATEGORIES:
        best: tuple[float, int, str] | None = None
        winner: User | None = None
        for person in people:
            value = _value(category, totals[person.id], definitions)
            if value is None:
                continue
            rank = (value, totals[person.id].consultations, person.username)
            if best is None or (rank[0], rank[1]) > (best[0], best[1]):
                best, winner = rank, person
        if winner is not None and best is not None:
            found[category] = Leader(category, winner, best[0])
    return found


def kept_honours(sub_branch_ids: list[int], months: list[date]) -> list[Honour]:
    if not sub_branch_ids or not months:
        return []
    return list(db.session.scalars(sa.select(Honour).where(
        Honour.sub_branch_id.in_(sub_branch_ids), Honour.month.in_(months))
        .order_by(Honour.month.desc(), Honour.sub_branch_id, Honour.category)))


def award_honours(ctx: WriteContext, sub_branch: SubBranch, month: date, definitions: Definitions) -> list[Honour]:
    """Keep a finished month's honours for a sub-branch; awarding again changes nothing."""
    actor: User = ctx.actor
    allowed = (actor.role == TEAM_LEAD and actor.sub_branch_id == sub_branch.id) or (
        actor.role in BRANCH_WIDE_ROLES and actor.sub_branch.branch_id == sub_branch.branch_id)
    if not allowed:
        raise Forbidden(_("A team lead of the sub-branch or the branch awards its honours."))
    if month != month_start(month) or month >= month_start(bank_today(ctx.now)):
        raise Conflict(_("Honours are awarded once the month is over."))
    kept = {h.category: h for h in kept_honours([sub_branch.id], [month])}
    for category, leader in leaders(sub_branch.id, month, definitions).items():
        if category in kept:
            continue
        honour = Honour(sub_branch_id=sub_branch.id, month=month, category=category, user_id=leader.person.id,
                        value=leader.value, awarded_by_id=actor.id, awarded_at=ctx.now)
        db.session.add(honour)
        kept[category] = honour
    db.session.flush()
    return list(kept.values())
