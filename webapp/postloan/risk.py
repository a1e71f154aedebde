"""The one write path for risk warnings (贷后风险预警): raised by a rule or by hand, then worked (owner,
deadline, actions) until resolved. A high warning schedules a trigger check at once; the lead's inbox shows it
from the moment it is raised (webapp.postloan.inbox)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import WARNING_LEVELS, Loan, RiskWarning, User
from webapp.postloan.triggers import raise_trigger_check
from webapp.roles import FIELD_ROLES, MANAGER
from webapp.write_kernel import FieldErrors, Forbidden, WriteContext, insert_or_winner, text_field

# Days to work a warning, by level, unless its owner or the lead sets another deadline.
DEADLINE_DAYS = {"high": 3, "medium": 7, "low": 14}
MAX_TEXT = 1000


@dataclass(frozen=True)
class Finding:
    """What a rule found: which rule, how serious, in words, with its evidence."""

    rule: str
    level: str
    detail: str
    evidence: dict[str, Any]


def raise_warning(ctx: WriteContext, loan: Loan, finding: Finding, source_key: str, *, visit_id: str | None = None,
                  by_hand: bool = False, deadline: date | None = None) -> RiskWarning:
    """The warning for this source, created once (a replayed visit or a re-import finds the one it made)."""
    existing = db.session.scalar(sa.select(RiskWarning).where(RiskWarning.source_key == source_key))
    if existing is not None:
        return existing
    today = bank_today(ctx.now)
    warning = RiskWarning(
        loan_id=loan.id, sub_branch_id=loan.sub_branch_id, rule=finding.rule, level=finding.level,
        detail=finding.detail[:500], evidence=finding.evidence, source_key=source_key[:120], visit_id=visit_id,
        owner_id=loan.manager_id, deadline=deadline or today + timedelta(days=DEADLINE_DAYS[finding.level]),
        actions=[], resolution="", status="open", raised_at=ctx.now,
        raised_by_id=ctx.actor.id if by_hand else None,
    )
    winner = insert_or_winner(
        warning, lambda: db.session.scalar(sa.select(RiskWarning).where(RiskWarning.source_key == source_key)))
    if winner is not None:
        return winner
    if finding.level == "high":
        # One trigger check per visit, however many high findings it made; otherwise one per warning.
        key, reason = ((f"trigger:visit:{visit_id}", "visit") if visit_id
                       else (f"trigger:warning:{warning.id}", "warning"))
        check = raise_trigger_check(loan, key, reason, today)
        warning.trigger_check_id = check.id if check is not None else None
        db.session.flush()
    return warning


def raise_warnings(ctx: WriteContext, found: list[tuple[Loan, Finding, str]]) -> None:
    """Many rule warnings at once (an import's newly overdue loans): one look-up of the sources already
    warned about and one flush, instead of a round trip per loan. High ones get their trigger checks."""
    keys = [key for _loan, _finding, key in found]
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        known.update(db.session.scalars(sa.select(RiskWarning.source_key).where(
            RiskWarning.source_key.in_(keys[start:start + 500]))))
    today = bank_today(ctx.now)
    fresh: list[tuple[Loan, RiskWarning]] = []
    for loan, finding, key in found:
        if key in known:
            continue
        known.add(key)
        fresh.append((loan, RiskWarning(
            loan_id=loan.id, sub_branch_id=loan.sub_branch_id, rule=finding.rule, level=finding.level,
            detail=finding.detail[:500], evidence=finding.evidence, source_key=key[:120], owner_id=loan.manager_id,
            deadline=today + timedelta(days=DEADLINE_DAYS[finding.level]), actions=[], resolution="", status="open",
            raised_at=ctx.now)))
    db.session.add_all([warning for _loan, warning in fresh])
    db.session.flush()
    for loan, warning in fresh:
        if warning.level == "high":
            check = raise_trigger_check(loan, f"trigger:warning:{warning.id}", "warning", today)
            warning.trigger_check_id = check.id if check is not None else None
    db.session.flush()


def _may_work(actor: User, warning: RiskWarning) -> None:
    """The owner works a warning; a team lead (their team's), reviewer or admin may too."""
    if actor.role == MANAGER and warning.owner_id != actor.id and warning.loan.manager_id != actor.id:
        raise Forbidden(_("Only the owner of the warning or a team lead can work it."))


def _text(value: Any, path: str, errors: FieldErrors, *, required: bool = True) -> str:
    return text_field(value, path, errors, MAX_TEXT, required=required)


def raise_manual_warning(ctx: WriteContext, loan: Loan, form: dict[str, Any], client_id: str) -> RiskWarning:
    """A warning raised by hand (the level and the words are the raiser's)."""
    errors = FieldErrors()
    level = form.get("level")
    if level not in WARNING_LEVELS:
        errors.add("level", _("Choose a level."))
    detail = _text(form.get("detail"), "detail", errors)
    if len(detail) > 500:
        errors.add("detail", _("At most %(limit)d characters.", limit=500))
    deadline = _date(form.get("deadline"), "deadline", errors, ctx, required=False)
    errors.raise_if_any()
    assert isinstance(level, str)
    return raise_warning(ctx, loan, Finding("manual", level, detail, {}), f"manual:{client_id}", by_hand=True,
                         deadline=deadline)


def _date(value: Any, path: str, errors: FieldErrors, ctx: WriteContext, *, required: bool) -> date | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors.add(path, _("Required."))
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.add(path, _("Expected a date such as 2026-12-05."))
        return None
    if day < bank_today(ctx.now):
        errors.add(path, _("The deadline cannot be in the past."))
        return None
    return day


def add_action(ctx: WriteContext, warning: RiskWarning, form: dict[str, Any]) -> None:
    _may_work(ctx.actor, warning)
    errors = FieldErrors()
    text = _text(form.get("action"), "action", errors)
    errors.raise_if_any()
    if warning.status != "open":
        errors.fail("action", _("This warning is already resolved."))
    warning.actions = [*warning.actions, {"at": ctx.now.isoformat(timespec="seconds"), "by": ctx.actor.id,
                                          "text": text}]
    db.session.flush()


def update_warning(ctx: WriteContext, warning: RiskWarning, form: dict[str, Any]) -> None:
    """The lead (or a branch role) sets the owner and the deadline; the owner may only move the deadline."""
    _may_work(ctx.actor, warning)
    errors = FieldErrors()
    deadline = _date(form.get("deadline"), "deadline", errors, ctx, required=True)
    owner_id = warning.owner_id
    owner_raw = str(form.get("owner_id") or "")
    if owner_raw and ctx.actor.role != MANAGER:
        owner = db.session.get(User, int(owner_raw)) if owner_raw.isdigit() and len(owner_raw) < 10 else None
        if owner is None or owner.sub_branch_id != warning.sub_branch_id or owner.role not in FIELD_ROLES \
                or not owner.is_enabled:
            errors.add("owner_id", _("Choose a customer manager or team lead of the loan's sub-branch."))
        else:
            owner_id = owner.id
    errors.raise_if_any()
    if warning.status != "open":
        errors.fail("deadline", _("This warning is already resolved."))
    assert deadline is not None
    warning.deadline, warning.owner_id = deadline, owner_id
    db.session.flush()


def resolve_warning(ctx: WriteContext, warning: RiskWarning, form: dict[str, Any]) -> None:
    _may_work(ctx.actor, warning)
    errors = FieldErrors()
    resolution = _text(form.get("resolution"), "resolution", errors)
    errors.raise_if_any()
    if warning.status != "open":
        errors.fail("resolution", _("This warning is already resolved."))
    warning.status, warning.resolution = "resolved", resolution
    warning.resolved_at, warning.resolved_by_id = ctx.now, ctx.actor.id
    db.session.flush()
