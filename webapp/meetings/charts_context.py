"""The charts each board shows, drawn from its figures (webapp.metrics.charts); every bar opens the
explanation of the figure it draws."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from webapp.labels import DEAL_PRODUCT
from webapp.meetings.day_boards import DayBoard, PersonFigures
from webapp.meetings.period_boards import BranchMonth, MonthBoard, Trends, WeekBoard
from webapp.metrics.charts import Bar, bar_chart, funnel_chart, line_chart
from webapp.metrics.definitions import Totals


def people_bars(rows: list[PersonFigures], metric: str, title: str) -> Markup:
    bars = [Bar(row.person.display_name, row.totals.value(metric), row.target(metric)) for row in rows]
    return bar_chart(bars, title=title)


def funnel(totals: Totals) -> Markup:
    return funnel_chart([(_("Consultations"), totals.consultations), (_("Applications"), totals.applications),
                         (_("Deals"), totals.deals)], title=_("From consultation to deal"))


def _month_labels(trends: Trends) -> list[str]:
    return [m.strftime("%Y-%m") for m in trends.months]


def morning(board: DayBoard) -> dict[str, Markup]:
    return {"previous": people_bars(board.previous_rows, "consultations",
                                    _("Consultations of the last working day against target"))}


def evening(board: DayBoard) -> dict[str, Markup]:
    return {"people": people_bars(board.rows, "consultations", _("Consultations today against target")),
            "funnel": funnel(board.team_totals)}


def weekly(board: WeekBoard) -> dict[str, Markup]:
    return {"people": people_bars(board.rows, "consultations", _("Consultations this week against target")),
            "deals": people_bars(board.rows, "deals", _("Deals this week against target")),
            "funnel": funnel(board.team_totals)}


def monthly(board: MonthBoard) -> dict[str, Markup]:
    labels = _month_labels(board.trends)
    products = [(str(DEAL_PRODUCT.get(code, code)), values) for code, values in board.trends.by_product]
    return {"people": people_bars(board.rows, "consultations", _("Consultations this month against target")),
            "funnel": funnel(board.team_totals),
            "person_trend": line_chart(labels, board.trends.by_person, title=_("Consultations per person by month")),
            "product_trend": line_chart(labels, products, title=_("Deals per product by month")),
            "district_trend": line_chart(labels, board.trends.by_district,
                                         title=_("Consultations per district by month"))}


def branch(board: BranchMonth) -> dict[str, Markup]:
    bars = [Bar(row.sub_branch.name, row.totals.consultations, row.targets.get("consultations"))
            for row in board.rows]
    return {"sub_branches": bar_chart(bars, title=_("Consultations per sub-branch against target")),
            "trend": line_chart(_month_labels(board.trends), board.trends.by_person,
                                title=_("Consultations per sub-branch by month")),
            "funnel": funnel(board.total)}
