"""Reading the figures: sums of the facts kept by the write path, under a branch's definitions.

A period [start, end) is read from the monthly cells for the whole months it covers (a sub-branch's cells
when no people are named, the people's otherwise) and from the fact rows for the days at its edges, so a
month's table reads one row per sub-branch or person and category whatever the length of the history, and a
day's board reads that day's visits only (all through an index). The definitions
are applied to the sums (webapp.metrics.definitions.totals_from_rows), never stored with them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.metrics.definitions import Definitions, Totals, month_start, next_month, totals_from_rows
from webapp.metrics.sources import LOAN_DEAL_SOURCES, LoanDeal
from webapp.models import ActivityMonth, ActivitySubBranchMonth, VisitCredit
from webapp.models.metrics import COUNTER_COLUMNS

GROUPABLE = ("user_id", "sub_branch_id", "district", "day", "month")
Key = tuple[Any, ...]


def split_period(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months inside [start, end) and the day ranges left at its edges."""
    months: list[date] = []
    edges: list[tuple[date, date]] = []
    cursor = start
    while cursor < end:
        month_end = next_month(cursor)
        if cursor.day == 1 and month_end <= end:
            months.append(cursor)
            cursor = month_end
        else:
            stop = min(month_end, end)
            edges.append((cursor, stop))
            cursor = stop
    return months, edges


def _filters(columns: Any, user_ids: Collection[int] | None, sub_branch_ids: Collection[int] | None,
             districts: Collection[str] | None) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if user_ids is not None:
        conditions.append(columns.user_id.in_(list(user_ids)))
    if sub_branch_ids is not None:
        conditions.append(columns.sub_branch_id.in_(list(sub_branch_ids)))
    if districts is not None:
        conditions.append(columns.district.in_(list(districts)))
    return conditions


# The key of a sub-branch's monthly cell: rows grouped by all of it are the cells themselves.
SUB_BRANCH_CELL = frozenset({"month", "sub_branch_id", "kind", "credit"})


def _summed(table: Any, group: list[str], conditions: list[sa.ColumnElement[bool]], *,
            one_month: bool = False) -> list[dict[str, Any]]:
    columns = table.c
    names = (*group, "credit", "kind")
    keys = [columns[name] for name in names]
    if table is ActivitySubBranchMonth.__table__ and {*names, *(("month",) if one_month else ())} >= SUB_BRANCH_CELL:
        query = sa.select(*keys, *(columns[name] for name in COUNTER_COLUMNS)).where(*conditions)
    else:
        query = sa.select(*keys, *(sa.func.sum(columns[name]).label(name) for name in COUNTER_COLUMNS)) \
            .where(*conditions).group_by(*keys)
    return [dict(row._mapping) for row in db.session.execute(query)]


def fact_rows(start: date, end: date, by: tuple[str, ...], *, user_ids: Collection[int] | None = None,
              sub_branch_ids: Collection[int] | None = None,
              districts: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Summed counters per ``by`` (and credit and kind) over [start, end)."""
    assert set(by) <= set(GROUPABLE), by
    if (user_ids is not None and not user_ids) or (sub_branch_ids is not None and not sub_branch_ids) or start >= end:
        return []
    facts = VisitCredit.__table__
    # Without people or districts to pick, whole months come from the sub-branches' own cells.
    by_sub_branch = user_ids is None and districts is None and not {"user_id", "district"} & set(by)
    cells = ActivitySubBranchMonth.__table__ if by_sub_branch else ActivityMonth.__table__
    months: list[date]
    edges: list[tuple[date, date]]
    if "day" in by:
        months, edges = [], [(start, end)]
    else:
        months, edges = split_period(start, end)
    rows: list[dict[str, Any]] = []
    if months:
        conditions = [cells.c.month.in_(months), *_filters(cells.c, user_ids, sub_branch_ids, districts)]
        rows.extend(_summed(cells, [name for name in by], conditions, one_month=len(months) == 1))
    fact_group = [name for name in by if name != "month"] + (["day"] if "month" in by and "day" not in by else [])
    for edge_start, edge_end in edges:
        conditions = [facts.c.day >= edge_start, facts.c.day < edge_end,
                      *_filters(facts.c, user_ids, sub_branch_ids, districts)]
        for row in _summed(facts, fact_group, conditions):
            if "month" in by:
                row["month"] = month_start(row["day"])
                if "day" not in by:
                    del row["day"]
            rows.append(row)
    return rows


def loan_book_active(definitions: Definitions) -> bool:
    """Loans come from the loan book when the definition says so, or ("auto") when one is installed."""
    if definitions.loan_deal_source == "auto":
        return bool(LOAN_DEAL_SOURCES)
    return definitions.loan_deal_source == "loan_book"


def _loan_deals(start: date, end: date, user_ids: Collection[int] | None,
                sub_branch_ids: Collection[int] | None) -> list[LoanDeal]:
    return [deal for source in LOAN_DEAL_SOURCES for deal in source(user_ids, sub_branch_ids, start, end)]


def _key(values: Mapping[str, Any], by: tuple[str, ...]) -> Key:
    return tuple(values[name] for name in by)


def totals_by(by: tuple[str, ...], definitions: Definitions, start: date, end: date, *,
              user_ids: Collection[int] | None = None, sub_branch_ids: Collection[int] | None = None,
              districts: Collection[str] | None = None) -> dict[Key, Totals]:
    """Totals per group (a tuple of the ``by`` values) over [start, end)."""
    grouped: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for row in fact_rows(start, end, by, user_ids=user_ids, sub_branch_ids=sub_branch_ids, districts=districts):
        grouped[_key(row, by)].append(row)
    loans: dict[Key, int] | None = None
    if loan_book_active(definitions):
        loans = defaultdict(int)
        for deal in _loan_deals(start, end, user_ids, sub_branch_ids):
            if districts is not None and deal.district not in districts:
                continue
            values = {"user_id": deal.user_id, "sub_branch_id": deal.sub_branch_id, "district": deal.district,
                      "day": deal.day, "month": month_start(deal.day)}
            loans[_key(values, by)] += 1
            grouped.setdefault(_key(values, by), [])
    return {key: totals_from_rows(rows, definitions, loan_book_loans=None if loans is None else loans.get(key, 0))
            for key, rows in grouped.items()}


def person_totals(definitions: Definitions, user_ids: Collection[int], start: date, end: date, *,
                  sub_branch_ids: Collection[int] | None = None) -> dict[int, Totals]:
    found = totals_by(("user_id",), definitions, start, end, user_ids=user_ids, sub_branch_ids=sub_branch_ids)
    return {user_id: found.get((user_id,), Totals(by_product=dict.fromkeys(definitions.deal_products, 0)))
            for user_id in user_ids}


def sum_totals(parts: Iterable[Totals], definitions: Definitions) -> Totals:
    total = Totals(by_product=dict.fromkeys(definitions.deal_products, 0))
    for part in parts:
        total.add(part)
    return total


def empty_totals(definitions: Definitions) -> Totals:
    return Totals(by_product=dict.fromkeys(definitions.deal_products, 0))
