"""The activity metrics (活动量), defined once: pure functions over records (no request, no database).

What a visit contributes (``visit_contribution``) and to whom (``credits_for``) is decided here; the write
path stores those contributions as facts (webapp.metrics.facts) and the boards sum them through
``totals_from_rows`` under the branch's ``Definitions``. Every rule that a bank might set differently is a
field of ``Definitions``, with the guide's reading as its default:

- consultation volume (咨询活动量): effective marketing visits, per person per working day;
- application volume (申请活动量): visits that recorded an application;
- deal volume (成交活动量): products sold at a visit, a loan or a cross-sold service; loans come from the
  loan book once one is installed (webapp.metrics.sources), otherwise from the visit's record;
- conversion (转化率): applications / consultations and deals / applications;
- penetration (渗透率): our customers among the merchants of a district, industry or channel;
- plan achievement (计划达成率): actual / target.

A squad visit counts for its lead and for each support or observer who confirmed (a setting).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from webapp.bank_time import BANK_ZONE
from webapp.models.merchant import MERCHANT_STATUSES
from webapp.models.visit import VISIT_KINDS
from webapp.visits.payload import DEAL_PRODUCTS

CONSULTATION_RULES = ("effective", "verified_effective", "any_visit")
SQUAD_CREDIT_RULES = ("confirmed", "lead_only", "named")
LOAN_DEAL_SOURCES = ("auto", "visits", "loan_book")
BASE_METRICS = ("consultations", "applications", "deals")
RATE_METRICS = ("application_rate", "deal_rate")
CREDITS_COUNTED = {"confirmed": ("lead", "confirmed"), "lead_only": ("lead",), "named": ("lead", "confirmed", "named")}


@dataclass(frozen=True)
class Definitions:
    """A branch's definitions. Defaults are the guide's; an admin may change any of them (webapp.metrics.store)."""

    consultation_rule: str = "effective"
    consultation_kinds: tuple[str, ...] = ("marketing",)
    squad_credit: str = "confirmed"
    deal_products: tuple[str, ...] = DEAL_PRODUCTS
    loan_deal_source: str = "auto"
    penetration_statuses: tuple[str, ...] = ("customer", "borrower")
    working_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    talk_after_days: int = 5
    honour_min_consultations: int = 20

    def as_json(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


def definitions_from(values: Mapping[str, Any], base: Definitions | None = None) -> tuple[Definitions, dict[str, str]]:
    """Definitions from stored or submitted values over ``base``; unknown or invalid values are reported
    (field -> problem code) and leave the base's value in place."""
    changes: dict[str, Any] = {}
    problems: dict[str, str] = {}
    choices = {"consultation_rule": CONSULTATION_RULES, "squad_credit": SQUAD_CREDIT_RULES,
               "loan_deal_source": LOAN_DEAL_SOURCES}
    lists: dict[str, tuple[Any, ...]] = {"consultation_kinds": VISIT_KINDS, "deal_products": DEAL_PRODUCTS,
                                         "penetration_statuses": MERCHANT_STATUSES,
                                         "working_weekdays": (0, 1, 2, 3, 4, 5, 6)}
    numbers = {"talk_after_days": (1, 60), "honour_min_consultations": (0, 1000)}
    for name, value in values.items():
        if name in choices:
            if value not in choices[name]:
                problems[name] = "choice"
                continue
            changes[name] = value
        elif name in lists:
            if not isinstance(value, (list, tuple)) or not value or any(v not in lists[name] for v in value):
                problems[name] = "list"
                continue
            changes[name] = tuple(v for v in lists[name] if v in value)
        elif name in numbers:
            low, high = numbers[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems[name] = "number"
                continue
            changes[name] = value
        else:
            problems[name] = "unknown"
    return replace(base or Definitions(), **changes), problems


# --- what one visit contributes, and to whom -------------------------------------------------------------


def bank_day(moment: datetime) -> date:
    """The bank day a visit counts on: the day it was *made*, in China time, whenever it reached the server."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BANK_ZONE).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    first = day.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday."""
    return day - timedelta(days=day.weekday())


def credits_for(lead_id: int, support_id: int | None, observer_id: int | None,
                confirmed_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(person, credit) for everyone a visit may count for: the lead, and each support or observer as
    'confirmed' once they confirmed from their own login, 'named' until then."""
    confirmed = set(confirmed_ids)
    credits = [(lead_id, "lead")]
    for member in (support_id, observer_id):
        if member is not None and member != lead_id:
            credits.append((member, "confirmed" if member in confirmed else "named"))
    return credits


def visit_contribution(outcome: Mapping[str, Any] | None, checkin_status: str | None) -> dict[str, float]:
    """The counters one visit adds for each person it counts for (all 0 or 1 but the application amount)."""
    outcome = outcome or {}
    effective = outcome.get("effective") is True
    application = outcome.get("application")
    amount = 0.0
    if isinstance(application, Mapping):
        raw = application.get("amount")
        amount = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else 0.0
    deals = {d for d in (outcome.get("deals") or []) if d in DEAL_PRODUCTS}
    contribution: dict[str, float] = {
        "visits": 1,
        "effective": int(effective),
        "verified_effective": int(effective and checkin_status == "verified"),
        "applications": int(bool(application)),
        "application_amount": amount,
    }
    contribution.update({f"deal_{product}": int(product in deals) for product in DEAL_PRODUCTS})
    return contribution


# --- figures under a set of definitions --------------------------------------------------------------------


@dataclass
class Totals:
    """A person's, team's or sub-branch's activity over a period, as the definitions count it."""

    consultations: int = 0
    applications: int = 0
    deals: int = 0
    by_product: dict[str, int] = field(default_factory=dict)
    visits: int = 0
    application_amount: float = 0.0

    def add(self, other: Totals) -> None:
        self.consultations += other.consultations
        self.applications += other.applications
        self.deals += other.deals
        self.visits += other.visits
        self.application_amount += other.application_amount
        for product, count in other.by_product.items():
            self.by_product[product] = self.by_product.get(product, 0) + count

    def value(self, metric: str) -> int:
        """A target's metric: consultations, applications, deals, or deals of one product (deals.loan)."""
        if metric.startswith("deals."):
            return self.by_product.get(metric.split(".", 1)[1], 0)
        return int(getattr(self, metric))

    @property
    def cross_sold(self) -> int:
        """Deals other than loans: the services sold alongside (综合服务营销)."""
        return self.deals - self.by_product.get("loan", 0)

    @property
    def application_rate(self) -> float | None:
        return conversion(self.applications, self.consultations)

    @property
    def deal_rate(self) -> float | None:
        return conversion(self.deals, self.applications)


CONSULTATION_COLUMN = {"effective": "effective", "verified_effective": "verified_effective", "any_visit": "visits"}


def counts_as_consultation(row: Mapping[str, Any], definitions: Definitions) -> int:
    """How many of a row's visits are consultations under the rule (0 for kinds that are not consultations)."""
    if row["kind"] not in definitions.consultation_kinds:
        return 0
    return int(row[CONSULTATION_COLUMN[definitions.consultation_rule]])


def totals_from_rows(rows: Iterable[Mapping[str, Any]], definitions: Definitions, *,
                     loan_book_loans: int | None = None) -> Totals:
    """Sum fact rows (or monthly cells) with their ``credit``, ``kind`` and counters into Totals.

    ``loan_book_loans``: the loans the loan book counts for the same people and period; when given, loans
    recorded on visits are replaced by it (a loan is counted once, from the book)."""
    counted = CREDITS_COUNTED[definitions.squad_credit]
    consultation = CONSULTATION_COLUMN[definitions.consultation_rule]
    kinds = definitions.consultation_kinds
    from_visits = [(product, f"deal_{product}") for product in definitions.deal_products
                   if not (product == "loan" and loan_book_loans is not None)]
    by_product = dict.fromkeys(definitions.deal_products, 0)
    visits = consultations = applications = 0
    amount = 0.0
    for row in rows:
        if row["credit"] not in counted:
            continue
        visits += int(row["visits"])
        if row["kind"] in kinds:
            consultations += int(row[consultation])
        applications += int(row["applications"])
        amount += float(row["application_amount"] or 0)
        for product, column in from_visits:
            by_product[product] += int(row[column])
    if loan_book_loans is not None and "loan" in by_product:
        by_product["loan"] = loan_book_loans
    return Totals(consultations=consultations, applications=applications, deals=sum(by_product.values()),
                  by_product=by_product, visits=visits, application_amount=amount)


def conversion(numerator: float, denominator: float) -> float | None:
    """A rate in percent, or None when there is nothing to convert from."""
    return round(100.0 * numerator / denominator, 1) if denominator else None


def achievement(actual: float, target: float | None) -> float | None:
    """Plan achievement (计划达成率) in percent; None when no target was set."""
    return round(100.0 * actual / target, 1) if target else None


def met(actual: float, target: float | None) -> bool | None:
    """Green or red on a board: None when there is no target to meet."""
    return None if not target else actual >= target


def penetration(status_counts: Mapping[str, int], definitions: Definitions) -> tuple[int, int, float | None]:
    """(our customers, merchants, percent) for a set of merchants given as a count per status: a district's,
    an industry's, or a channel's merchants, whoever picked them."""
    merchants = sum(status_counts.values())
    customers = sum(count for status, count in status_counts.items() if status in definitions.penetration_statuses)
    return customers, merchants, conversion(customers, merchants)


def working_days(start: date, end: date, definitions: Definitions) -> int:
    """Working days in [start, end): the weekdays the branch works."""
    days = 0
    day = start
    while day < end:
        days += int(day.weekday() in definitions.working_weekdays)
        day += timedelta(days=1)
    return days


def per_working_day(count: float, days: int) -> float | None:
    return round(count / days, 1) if days else None


def period_days(start: date, end: date) -> Sequence[date]:
    return [start + timedelta(days=n) for n in range((end - start).days)]
