"""The bank's check rules per product (settings an admin edits), with the common bank defaults.

The defaults are the guide's: a first on-site check within 15 days of disbursement; periodic on-site checks
monthly for terms of 6 months or less, quarterly for longer ones; a use-of-funds check within 90 days; a
monthly off-site check; a trigger check within 3 days of arrears, a risk warning or a bad visit finding.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import CheckRule
from webapp.write_kernel import FieldErrors, WriteContext


@dataclass(frozen=True)
class RuleSet:
    """What schedules the checks of one product's loans (days and months)."""

    first_onsite_days: int = 15
    short_term_max_months: int = 6
    short_interval_months: int = 1
    long_interval_months: int = 3
    use_of_funds_days: int = 90
    offsite_interval_months: int = 1
    trigger_days: int = 3
    window_days: int = 7  # a periodic check opens this many days before it is due

    def onsite_interval(self, term_months: int) -> int:
        """Monthly for short loans (term at most short_term_max_months), quarterly for longer ones."""
        return self.short_interval_months if term_months <= self.short_term_max_months else self.long_interval_months


DEFAULT_RULES = RuleSet()
RULE_FIELDS = tuple(f.name for f in fields(RuleSet))
# (lowest, highest) accepted for each setting: a rule of 0 months would schedule a check every day.
RULE_BOUNDS: dict[str, tuple[int, int]] = {
    "first_onsite_days": (1, 90),
    "short_term_max_months": (1, 120),
    "short_interval_months": (1, 12),
    "long_interval_months": (1, 12),
    "use_of_funds_days": (7, 365),
    "offsite_interval_months": (1, 12),
    "trigger_days": (1, 30),
    "window_days": (0, 31),
}


def rules_for_branch(branch_id: int) -> dict[str, RuleSet]:
    """Every product's own rules in the branch; products not listed use DEFAULT_RULES."""
    rows = db.session.scalars(sa.select(CheckRule).where(CheckRule.branch_id == branch_id))
    return {row.product: RuleSet(**{name: getattr(row, name) for name in RULE_FIELDS}) for row in rows}


def rule_for(rules: dict[str, RuleSet], product: str) -> RuleSet:
    return rules.get(product, DEFAULT_RULES)


def parse_rule_form(values: dict[str, Any]) -> RuleSet:
    """The admin's form as a RuleSet; Invalid names every setting out of its bounds."""
    errors = FieldErrors()
    clean: dict[str, int] = {}
    for name in RULE_FIELDS:
        low, high = RULE_BOUNDS[name]
        raw = str(values.get(name, "") or "").strip()
        try:
            number = int(raw)
        except ValueError:
            errors.add(name, _("Expected a whole number."))
            continue
        if not low <= number <= high:
            errors.add(name, _("Between %(low)d and %(high)d.", low=low, high=high))
            continue
        clean[name] = number
    errors.raise_if_any()
    return RuleSet(**clean)


def save_rule(ctx: WriteContext, branch_id: int, product: str, rule: RuleSet) -> bool:
    """Store a product's rules; True when they changed (the caller then recomputes the schedules)."""
    row = db.session.scalar(sa.select(CheckRule).where(CheckRule.branch_id == branch_id, CheckRule.product == product))
    if row is not None and all(getattr(row, name) == value for name, value in asdict(rule).items()):
        return False
    if row is None:
        row = CheckRule(branch_id=branch_id, product=product)
        db.session.add(row)
    for name, value in asdict(rule).items():
        setattr(row, name, value)
    row.updated_at = ctx.now
    row.updated_by_id = ctx.actor.id
    db.session.flush()
    return True
