"""Activity metrics kept by the visit write path: one fact row per visit and credited person, a monthly roll-up
of those facts per person, and one per sub-branch, so that boards read the period they show and never the whole
history.

Both tables are derived data: ``webapp.metrics.facts.refresh_visit_metrics`` rewrites a visit's facts and
the monthly cells they feed, from the visit as it now stands, whenever the write path changes a visit or a
squad member confirms. Settings (what counts as a consultation, whose squad visits count) are applied when
the figures are read, so changing a definition never needs the tables rebuilt.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, utcnow

# How a person took part in a visit: its lead, a support/observer who confirmed, or one named but not yet
# confirmed. Which of them count is a setting (webapp.metrics.definitions.Definitions.squad_credit).
CREDITS = ("lead", "confirmed", "named")


class _Counters:
    """The counters a fact row and a monthly cell share (a mixin: SQLAlchemy copies the columns)."""

    visits: Mapped[int] = mapped_column(Integer, default=0)
    effective: Mapped[int] = mapped_column(Integer, default=0)
    verified_effective: Mapped[int] = mapped_column(Integer, default=0)
    applications: Mapped[int] = mapped_column(Integer, default=0)
    application_amount: Mapped[float] = mapped_column(Float, default=0.0)
    deal_loan: Mapped[int] = mapped_column(Integer, default=0)
    deal_pension_account: Mapped[int] = mapped_column(Integer, default=0)
    deal_credit_card: Mapped[int] = mapped_column(Integer, default=0)
    deal_wealth_product: Mapped[int] = mapped_column(Integer, default=0)
    deal_bill_payment: Mapped[int] = mapped_column(Integer, default=0)
    deal_aggregated_qr: Mapped[int] = mapped_column(Integer, default=0)
    deal_merchant_acquiring: Mapped[int] = mapped_column(Integer, default=0)
    deal_account_opening: Mapped[int] = mapped_column(Integer, default=0)


COUNTER_COLUMNS = (
    "visits", "effective", "verified_effective", "applications", "application_amount",
    "deal_loan", "deal_pension_account", "deal_credit_card", "deal_wealth_product", "deal_bill_payment",
    "deal_aggregated_qr", "deal_merchant_acquiring", "deal_account_opening",
)


class VisitCredit(_Counters, Base):
    """What one visit contributes to one person's figures on the bank day it was made (China time).

    ``visits`` is always 1; the other counters are 0 or 1 (the amount is the application's). District and
    kind are the visit's at the time it was written, so a figure can be split by them later.
    """

    __tablename__ = "visit_credit"
    __table_args__ = (
        UniqueConstraint("visit_id", "user_id", name="uq_visit_credit_visit_id_user_id"),
        Index("ix_visit_credit_user_day", "user_id", "day"),
        Index("ix_visit_credit_sub_branch_day", "sub_branch_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    day: Mapped[date] = mapped_column(Date)
    credit: Mapped[str] = mapped_column(String(12))
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"))
    district: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(16))


class ActivityMonth(_Counters, Base):
    """The sum of one person's fact rows of one month, per sub-branch, district, visit kind and credit."""

    __tablename__ = "activity_month"
    __table_args__ = (
        UniqueConstraint("month", "user_id", "sub_branch_id", "district", "kind", "credit",
                         name="uq_activity_month_month"),
        Index("ix_activity_month_month_sub_branch", "month", "sub_branch_id"),
        Index("ix_activity_month_user_month", "user_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    district: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(16))
    credit: Mapped[str] = mapped_column(String(12))


class ActivitySubBranchMonth(_Counters, Base):
    """The sum of a sub-branch's monthly cells, per visit kind and credit: the branch's monthly table and its
    trends read a handful of rows per sub-branch and month, however many people, districts and visits there are."""

    __tablename__ = "activity_sub_branch_month"
    __table_args__ = (
        UniqueConstraint("month", "sub_branch_id", "kind", "credit", name="uq_activity_sub_branch_month_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    kind: Mapped[str] = mapped_column(String(16))
    credit: Mapped[str] = mapped_column(String(12))


class MetricDefinitionSet(Base):
    """A branch's metric definitions as its admin set them; keys not set take the defaults in config."""

    __tablename__ = "metric_definition_set"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
