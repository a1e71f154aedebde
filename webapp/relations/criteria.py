"""Screening criteria: what a saved model filters, checked like any body, and the query that applies them.

Criteria are AND-ed. Over the loan book (``population`` "loans"): loans maturing within N days, with no arrears,
of some statuses or products, of at least an amount, repaid within the last N months. Over merchants
("merchants"): statuses, industries, districts, without a given cross-sold product (no visit ever recorded that
deal), not visited for N days. A loan model's target is the borrower, for the loan's manager; a merchant model's
the merchant, for its owner (or for whom the run names when it has none).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import day_bounds
from webapp.extensions import db
from webapp.models import LOAN_STATUSES, MERCHANT_STATUSES, SCREENING_POPULATIONS, Loan, Merchant, Visit
from webapp.record_fields import int_field, yuan_field
from webapp.visits.payload import DEAL_PRODUCTS
from webapp.write_kernel import FieldErrors, choice_field, text_field

MAX_LIST = 30


def _list(value: Any, path: str, errors: FieldErrors, allowed: tuple[str, ...] | None = None) -> list[str]:
    if value in (None, "", []):
        return []
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list) or len(items) > MAX_LIST:
        errors.add(path, _("At most %(n)d values.", n=MAX_LIST))
        return []
    found: list[str] = []
    for item in items:
        text = text_field(item, path, errors, 60)
        if text and allowed is not None and text not in allowed:
            errors.add(path, _("Not one of the allowed values."))
            return []
        if text and text not in found:
            found.append(text)
    return found


def _flag(value: Any) -> bool:
    return value in (True, "yes", "on", "1")


def parse_criteria(raw: Any) -> dict[str, Any]:
    """The clean criteria (only what is set); raises Invalid with every error."""
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("criteria", _("Expected a JSON object."))
    population = choice_field(raw.get("population"), "population", errors, SCREENING_POPULATIONS, required=True)
    found: dict[str, Any] = {"population": population}
    if population == "loans":
        found.update({
            "matures_within_days": int_field(raw.get("matures_within_days"), "matures_within_days", errors, high=3650),
            "no_arrears": _flag(raw.get("no_arrears")),
            "loan_statuses": _list(raw.get("loan_statuses"), "loan_statuses", errors, LOAN_STATUSES),
            "products": _list(raw.get("products"), "products", errors),
            "min_amount_cents": yuan_field(raw.get("min_amount"), "min_amount", errors),
            "repaid_within_months": int_field(raw.get("repaid_within_months"), "repaid_within_months", errors,
                                              low=1, high=120),
        })
    found.update({
        "statuses": _list(raw.get("statuses"), "statuses", errors, MERCHANT_STATUSES),
        "industries": _list(raw.get("industries"), "industries", errors),
        "districts": _list(raw.get("districts"), "districts", errors),
        "without_product": choice_field(raw.get("without_product"), "without_product", errors, DEAL_PRODUCTS),
        "no_visit_days": int_field(raw.get("no_visit_days"), "no_visit_days", errors, low=1, high=3650),
    })
    clean = {name: value for name, value in found.items() if value not in (None, [], False)}
    if len(clean) == 1:
        errors.add("population", _("Choose at least one filter: a model that picks everyone picks no one."))
    errors.raise_if_any()
    return clean


def _merchant_filters(query: Any, criteria: dict[str, Any], today: date) -> Any:
    """The merchant filters on a SELECT that has Merchant in it (of any columns)."""
    if criteria.get("statuses"):
        query = query.where(Merchant.status.in_(criteria["statuses"]))
    if criteria.get("industries"):
        query = query.where(Merchant.industry.in_(criteria["industries"]))
    if criteria.get("districts"):
        query = query.where(Merchant.district.in_(criteria["districts"]))
    if criteria.get("no_visit_days"):
        since = today - timedelta(days=int(criteria["no_visit_days"]))
        recent = sa.select(Visit.id).where(Visit.merchant_id == Merchant.id, Visit.started_at >= day_bounds(since)[0])
        query = query.where(~recent.exists())
    return query


def matching(criteria: dict[str, Any], sub_branch_id: int, today: date) -> list[tuple[int, int | None, int | None]]:
    """(merchant id, loan id, manager id) of every match in the sub-branch, one per merchant, by merchant id."""
    query: Any
    if criteria.get("population") == "loans":
        query = sa.select(Loan.borrower_id, Loan.id, Loan.manager_id).join(Merchant, Merchant.id == Loan.borrower_id)
        query = query.where(Loan.sub_branch_id == sub_branch_id)
        if criteria.get("matures_within_days") is not None:
            query = query.where(Loan.matures_on.between(
                today, today + timedelta(days=int(criteria["matures_within_days"]))))
        if criteria.get("no_arrears"):
            query = query.where(Loan.days_past_due == 0, Loan.overdue_cents == 0, Loan.status != "overdue")
        if criteria.get("loan_statuses"):
            query = query.where(Loan.status.in_(criteria["loan_statuses"]))
        if criteria.get("products"):
            query = query.where(Loan.product.in_(criteria["products"]))
        if criteria.get("min_amount_cents"):
            query = query.where(Loan.amount_cents >= int(criteria["min_amount_cents"]))
        if criteria.get("repaid_within_months"):
            since = today - timedelta(days=round(30.44 * int(criteria["repaid_within_months"])))
            query = query.where(Loan.status == "repaid", Loan.last_repayment_on >= since)
        query = _merchant_filters(query, criteria, today).order_by(Loan.borrower_id, Loan.matures_on, Loan.id)
    else:
        query = sa.select(Merchant.id, sa.null(), Merchant.owner_id).where(Merchant.sub_branch_id == sub_branch_id)
        query = _merchant_filters(query, criteria, today).order_by(Merchant.id)
    rows = db_rows(query)
    if criteria.get("without_product"):
        product = criteria["without_product"]
        ids = [row[0] for row in rows]
        having = _merchants_with_deal(ids, product)
        rows = [row for row in rows if row[0] not in having]
    seen: dict[int, tuple[int, int | None, int | None]] = {}
    for merchant_id, loan_id, manager_id in rows:
        seen.setdefault(int(merchant_id), (int(merchant_id), loan_id, manager_id))
    return list(seen.values())


def db_rows(query: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in db.session.execute(query)]


def _merchants_with_deal(merchant_ids: list[int], product: str) -> set[int]:
    """Merchants some visit recorded this deal for (outcomes are JSON: read and checked here, a few per merchant)."""
    having: set[int] = set()
    for start in range(0, len(merchant_ids), 500):
        part = merchant_ids[start:start + 500]
        for merchant_id, outcome in db.session.execute(
                sa.select(Visit.merchant_id, Visit.outcome).where(Visit.merchant_id.in_(part))):
            if product in ((outcome or {}).get("deals") or []):
                having.add(int(merchant_id))
    return having
