"""Post-loan management (贷后管理): check rules per product, each loan's schedule of checks, off-site
check records, post-loan reports and risk warnings."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.loan import Loan
from webapp.models.user import User
from webapp.models.visit import Visit

CHECK_KINDS = ("first_onsite", "periodic_onsite", "use_of_funds", "periodic_offsite", "trigger")
CHECK_MODES = ("onsite", "offsite")
# Stored states; upcoming / due / overdue are read from the dates (webapp.postloan.states).
CHECK_STATUSES = ("open", "done", "waived")
CLASSIFICATIONS = ("normal", "special_mention", "substandard", "doubtful", "loss")  # 五级分类
WARNING_LEVELS = ("low", "medium", "high")
WARNING_STATUSES = ("open", "resolved")
# What raised a trigger check (ScheduledCheck.reason).
TRIGGER_REASONS = ("overdue", "warning", "visit")
# The rules that raise a risk warning (webapp.postloan.auto_warnings), and "manual" for one raised by hand.
WARNING_RULES = (
    "business_reduced", "business_suspended", "business_closed", "inventory_drop", "fixed_assets_decreased",
    "borrower_moved", "person_unreachable", "repayment_late", "adverse_web_finding", "funds_diverted",
    "preloan_photo_reused", "manual",
)
# An off-site check: the repayment record as the book shows it, and what a web search looked up.
REPAYMENT_VIEWS = ("on_time", "late", "overdue")
WEB_SUBJECTS = ("phone", "address", "company", "other")


class CheckRule(Base):
    """The bank's check rules for one product of one branch; a product without a row uses the defaults."""

    __tablename__ = "check_rule"
    __table_args__ = (UniqueConstraint("branch_id", "product", name="uq_check_rule_branch_id_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    product: Mapped[str] = mapped_column(String(40))
    first_onsite_days: Mapped[int] = mapped_column(Integer)
    short_term_max_months: Mapped[int] = mapped_column(Integer)
    short_interval_months: Mapped[int] = mapped_column(Integer)
    long_interval_months: Mapped[int] = mapped_column(Integer)
    use_of_funds_days: Mapped[int] = mapped_column(Integer)
    offsite_interval_months: Mapped[int] = mapped_column(Integer)
    trigger_days: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ScheduledCheck(Base):
    """One check a loan needs: derived from the book and the rules, or raised by a trigger.

    ``key`` names the check within its loan ("first", "onsite:m1:4", "trigger:visit:<id>"), so a
    recompute finds the check it made before and never touches one that is done or waived."""

    __tablename__ = "scheduled_check"
    __table_args__ = (
        UniqueConstraint("loan_id", "key", name="uq_scheduled_check_loan_id_key"),
        Index("ix_scheduled_check_assignee_status_window", "assignee_id", "status", "window_start"),
        Index("ix_scheduled_check_status_due", "status", "due_on"),
        Index("ix_scheduled_check_sub_branch_due", "sub_branch_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(20), default="")  # for triggers: overdue, warning, visit
    window_start: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_on: Mapped[date | None] = mapped_column(Date)  # the bank day it was done: on time when <= due_on
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visit.id"), index=True)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waive_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    loan: Mapped[Loan] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    waived_by: Mapped[User | None] = relationship(foreign_keys=[waived_by_id])
    visit: Mapped[Visit | None] = relationship()


class CheckTally(Base):
    """Counts of checks per sub-branch and due day, kept with every change: the completion board sums a
    few hundred of these rows instead of counting the whole schedule."""

    __tablename__ = "check_tally"
    __table_args__ = (PrimaryKeyConstraint("sub_branch_id", "due_on", name="pk_check_tally"),)

    sub_branch_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    done_on_time: Mapped[int] = mapped_column(Integer, default=0)
    done_late: Mapped[int] = mapped_column(Integer, default=0)
    waived: Mapped[int] = mapped_column(Integer, default=0)


class CheckTallyTotal(Base):
    """Open checks per sub-branch over all due days, kept with the tally: the checks overdue now are this total
    minus the open ones not yet due (a few weeks of tally rows), never a count over the whole history."""

    __tablename__ = "check_tally_total"
    sub_branch_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    open_count: Mapped[int] = mapped_column(Integer, default=0)


class OffsiteCheck(Base):
    """An off-site check (非现场检查) recorded from a phone or a desk, without a check-in."""

    __tablename__ = "offsite_check"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the client: a replay finds it
    check_id: Mapped[int] = mapped_column(ForeignKey("scheduled_check.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    repayment: Mapped[str] = mapped_column(String(12))  # on_time, late, overdue: as the book shows
    repayment_note: Mapped[str] = mapped_column(String(500), default="")
    interviews: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    web_findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    body_hash: Mapped[str] = mapped_column(String(64))

    recorded_by: Mapped[User] = relationship()


class CheckReport(Base):
    """The post-loan report (贷后检查报告) of one check: the manager's conclusion and proposed class."""

    __tablename__ = "check_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("scheduled_check.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    conclusion: Mapped[str] = mapped_column(Text)
    classification: Mapped[str] = mapped_column(String(16))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()


class RiskWarning(Base):
    """A post-loan risk warning (贷后风险预警), raised from a finding or by hand, worked until resolved."""

    __tablename__ = "risk_warning"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_risk_warning_source_key"),
        Index("ix_risk_warning_sub_branch_status", "sub_branch_id", "status", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    rule: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))
    detail: Mapped[str] = mapped_column(String(500), default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What raised it, once: "visit:<id>:inventory_drop", "import:<loan>:<date>", "manual:<uuid>".
    source_key: Mapped[str] = mapped_column(String(120))
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visit.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    resolution: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: raised by a rule
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    trigger_check_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_check.id"))

    loan: Mapped[Loan] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
