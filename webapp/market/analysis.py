"""Market analysis: the district by industry table (merchants, our customers, penetration, visits in the last 90
days, open loans and their balances), the funding seasonality of each industry (from the months surveys say
funds are needed most, and from the months loans were disbursed), and the penetration of each district for the
map.

Merchants and visits are counted over the sub-branches the reader sees; loans through the loan book's own scope
(a manager's own book, a lead's team's, the branch's), so a figure never shows more of the book than the reader's
loan pages would.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.metrics.definitions import Definitions, conversion
from webapp.models import Loan, Merchant, Survey, SurveyQuestion, SurveyResponse, User, Visit
from webapp.models.loan import OPEN_LOAN_STATUSES
from webapp.scope import loan_condition, merchant_condition, survey_condition
from webapp.sweeps.mapdata import display_point

VISIT_WINDOW = timedelta(days=90)


@dataclass
class Cell:
    merchants: int = 0
    customers: int = 0
    visits: int = 0
    loans: int = 0
    balance_cents: int = 0

    @property
    def penetration(self) -> float | None:
        return conversion(self.customers, self.merchants)

    def add(self, other: Cell) -> None:
        self.merchants += other.merchants
        self.customers += other.customers
        self.visits += other.visits
        self.loans += other.loans
        self.balance_cents += other.balance_cents


@dataclass
class Table:
    districts: list[str]
    industries: list[str]
    cells: dict[tuple[str, str], Cell]
    district_totals: dict[str, Cell] = field(default_factory=dict)
    industry_totals: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)


def district_industry_table(user: User, definitions: Definitions, now: datetime) -> Table:
    cells: dict[tuple[str, str], Cell] = defaultdict(Cell)
    for district, industry, status, count in db.session.execute(
            sa.select(Merchant.district, Merchant.industry, Merchant.status, sa.func.count())
            .where(merchant_condition(user)).group_by(Merchant.district, Merchant.industry, Merchant.status)):
        cell = cells[(district or "-", industry or "-")]
        cell.merchants += int(count)
        if status in definitions.penetration_statuses:
            cell.customers += int(count)
    for district, industry, count in db.session.execute(
            sa.select(Merchant.district, Merchant.industry, sa.func.count(Visit.id))
            .join(Visit, Visit.merchant_id == Merchant.id)
            .where(merchant_condition(user), Visit.started_at >= now - VISIT_WINDOW)
            .group_by(Merchant.district, Merchant.industry)):
        cells[(district or "-", industry or "-")].visits += int(count)
    for district, industry, count, balance in db.session.execute(
            sa.select(Merchant.district, Merchant.industry, sa.func.count(Loan.id), sa.func.sum(Loan.balance_cents))
            .join(Loan, Loan.borrower_id == Merchant.id)
            .where(loan_condition(user), Loan.status.in_(OPEN_LOAN_STATUSES))
            .group_by(Merchant.district, Merchant.industry)):
        cell = cells[(district or "-", industry or "-")]
        cell.loans += int(count)
        cell.balance_cents += int(balance or 0)
    table = Table(sorted({d for d, _i in cells}), sorted({i for _d, i in cells}), dict(cells))
    for (district, industry), cell in cells.items():
        table.district_totals.setdefault(district, Cell()).add(cell)
        table.industry_totals.setdefault(industry, Cell()).add(cell)
        table.total.add(cell)
    table.districts.sort(key=lambda d: -table.district_totals[d].merchants)
    table.industries.sort(key=lambda i: -table.industry_totals[i].merchants)
    return table


@dataclass
class Season:
    industry: str
    disbursed: list[int]  # loans disbursed in each month, January first
    surveyed: list[int]  # survey answers naming each month as one of most need

    @property
    def peak_months(self) -> list[int]:
        """The months of most need: where the two counts together are highest."""
        combined = [d + s for d, s in zip(self.disbursed, self.surveyed, strict=True)]
        top = max(combined) if combined else 0
        return [index + 1 for index, value in enumerate(combined) if top and value == top]


def funding_seasonality(user: User) -> list[Season]:
    seasons: dict[str, Season] = {}

    def season(industry: str) -> Season:
        return seasons.setdefault(industry or "-", Season(industry or "-", [0] * 12, [0] * 12))

    for industry, disbursed_on in db.session.execute(
            sa.select(Merchant.industry, Loan.disbursed_on).join(Merchant, Merchant.id == Loan.borrower_id)
            .where(loan_condition(user))):
        season(industry).disbursed[disbursed_on.month - 1] += 1
    month_questions = {str(q_id) for q_id in db.session.scalars(
        sa.select(SurveyQuestion.id).join(Survey, Survey.id == SurveyQuestion.survey_id)
        .where(survey_condition(user), SurveyQuestion.kind == "months"))}
    if month_questions:
        for industry, answers in db.session.execute(
                sa.select(SurveyResponse.industry, SurveyResponse.answers)
                .join(Survey, Survey.id == SurveyResponse.survey_id).where(survey_condition(user))):
            for key in month_questions & set(answers or {}):
                for month in answers[key]:
                    if isinstance(month, int) and 1 <= month <= 12:
                        season(industry).surveyed[month - 1] += 1
    return sorted(seasons.values(), key=lambda s: -(sum(s.disbursed) + sum(s.surveyed)))


def penetration_markers(user: User, definitions: Definitions) -> list[dict[str, Any]]:
    """One marker per district at the middle of its located merchants, coloured by penetration in five steps."""
    centres: dict[str, tuple[float, float]] = {}
    for district, lat, lon in db.session.execute(
            sa.select(Merchant.district, sa.func.avg(Merchant.lat), sa.func.avg(Merchant.lon))
            .where(merchant_condition(user), Merchant.lat.is_not(None), Merchant.lon.is_not(None))
            .group_by(Merchant.district)):
        if lat is not None and lon is not None:
            centres[district or "-"] = (float(lat), float(lon))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for district, status, count in db.session.execute(
            sa.select(Merchant.district, Merchant.status, sa.func.count()).where(merchant_condition(user))
            .group_by(Merchant.district, Merchant.status)):
        counts[district or "-"][0] += int(count)
        if status in definitions.penetration_statuses:
            counts[district or "-"][1] += int(count)
    markers = []
    for index, (district, (lat, lon)) in enumerate(sorted(centres.items()), start=1):
        merchants, customers = counts[district]
        percent = conversion(customers, merchants)
        step = min(4, int((percent or 0) // 20))
        shown = display_point(lat, lon)
        label = f"{district} · {percent:.1f}%" if percent is not None else district
        markers.append({"id": index, "lat": shown[0], "lon": shown[1], "name": label, "state": f"pen-{step}"})
    return markers
