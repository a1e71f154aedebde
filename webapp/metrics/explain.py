"""Behind every figure: how it was counted (the definitions in force) and which records it came from.

The records are the fact rows of the people and period the figure covers, each with the visit it came from,
limited to the visits the viewer may see (webapp.scope.visit_condition): a manager tapping a colleague's
figure learns how many records it counts, and sees the ones they took part in.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.labels import DEAL_PRODUCT, VISIT_KIND
from webapp.metrics.counting import loan_book_active
from webapp.metrics.definitions import CREDITS_COUNTED, RATE_METRICS, Definitions
from webapp.models import User, Visit, VisitCredit
from webapp.scope import visit_condition
from webapp.visits.payload import DEAL_PRODUCTS

METRICS = ("consultations", "applications", "deals", *(f"deals.{p}" for p in DEAL_PRODUCTS), *RATE_METRICS)
SHOWN = 300


def describe(metric: str, definitions: Definitions) -> list[str]:
    """The rule for a metric under these definitions, in sentences a lead can read out."""
    kinds = "、".join(str(VISIT_KIND.get(k, k)) for k in definitions.consultation_kinds)
    rule = {"effective": _("visits the manager marked effective"),
            "verified_effective": _("visits marked effective whose check-in was verified at the merchant"),
            "any_visit": _("every visit")}[definitions.consultation_rule]
    credit = {"confirmed": _("A squad visit counts for its lead and for each support or observer who confirmed it."),
              "lead_only": _("A squad visit counts for its lead only."),
              "named": _("A squad visit counts for everyone named in the squad, confirmed or not.")}[
        definitions.squad_credit]
    products = "、".join(str(DEAL_PRODUCT.get(p, p)) for p in definitions.deal_products)
    loans = _("Loans are counted from the loan book.") if loan_book_active(definitions) else \
        _("Loans are counted from what the visits recorded (no loan book is installed).")
    lines = {
        "consultations": [_("Consultations: %(rule)s, of these kinds: %(kinds)s.", rule=rule, kinds=kinds)],
        "applications": [_("Applications: visits that recorded an application (product and amount).")],
        "deals": [_("Deals: each product sold at a visit counts once: %(products)s.", products=products), loans],
        "application_rate": [_("Application conversion: applications divided by consultations.")],
        "deal_rate": [_("Deal conversion: deals divided by applications; a deal needs no application, so it "
                        "can pass 100%.")],
    }
    if metric.startswith("deals."):
        product = metric.split(".", 1)[1]
        found = [_("Deals of one product: %(product)s.", product=str(DEAL_PRODUCT.get(product, product)))]
        if product == "loan":
            found.append(loans)
    else:
        found = lines.get(metric, [])
    return [*found, credit,
            _("A visit counts on the day it was made (China time), even when it reached the server later."),
            _("Plan achievement: the actual figure divided by the target.")]


@dataclass(frozen=True)
class Record:
    fact: VisitCredit
    visit: Visit
    contributes: int
    reason: str


def contribution(fact: VisitCredit, metric: str, definitions: Definitions) -> tuple[int, str]:
    """What one fact row adds to the figure (to the numerator of a rate), and why not when it adds nothing."""
    if fact.credit not in CREDITS_COUNTED[definitions.squad_credit]:
        if fact.credit == "named":
            return 0, _("not confirmed by this squad member")
        return 0, _("squad member: not counted")
    if metric == "consultations":
        if fact.kind not in definitions.consultation_kinds:
            return 0, _("this kind of visit is not a consultation")
        column = {"effective": fact.effective, "verified_effective": fact.verified_effective,
                  "any_visit": fact.visits}[definitions.consultation_rule]
        if column:
            return 1, ""
        return 0, _("not effective") if not fact.effective else _("check-in not verified")
    if metric in ("applications", "application_rate"):
        return (1, "") if fact.applications else (0, _("no application"))
    products = definitions.deal_products if metric in ("deals", "deal_rate") else (metric.split(".", 1)[1],)
    from_book = loan_book_active(definitions)
    count = sum(int(getattr(fact, f"deal_{p}")) for p in products
                if p in DEAL_PRODUCTS and not (p == "loan" and from_book))
    return (count, "") if count else (0, _("no deal"))


def records(viewer: User, start: date, end: date, metric: str, definitions: Definitions, *,
            user_ids: Collection[int] | None, sub_branch_ids: Collection[int]) -> tuple[list[Record], int]:
    """The fact rows behind a figure that the viewer may see (at most 300), and how many rows there are."""
    conditions = [VisitCredit.day >= start, VisitCredit.day <= end, VisitCredit.sub_branch_id.in_(list(sub_branch_ids))]
    if user_ids is not None:
        conditions.append(VisitCredit.user_id.in_(list(user_ids)))
    total = int(db.session.scalar(sa.select(sa.func.count()).select_from(VisitCredit).where(*conditions)) or 0)
    rows = db.session.execute(
        sa.select(VisitCredit, Visit).join(Visit, Visit.id == VisitCredit.visit_id)
        .where(*conditions, visit_condition(viewer))
        .order_by(VisitCredit.day, Visit.started_at, VisitCredit.user_id)
        .options(selectinload(Visit.merchant), selectinload(Visit.lead))
        .limit(SHOWN)).all()
    found = []
    for fact, visit in rows:
        adds, reason = contribution(fact, metric, definitions)
        found.append(Record(fact, visit, adds, reason))
    return found, total
