"""Building the metric facts and monthly roll-ups from the visits already stored, in one pass.

The write path keeps them in step from the moment the metrics exist (webapp.metrics.facts); this fills them
for visits written before: the migration that creates the tables calls it, and so does the large-history
seeder (scripts/seed_large.py), whose visits are inserted in bulk. It works on a Core connection with the
columns as they are at that migration, streams visits in id order and inserts facts in batches, so a
million visits never sit in memory.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from webapp.metrics.definitions import bank_day, credits_for, visit_contribution
from webapp.models.base import UTCDateTime

BATCH = 5000
COUNTERS = ("visits", "effective", "verified_effective", "applications", "application_amount",
            "deal_loan", "deal_pension_account", "deal_credit_card", "deal_wealth_product", "deal_bill_payment",
            "deal_aggregated_qr", "deal_merchant_acquiring", "deal_account_opening")
GROUP = ("user_id", "sub_branch_id", "district", "kind", "credit")

visit = sa.table("visit", sa.column("id", sa.String), sa.column("merchant_id", sa.Integer),
                 sa.column("sub_branch_id", sa.Integer), sa.column("kind", sa.String),
                 sa.column("lead_id", sa.Integer), sa.column("support_id", sa.Integer),
                 sa.column("observer_id", sa.Integer), sa.column("started_at", UTCDateTime()),
                 sa.column("checkin_status", sa.String), sa.column("outcome", sa.JSON))
merchant = sa.table("merchant", sa.column("id", sa.Integer), sa.column("district", sa.String))
confirmation = sa.table("squad_confirmation", sa.column("visit_id", sa.String), sa.column("user_id", sa.Integer))
TEXT_COLUMNS = ("district", "kind", "credit")


def _typed(names: tuple[str, ...]) -> list[sa.ColumnClause[Any]]:
    """Columns of the metric tables by name: text for the categories, a float amount, integers otherwise."""
    return [sa.column(name, sa.String if name in TEXT_COLUMNS else sa.Float if name == "application_amount"
                      else sa.Integer) for name in names]


visit_credit = sa.table("visit_credit", sa.column("visit_id", sa.String), sa.column("day", sa.Date),
                        *_typed(("user_id", "credit", "sub_branch_id", "merchant_id", "district", "kind", *COUNTERS)))
activity_month = sa.table("activity_month", sa.column("month", sa.Date), *_typed((*GROUP, *COUNTERS)))
SUB_BRANCH_GROUP = ("sub_branch_id", "kind", "credit")
activity_sub_branch_month = sa.table("activity_sub_branch_month", sa.column("month", sa.Date),
                                     *_typed((*SUB_BRANCH_GROUP, *COUNTERS)))


def _visits(conn: sa.Connection) -> Iterator[list[Any]]:
    """Visits with their merchant's district, in keyset batches by id."""
    last = ""
    while True:
        rows = conn.execute(
            sa.select(visit, merchant.c.district).join(merchant, merchant.c.id == visit.c.merchant_id)
            .where(visit.c.id > last).order_by(visit.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        yield list(rows)


def _confirmed(conn: sa.Connection, visit_ids: list[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for visit_id, user_id in conn.execute(sa.select(confirmation.c.visit_id, confirmation.c.user_id)
                                          .where(confirmation.c.visit_id.in_(visit_ids))):
        found.setdefault(visit_id, set()).add(user_id)
    return found


def _month_of(conn: sa.Connection, day: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc("month", day), sa.Date)
    return sa.func.date(day, "start of month")


def rebuild_metric_facts(conn: sa.Connection) -> int:
    """Replace every fact row and monthly cell with those the stored visits give. Returns the fact rows made."""
    conn.execute(sa.delete(activity_sub_branch_month))
    conn.execute(sa.delete(activity_month))
    conn.execute(sa.delete(visit_credit))
    made = 0
    for rows in _visits(conn):
        confirmed = _confirmed(conn, [row.id for row in rows])
        facts: list[dict[str, Any]] = []
        for row in rows:
            contribution = visit_contribution(row.outcome if isinstance(row.outcome, dict) else {},
                                              row.checkin_status)
            day = bank_day(row.started_at)
            for user_id, credit in credits_for(row.lead_id, row.support_id, row.observer_id,
                                               confirmed.get(row.id, ())):
                facts.append({"visit_id": row.id, "user_id": user_id, "day": day, "credit": credit,
                              "sub_branch_id": row.sub_branch_id, "merchant_id": row.merchant_id,
                              "district": row.district or "", "kind": row.kind, **contribution})
        if facts:
            conn.execute(sa.insert(visit_credit), facts)
            made += len(facts)
    month = _month_of(conn, visit_credit.c.day)
    keys = [visit_credit.c[name] for name in GROUP]
    conn.execute(sa.insert(activity_month).from_select(
        ["month", *GROUP, *COUNTERS],
        sa.select(month, *keys, *(sa.func.sum(visit_credit.c[name]) for name in COUNTERS)).group_by(month, *keys)))
    cells = [activity_month.c[name] for name in SUB_BRANCH_GROUP]
    conn.execute(sa.insert(activity_sub_branch_month).from_select(
        ["month", *SUB_BRANCH_GROUP, *COUNTERS],
        sa.select(activity_month.c.month, *cells, *(sa.func.sum(activity_month.c[name]) for name in COUNTERS))
        .group_by(activity_month.c.month, *cells)))
    return made
