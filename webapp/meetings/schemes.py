"""Incentive schemes: made, proposed by a sub-branch, decided by the branch; standings computed live.

A team lead drafts a scheme for their sub-branch or team and proposes it; a reviewer (the branch) approves
or rejects it with a note. A scheme the branch makes itself, for the branch or one sub-branch, is approved
when made. Only approved schemes have standings on the boards.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.meetings.incentives import MAX_RULES, Standing, parse_rules, score
from webapp.meetings.items import clean_text, parse_day
from webapp.metrics.counting import person_totals
from webapp.metrics.definitions import Definitions
from webapp.models import IncentiveScheme, SubBranch, Team, User
from webapp.roles import BRANCH_WIDE_ROLES, FIELD_ROLES, TEAM_LEAD
from webapp.scope import scheme_condition
from webapp.write_kernel import Conflict, FieldErrors, Forbidden, WriteContext

MAX_PERIOD = timedelta(days=366)


def rule_rows(form: Mapping[str, str]) -> list[dict[str, str]]:
    """The rule rows of the scheme form: rule-<n>-type, -metric, -points, -at_least, -bonus."""
    return [{name: form.get(f"rule-{n}-{name}", "") for name in ("type", "metric", "points", "at_least", "bonus")}
            for n in range(MAX_RULES)]


def _scope(actor: User, form: Mapping[str, str], errors: FieldErrors) -> tuple[str, int | None, int | None]:
    """(scope, sub-branch id, team id): a lead chooses their sub-branch or team, the branch itself or one
    of its sub-branches."""
    scope = form.get("scope", "")
    if actor.role == TEAM_LEAD:
        if scope == "team" and actor.team_id is not None:
            return scope, actor.sub_branch_id, actor.team_id
        if scope == "sub_branch":
            return scope, actor.sub_branch_id, None
    elif actor.role in BRANCH_WIDE_ROLES:
        if scope == "branch":
            return scope, None, None
        raw = form.get("sub_branch_id", "")
        if scope == "sub_branch" and raw.isdigit():
            sub_branch = db.session.get(SubBranch, int(raw))
            if sub_branch is not None and sub_branch.branch_id == actor.sub_branch.branch_id:
                return scope, sub_branch.id, None
            errors.add("sub_branch_id", _("Choose a sub-branch of your branch."))
            return scope, None, None
    errors.add("scope", _("Not one of the allowed values."))
    return scope, None, None


def save_scheme(ctx: WriteContext, scheme: IncentiveScheme | None, form: Mapping[str, str]) -> IncentiveScheme:
    """Create a scheme, or change one still in draft (or rejected, to propose it again)."""
    actor: User = ctx.actor
    if actor.role not in (TEAM_LEAD, *BRANCH_WIDE_ROLES):
        raise Forbidden(_("Only a team lead or the branch makes incentive schemes."))
    if scheme is not None and not may_change(actor, scheme):
        raise Conflict(_("Only a draft or rejected scheme can be changed, by the sub-branch that made it."))
    errors = FieldErrors()
    name = clean_text(form.get("name"), "name", errors, 100, required=True)
    start = parse_day(form.get("period_start"), "period_start", errors)
    end = parse_day(form.get("period_end"), "period_end", errors)
    if start and end and not start <= end <= start + MAX_PERIOD:
        errors.add("period_end", _("The period ends on or after its start, within a year."))
    scope, sub_branch_id, team_id = _scope(actor, form, errors)
    rules = parse_rules(rule_rows(form), errors)
    errors.raise_if_any()
    assert start is not None and end is not None
    branch_made = actor.role in BRANCH_WIDE_ROLES
    if scheme is None:
        scheme = IncentiveScheme(branch_id=actor.sub_branch.branch_id, created_by_id=actor.id, created_at=ctx.now)
        db.session.add(scheme)
    scheme.name, scheme.period_start, scheme.period_end, scheme.rules = name, start, end, rules
    scheme.scope, scheme.sub_branch_id, scheme.team_id = scope, sub_branch_id, team_id
    scheme.state = "approved" if branch_made else "draft"
    if branch_made:
        scheme.decided_by_id, scheme.decided_at, scheme.decision_note = actor.id, ctx.now, ""
    db.session.flush()
    return scheme


def may_change(actor: User, scheme: IncentiveScheme) -> bool:
    """A draft or rejected scheme is changed by the sub-branch that made it (or the branch, its own)."""
    return scheme.state in ("draft", "rejected") and _may_edit(actor, scheme)


def _may_edit(actor: User, scheme: IncentiveScheme) -> bool:
    if actor.role in BRANCH_WIDE_ROLES:
        return scheme.sub_branch_id is None or scheme.created_by_id == actor.id
    return actor.role == TEAM_LEAD and scheme.sub_branch_id == actor.sub_branch_id


def propose_scheme(ctx: WriteContext, scheme: IncentiveScheme) -> None:
    """The sub-branch submits its draft to the branch (again, after a rejection)."""
    if ctx.actor.role != TEAM_LEAD or not _may_edit(ctx.actor, scheme):
        raise Forbidden(_("The sub-branch's team lead proposes its schemes."))
    if scheme.state not in ("draft", "rejected"):
        raise Conflict(_("This scheme was already proposed."))
    scheme.state, scheme.proposed_at = "proposed", ctx.now
    db.session.flush()


def decide_scheme(ctx: WriteContext, scheme: IncentiveScheme, *, approve: bool, note: str | None) -> None:
    """The branch approves a proposed scheme, or rejects it with a note saying why."""
    if ctx.actor.role not in BRANCH_WIDE_ROLES:
        raise Forbidden(_("Only the branch approves incentive schemes."))
    if scheme.state != "proposed":
        raise Conflict(_("Only a proposed scheme is decided."))
    errors = FieldErrors()
    text = clean_text(note, "note", errors, 500, required=not approve)
    errors.raise_if_any()
    scheme.state = "approved" if approve else "rejected"
    scheme.decided_by_id, scheme.decided_at, scheme.decision_note = ctx.actor.id, ctx.now, text
    db.session.flush()


# --- standings -----------------------------------------------------------------------------------------


@dataclass
class StandingRow:
    person: User
    standing: Standing


def scheme_people(scheme: IncentiveScheme) -> list[User]:
    """Everyone the scheme's scope covers: the field people of its branch, sub-branch or team."""
    query = sa.select(User).where(User.is_enabled.is_(True), User.role.in_(FIELD_ROLES))
    if scheme.team_id is not None:
        query = query.where(User.team_id == scheme.team_id)
    elif scheme.sub_branch_id is not None:
        query = query.where(User.sub_branch_id == scheme.sub_branch_id)
    else:
        query = query.join(SubBranch, SubBranch.id == User.sub_branch_id).where(
            SubBranch.branch_id == scheme.branch_id)
    return list(db.session.scalars(query.order_by(User.username)))


