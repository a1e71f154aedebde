"""Customer relations (客户关系管理): saved screening models over the loan book, merchants and activity
(存量客户筛选), their runs, and the target lists they gave, each target with its manager and outcome."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.loan import Loan
from webapp.models.merchant import Merchant
from webapp.models.user import User

SCREENING_POPULATIONS = ("loans", "merchants")
# What came of a target: set by its manager; visits, applications, deals and loans after the run raise it too.
TARGET_OUTCOMES = ("new", "contacted", "interested", "applied", "won", "declined")


class ScreeningModel(Base):
    """A saved filter a team lead runs again and again: "loans maturing within 60 days with no arrears"."""

    __tablename__ = "screening_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(300), default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    runs: Mapped[list[ScreeningRun]] = relationship(back_populates="model", order_by="ScreeningRun.id")


class ScreeningRun(Base):
    """One run of a model: the criteria as they were, the bank day it was run for, and its targets."""

    __tablename__ = "screening_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("screening_model.id"), index=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    as_of: Mapped[date] = mapped_column(Date)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    target_count: Mapped[int] = mapped_column(Integer, default=0)

    model: Mapped[ScreeningModel] = relationship(back_populates="runs")
    run_by: Mapped[User] = relationship()


class ScreeningTarget(Base):
    __tablename__ = "screening_target"
    __table_args__ = (UniqueConstraint("run_id", "merchant_id", name="uq_screening_target_run_id_merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_run.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12), default="new")
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(String(300), default="")

    run: Mapped[ScreeningRun] = relationship()
    merchant: Mapped[Merchant] = relationship()
    loan: Mapped[Loan | None] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
