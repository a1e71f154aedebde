"""The warning rules: what in a finding raises a risk warning, and how serious it is.

The rules are pure functions of what was recorded (a post-loan visit, an off-site check, the book), so each
is tested on its own; ``raise_warning`` stores what they find, once per source.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.loans.summary import ImportSummary
from webapp.models import Loan
from webapp.postloan.risk import Finding, raise_warnings
from webapp.write_kernel import WriteContext

INVENTORY_ORDER = ("full", "normal", "low", "empty")
SERIOUS_ARREARS_DAYS = 30
BUSINESS_RULES = {"reduced": ("business_reduced", "medium"), "suspended": ("business_suspended", "high"),
                  "closed": ("business_closed", "high")}


def visit_findings(checklist: dict[str, Any], post_loan: dict[str, Any],
                   previous_checklist: dict[str, Any] | None) -> list[Finding]:
    """Warnings an on-site check's records call for."""
    findings: list[Finding] = []
    state = checklist.get("operating_state")
    if state in BUSINESS_RULES:
        rule, level = BUSINESS_RULES[state]
        findings.append(Finding(rule, level, f"operating_state={state}", {"operating_state": state}))
    now_level = checklist.get("inventory_level")
    before = (previous_checklist or {}).get("inventory_level")
    drop = (INVENTORY_ORDER.index(now_level) - INVENTORY_ORDER.index(before)
            if now_level in INVENTORY_ORDER and before in INVENTORY_ORDER else 0)
    if post_loan.get("inventory_vs_last") == "much_lower" or drop >= 2:
        findings.append(Finding("inventory_drop", "high", f"inventory {before or '?'} -> {now_level}",
                                {"inventory_level": now_level, "previous_level": before,
                                 "inventory_vs_last": post_loan.get("inventory_vs_last")}))
    if checklist.get("fixed_assets") == "decreased":
        findings.append(Finding("fixed_assets_decreased", "medium", "fixed_assets=decreased", {}))
    residence = post_loan.get("residence") or {}
    if residence.get("still_lives_there") is False:
        findings.append(Finding("borrower_moved", "high", residence.get("note", "")[:300], {}))
    unreachable = [p for p in post_loan.get("related_persons") or [] if p.get("contact") == "unreachable"]
    if unreachable:
        findings.append(Finding("person_unreachable", "low", ", ".join(p.get("relation", "") for p in unreachable),
                                {"relations": [p.get("relation") for p in unreachable]}))
    funds = post_loan.get("use_of_funds") or {}
    if funds.get("matches_purpose") is False:
        findings.append(Finding("funds_diverted", "medium", funds.get("spent_on", "")[:300],
                                {"spent_on": funds.get("spent_on")}))
    return findings


def offsite_findings(repayment: str, interviews: list[dict[str, Any]],
                     web_findings: list[dict[str, Any]]) -> list[Finding]:
    """Warnings an off-site check's records call for."""
    findings: list[Finding] = []
    if repayment in ("late", "overdue"):
        findings.append(Finding("repayment_late", "medium", f"repayment={repayment}", {"repayment": repayment}))
    unreached = [i for i in interviews if not i.get("reached")]
    if unreached:
        findings.append(Finding("person_unreachable", "low", ", ".join(i.get("person", "") for i in unreached),
                                {"persons": [i.get("person") for i in unreached]}))
    adverse = [w for w in web_findings if w.get("adverse")]
    if adverse:
        findings.append(Finding("adverse_web_finding", "medium", adverse[0].get("note", "")[:300],
                                {"findings": adverse[:5]}))
    return findings


def arrears_finding(days_past_due: int, overdue_cents: int) -> Finding:
    level = "high" if days_past_due >= SERIOUS_ARREARS_DAYS else "medium"
    return Finding("repayment_late", level, f"{days_past_due} days past due",
                   {"days_past_due": days_past_due, "overdue_cents": overdue_cents})


def warn_newly_overdue(ctx: WriteContext, summary: ImportSummary) -> None:
    """The import hook: a loan the book newly reports overdue gets a repayment warning."""
    ids = summary.loan_ids(summary.newly_overdue)
    found = []
    for start in range(0, len(ids), 500):
        for loan in db.session.scalars(sa.select(Loan).where(Loan.id.in_(ids[start:start + 500]))):
            since = loan.overdue_since.isoformat() if loan.overdue_since else summary.as_of.isoformat()
            finding = arrears_finding(loan.days_past_due, loan.overdue_cents)
            found.append((loan, finding, f"book:{loan.id}:overdue:{since}"))
    raise_warnings(ctx, found)
