"""Incentive rules (激励方案) and the standings they give: pure functions over people's totals.

A scheme's rules are a list; each is one of
- ``points``: so many points per unit of a metric (a consultation, an application, a deal, a deal of one product);
- ``threshold``: bonus points for a person whose metric reaches a number in the period;
- ``team_bonus``: bonus points for every member of a team whose members together reach a number.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from webapp.meetings.targets import TARGET_METRICS
from webapp.metrics.definitions import Totals
from webapp.models.people import RULE_TYPES
from webapp.write_kernel import FieldErrors

MAX_RULES = 8
MAX_POINTS = 10_000
MAX_COUNT = 100_000


@dataclass
class Standing:
    user_id: int
    points: float = 0.0
    # (rule number from 1, points it gave), for the "how was this counted" view.
    breakdown: list[tuple[int, float]] = field(default_factory=list)


def _number(raw: Any, path: str, errors: FieldErrors, *, high: int, decimals: bool) -> float | None:
    text = str(raw if raw is not None else "").strip()
    try:
        value = float(text) if decimals else int(text)
    except ValueError:
        errors.add(path, _("Enter a number."))
        return None
    if not 0 <= value <= high or value != value:
        errors.add(path, _("Enter a number from 0 to %(max)d.", max=high))
        return None
    return value


def parse_rules(rows: Sequence[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    """Clean rules from form rows (type, metric, points, at_least, bonus); rows without a type are skipped."""
    rules: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        kind = str(row.get("type") or "").strip()
        if not kind:
            continue
        path = f"rules.{index}"
        if kind not in RULE_TYPES:
            errors.add(f"{path}.type", _("Not one of the allowed values."))
            continue
        metric = str(row.get("metric") or "")
        if metric not in TARGET_METRICS:
            errors.add(f"{path}.metric", _("Not one of the allowed values."))
            continue
        if kind == "points":
            points = _number(row.get("points"), f"{path}.points", errors, high=MAX_POINTS, decimals=True)
            if points is not None:
                rules.append({"type": kind, "metric": metric, "points": points})
        else:
            at_least = _number(row.get("at_least"), f"{path}.at_least", errors, high=MAX_COUNT, decimals=False)
            bonus = _number(row.get("bonus"), f"{path}.bonus", errors, high=MAX_POINTS, decimals=True)
            if at_least is not None and at_least < 1:
                errors.add(f"{path}.at_least", _("Enter a number from 1 to %(max)d.", max=MAX_COUNT))
            elif at_least is not None and bonus is not None:
                rules.append({"type": kind, "metric": metric, "at_least": int(at_least), "bonus": bonus})
    if not rules and not errors:
        errors.add("rules", _("Give the scheme at least one rule."))
    if len(rules) > MAX_RULES:
        errors.add("rules", _("At most %(limit)d rules.", limit=MAX_RULES))
    return rules


def score(rules: Sequence[Mapping[str, Any]], totals: Mapping[int, Totals],
          teams: Mapping[int, int | None]) -> list[Standing]:
    """Points per person under the rules, highest first (ties by person id, so the order is stable)."""
    standings = {user_id: Standing(user_id) for user_id in totals}
    team_totals: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for user_id, person in totals.items():
        for rule in rules:
            team_totals[teams.get(user_id)][rule["metric"]] += person.value(rule["metric"])
    for number, rule in enumerate(rules, start=1):
        for user_id, person in totals.items():
            actual = person.value(rule["metric"])
            if rule["type"] == "points":
                gained = float(rule["points"]) * actual
            elif rule["type"] == "threshold":
                gained = float(rule["bonus"]) if actual >= int(rule["at_least"]) else 0.0
            else:
                team = teams.get(user_id)
                reached = team is not None and team_totals[team][rule["metric"]] >= int(rule["at_least"])
                gained = float(rule["bonus"]) if reached else 0.0
            if gained:
                standings[user_id].points += gained
                standings[user_id].breakdown.append((number, gained))
    return sorted(standings.values(), key=lambda s: (-s.points, s.user_id))
