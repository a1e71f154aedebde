"""The loan book (贷款台账): loans as the core banking system's daily file reports them.

Amounts are whole fen (分, cents) in integers: exact on every backend, no Decimal-on-SQLite warnings.
The book is the bank's; the app only mirrors it, so a loan is written only by the import
(``webapp.loans.importer``) and by the demo seed.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.merchant import Merchant
from webapp.models.org import SubBranch
from webapp.models.user import User

LOAN_STATUSES = ("normal", "overdue", "repaid", "written_off")
REPAYMENT_METHODS = ("equal_installment", "equal_principal", "interest_first", "bullet", "other")
PERSON_RELATIONS = ("spouse", "co_borrower", "guarantor", "market_manager", "main_contact")
# Whom a manager checks with or contacts about a loan: the borrower, a related person, or someone else.
PERSON_KINDS = ("borrower", *PERSON_RELATIONS, "other")
OPEN_LOAN_STATUSES = ("normal", "overdue")


class Loan(Base):
    __tablename__ = "loan"
    __table_args__ = (
        Index("ix_loan_manager_status", "manager_id", "status"),
        Index("ix_loan_sub_branch_status", "sub_branch_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_number: Mapped[str] = mapped_column(String(40), unique=True)  # 借据号
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    borrower_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    product: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    disbursed_on: Mapped[date] = mapped_column(Date)
    matures_on: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer)
    repayment_method: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(String(200), default="")  # 用途
    manager_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(16), default="normal")
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    overdue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    last_repayment_on: Mapped[date | None] = mapped_column(Date)
    # The day the book last said this loan fell overdue (kept while it stays overdue): trigger checks key on it.
    overdue_since: Mapped[date | None] = mapped_column(Date)
    # Hash of the imported row: an unchanged row is recognised without comparing every field.
    row_hash: Mapped[str] = mapped_column(String(64), default="")
    as_of: Mapped[date] = mapped_column(Date)  # the book date of the file that last wrote the loan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sub_branch: Mapped[SubBranch] = relationship()
    borrower: Mapped[Merchant] = relationship()
    manager: Mapped[User] = relationship()
    persons: Mapped[list[LoanPerson]] = relationship(back_populates="loan", order_by="LoanPerson.id",
                                                     cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LOAN_STATUSES


class LoanPerson(Base):
    """Someone the manager checks with: spouse, co-borrower, guarantor, market manager, main contact."""

    __tablename__ = "loan_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20), default="")

    loan: Mapped[Loan] = relationship(back_populates="persons")


class LoanHistory(Base):
    """Repayment history: one row per book date on which the loan's repayment figures changed (the first
    import writes the first row). Collection reads promises against it."""

    __tablename__ = "loan_history"
    __table_args__ = (UniqueConstraint("loan_id", "as_of", name="uq_loan_history_loan_id_as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    days_past_due: Mapped[int] = mapped_column(Integer)
    overdue_cents: Mapped[int] = mapped_column(BigInteger)
    last_repayment_on: Mapped[date | None] = mapped_column(Date)


class LoanImport(Base):
    """One run of the daily import: who, when, which book date, and the summary of what changed."""

    __tablename__ = "loan_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    source: Mapped[str] = mapped_column(String(8))  # page, cli, demo
    file_name: Mapped[str] = mapped_column(String(200), default="")
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    imported_by: Mapped[User | None] = relationship()
