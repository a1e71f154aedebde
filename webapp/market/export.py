"""The peer summary as Excel: the latest terms of each peer product beside ours per district and kind, and every
observation (the changes over time) on a second sheet; the catalogue's versions on a third."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _

from webapp.bank_time import local_datetime
from webapp.labels import PEER_SOURCE, PRODUCT_CATEGORY, REPAYMENT_METHOD, label
from webapp.market.peer_summary import SummaryCell
from webapp.models import OurProduct
from webapp.spreadsheet import CellValue, build_workbook


def summary_filename(today: date) -> str:
    return f"peer-summary-{today.isoformat()}.xlsx"


def _percent(bp: int | None) -> float | None:
    return None if bp is None else bp / 100


def _yuan(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _latest(cells: list[SummaryCell]) -> Iterable[list[CellValue]]:
    for cell in cells:
        for product in cell.ours:
            yield [cell.district, label(PRODUCT_CATEGORY, cell.category), _("Our bank"), product.name,
                   _percent(product.rate_bp), None, label(REPAYMENT_METHOD, product.repayment_method),
                   product.entry_threshold, _yuan(product.max_amount_cents), product.max_term_months, None, "", "",
                   "", ""]
        for line in cell.peers:
            r = line.latest
            yield [cell.district, label(PRODUCT_CATEGORY, cell.category), r.bank, r.product, _percent(r.rate_bp),
                   _percent(line.rate_change_bp), label(REPAYMENT_METHOD, r.repayment_method), r.entry_threshold,
                   _yuan(r.max_amount_cents), r.max_term_months, r.observed_on, label(PEER_SOURCE, r.source),
                   r.strengths, r.weaknesses, r.marketing_strategy]


def _history(cells: list[SummaryCell]) -> Iterable[list[CellValue]]:
    for cell in cells:
        for line in cell.peers:
            for observation in line.history:
                r = observation.record
                yield [cell.district, label(PRODUCT_CATEGORY, cell.category), r.bank, r.product, r.observed_on,
                       _percent(r.rate_bp), _percent(observation.rate_change_bp), _yuan(r.max_amount_cents),
                       r.max_term_months, r.entry_threshold, label(PEER_SOURCE, r.source), r.recorded_by.display_name]


def _versions(products: list[OurProduct]) -> Iterable[list[CellValue]]:
    for product in products:
        for version in product.versions:
            yield [product.name, label(PRODUCT_CATEGORY, product.category), local_datetime(version.valid_from),
                   _percent(version.rate_bp), label(REPAYMENT_METHOD, version.repayment_method),
                   version.entry_threshold, _yuan(version.max_amount_cents), version.max_term_months,
                   _("Yes") if version.active else _("No")]


def build_summary(cells: list[SummaryCell], products: list[OurProduct]) -> bytes:
    latest = [_("District"), _("Kind"), _("Bank"), _("Product"), _("Annual rate in percent"), _("Rate change (points)"),
              _("Repayment method"), _("Entry threshold"), _("Maximum amount (yuan)"), _("Maximum term (months)"),
              _("Observed"), _("Source"), _("Strengths"), _("Weaknesses"), _("Marketing strategy")]
    history = [_("District"), _("Kind"), _("Bank"), _("Product"), _("Observed"), _("Annual rate in percent"),
               _("Rate change (points)"), _("Maximum amount (yuan)"), _("Maximum term (months)"),
               _("Entry threshold"), _("Source"), _("Recorded by")]
    versions = [_("Product"), _("Kind"), _("Valid from"), _("Annual rate in percent"), _("Repayment method"),
                _("Entry threshold"), _("Maximum amount (yuan)"), _("Maximum term (months)"), _("On offer")]
    return build_workbook([(_("Latest terms"), latest, _latest(cells)), (_("Changes over time"), history,
                                                                         _history(cells)),
                           (_("Our catalogue"), versions, _versions(products))])
