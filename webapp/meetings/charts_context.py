"""The charts each board shows, drawn from its figures (webapp.metrics.charts); every bar opens the
explanation of the figure it draws."""
from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.labels import DEAL_PRODUCT
from webapp.meetings.day_boards import DayBoard, PersonFigures
from webapp.meetings.period_boards import BranchMonth, MonthBoard, Trends, WeekBoard
from webapp.metrics.charts import Bar, bar_chart, funnel_chart, line_chart
from webapp.metrics.definitions import Totals, next_month


def explain_url(metric: str, first: date, last: date, *, person: int | None = None,
                sub_branch: int | None = None) -> str:
    """How a bar's figure was counted: one person's, or one sub-branch's."""
    return url_for("metrics.explain", metric=metric, start=first.isoformat(), end=last.isoformat(), person=person,
                   sub_branch=sub_branch)


def people_bars(rows: list[PersonFigures], metric: str, first: date, last: date, title: str) -> Markup:
    bars = [Bar(row.person.display_name, row.totals.value(metric), row.target(metric),
                explain_url(metric, first, last, person=row.person.id)) for row in rows]
    return bar_chart(bars, title=title)


def funnel(totals: Totals) -> Markup:
    return funnel_chart([(_("Consultations"), totals.consultations), (_("Applications"), totals.applications),
                         (_("Deals"), totals.deals)], title=_("From consultation to deal"))


def _month_labels(trends: Trends) -> list[str]:
    return [m.strftime("%Y-%m") for m in trends.months]


def morning(board: DayBoard) -> dict[str, Markup]:
    day = board.previous_day or board.day
    return {"previous": people_bars(board.previous_rows, "consultations", day, day,
                                    _("Consultations of the last working day against target"))}


def evening(board: DayBoard) -> dict[str, Markup]:
    return {"people": people_bars(board.rows, "consultations", board.day, board.day,
                                  _("Consultations today against target")),
            "funnel": funnel(board.team_totals)}


def weekly(board: WeekBoard) -> dict[str, Markup]:
    last = board.week + timedelta(days=6)
    return {"people": people_bars(board.rows, "consultations", board.week, last,
                                  _("Consultations this week against target")),
            "deals": people_bars(board.rows, "deals", board.week, last, _("Deals this week against target")),
            "funnel": funnel(board.team_totals)}


def monthly(board: MonthBoard) -> dict[str, Markup]:
    last = next_month(board.month) - timedelta(days=1)
    labels = _month_labels(board.trends)
    products = [(str(DEAL_PRODUCT.get(code, code)), values) for code, values in board.trends.by_product]
    return {"people": people_bars(board.rows, "consultations", board.month, last,
                                  _("Consultations this month against target")),
            "funnel": funnel(board.team_totals),
            "person_trend": line_chart(labels, board.trends.by_person, title=_("Consultations per person by month")),
            "product_trend": line_chart(labels, products, title=_("Deals per product by month")),
            "district_trend": line_chart(labels, board.trends.by_district,
                                         title=_("Consultations per district by month"))}


def branch(board: BranchMonth) -> dict[str, Markup]:
    last = next_month(board.month) - timedelta(days=1)
    bars = [Bar(row.sub_branch.name, row.totals.consultations, row.targets.get("consultations"),
                explain_url("consultations", board.month, last, sub_branch=row.sub_branch.id)) for row in board.rows]
    return {"sub_branches": bar_chart(bars, title=_("Consultations per sub-branch against target")),
            "trend": line_chart(_month_labels(board.trends), board.trends.by_person,
                                title=_("Consultations per sub-branch by month")),
            "funnel": funnel(board.total)}