def standings(scheme: IncentiveScheme, definitions: Definitions, today: date) -> list[StandingRow]:
    """The scheme's live standings: its rules over each person's figures from its start to today."""
    people = scheme_people(scheme)
    end = min(scheme.period_end, today) + timedelta(days=1)
    if scheme.period_start >= end:
        return []  # not begun yet
    totals = person_totals(definitions, [p.id for p in people], scheme.period_start, end)
    scored = score(scheme.rules, totals, {p.id: p.team_id for p in people})
    by_id = {p.id: p for p in people}
    return [StandingRow(by_id[s.user_id], s) for s in scored]


def active_schemes(viewer: User, team: Team, today: date) -> Sequence[IncentiveScheme]:
    """Approved schemes running today that cover the team: shown with their standings on its boards."""
    return list(db.session.scalars(
        sa.select(IncentiveScheme).where(
            scheme_condition(viewer), IncentiveScheme.state == "approved",
            IncentiveScheme.period_start <= today, IncentiveScheme.period_end >= today,
            sa.or_(IncentiveScheme.sub_branch_id.is_(None), IncentiveScheme.sub_branch_id == team.sub_branch_id),
            sa.or_(IncentiveScheme.team_id.is_(None), IncentiveScheme.team_id == team.id))
        .order_by(IncentiveScheme.period_end, IncentiveScheme.id).limit(3)))


def rule_summary(rule: Mapping[str, Any], metric_label: str) -> str:
    if rule["type"] == "points":
        return str(_("%(points)s points per %(metric)s", points=_plain(rule["points"]), metric=metric_label))
    if rule["type"] == "threshold":
        return str(_("%(bonus)s points for reaching %(count)d %(metric)s", bonus=_plain(rule["bonus"]),
                     count=rule["at_least"], metric=metric_label))
    return str(_("%(bonus)s points each when the team reaches %(count)d %(metric)s", bonus=_plain(rule["bonus"]),
                 count=rule["at_least"], metric=metric_label))


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"
