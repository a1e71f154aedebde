"""Collection (清收): the case a loan's arrears open, what is done on it, and who is told.

A case is opened by the loan book's import (or by hand from a loan) and closed by the book (the loan is
current again or settled) or by a credit committee decision; every opening and closing is kept with who or
what did it and why. The overdue report and the committee's records are in ``webapp.models.committee``.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.loan import PERSON_KINDS, Loan
from webapp.models.org import SubBranch
from webapp.models.user import User
from webapp.models.visit import Visit

if TYPE_CHECKING:
    from webapp.models.committee import OverdueReport

CASE_STATUSES = ("open", "closed")
OPEN_REASONS = ("book", "manual")
# current / settled come from the loan book; the other three from a committee decision.
CLOSE_REASONS = ("current", "settled", "restructured", "legal_action", "written_off")
CONTACT_CHANNELS = ("phone", "visit", "message")
CONTACT_PERSONS = PERSON_KINDS
ARREARS_CAUSES = ("business_downturn", "illness", "family_dispute", "fraud_suspected", "unwilling_to_pay",
                  "funds_delayed", "forgot", "other")
PROMISE_METHODS = ("bank_transfer", "counter", "auto_debit", "mobile_banking", "other")
# open: not judged yet; kept / broken: judged against the loan book.
PROMISE_STATUSES = ("open", "kept", "broken")
CASE_EVENT_KINDS = ("opened", "escalated", "contact", "visit_linked", "promise_kept", "promise_broken",
                    "owner_changed", "report_saved", "report_submitted", "report_returned", "report_accepted",
                    "presented", "decision", "action_done", "progress", "closed", "noted")
NOTICE_KINDS = ("case_opened", "first_contact_missed", "first_contact_late", "report_submitted",
                "report_returned", "decision_recorded", "case_closed")
PERMISSIONS = ("record_committee",)
# The open-case index: at most one open case per loan, enforced by the database on both backends.
OPEN_CASE_WHERE = "status = 'open'"


class CollectionCase(Base):
    __tablename__ = "collection_case"
    __table_args__ = (
        Index("uq_collection_case_open_loan", "loan_id", unique=True, sqlite_where=text(OPEN_CASE_WHERE),
              postgresql_where=text(OPEN_CASE_WHERE)),
        Index("ix_collection_case_sub_branch_status", "sub_branch_id", "status"),
        Index("ix_collection_case_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")
    open_reason: Mapped[str] = mapped_column(String(8))
    open_note: Mapped[str] = mapped_column(String(500), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the loan book
    opened_book_date: Mapped[date | None] = mapped_column(Date)
    dpd_at_open: Mapped[int] = mapped_column(Integer, default=0)
    overdue_cents_at_open: Mapped[int] = mapped_column(BigInteger, default=0)
    # The first-contact deadline, computed in China time when the case opened (webapp.collection.deadlines).
    first_contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The rhythm of progress updates a committee decision set, and when the next one falls due.
    update_every_days: Mapped[int | None] = mapped_column(Integer)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None with a reason: the book
    close_reason: Mapped[str | None] = mapped_column(String(16))
    close_note: Mapped[str] = mapped_column(String(500), default="")

    loan: Mapped[Loan] = relationship()
    sub_branch: Mapped[SubBranch] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    reports: Mapped[list[OverdueReport]] = relationship(back_populates="case", order_by="OverdueReport.id")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class CaseEvent(Base):
    """The case's timeline: what happened, when, by whom (None: the loan book or the clock)."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class CollectionContact(Base):
    """One contact with the customer or a related person: how, whom, whether reached, why the arrears."""

    __tablename__ = "collection_contact"
    __table_args__ = (Index("ix_collection_contact_case_at", "case_id", "contacted_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the form: a resubmit finds it
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"))
    channel: Mapped[str] = mapped_column(String(8))
    person: Mapped[str] = mapped_column(String(16))
    person_name: Mapped[str] = mapped_column(String(40), default="")
    reached: Mapped[bool] = mapped_column(Boolean)
    cause: Mapped[str | None] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(1000), default="")  # what they said: the reason, in words
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a meeting agreed (约定面谈)
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visit.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body_hash: Mapped[str] = mapped_column(String(64))

    recorded_by: Mapped[User] = relationship()
    visit: Mapped[Visit | None] = relationship()
    promise: Mapped[PaymentPromise | None] = relationship(back_populates="contact", uselist=False)


class PaymentPromise(Base):
    """The answer to "when, how much, how", judged against the loan book once its date has passed."""

    __tablename__ = "payment_promise"
    __table_args__ = (Index("ix_payment_promise_status_on", "status", "promised_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("collection_contact.id"), unique=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    made_on: Mapped[date] = mapped_column(Date)  # the bank day of the contact
    promised_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open")
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judged_book_date: Mapped[date | None] = mapped_column(Date)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # what the book showed paid
    follow_up_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # broken: the next morning
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    contact: Mapped[CollectionContact] = relationship(back_populates="promise")


class CaseVisit(Base):
    """A collection visit (the ordinary offline visit of kind ``collection``) made on the case's borrower."""

    __tablename__ = "case_visit"
    __table_args__ = (PrimaryKeyConstraint("case_id", "visit_id", name="pk_case_visit"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"))
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship()


class CollectionNotice(Base):
    """What ``webapp.collection.notify.notify`` told a person; shown in their inbox until they note it."""

    __tablename__ = "collection_notice"
    __table_args__ = (
        UniqueConstraint("recipient_id", "key", name="uq_collection_notice_recipient_id_key"),
        Index("ix_collection_notice_recipient_seen", "recipient_id", "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(80))  # once per recipient: "opened:12", "missed:12"
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SubBranchHead(Base):
    """The sub-branch head (支行负责人) told of every new case of the sub-branch, set by the admin."""

    __tablename__ = "sub_branch_head"
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PermissionGrant(Base):
    """An admin's grant (or withdrawal) of a permission that otherwise follows the role's default."""

    __tablename__ = "permission_grant"
    __table_args__ = (UniqueConstraint("user_id", "permission", name="uq_permission_grant_user_id_permission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    permission: Mapped[str] = mapped_column(String(24))
    granted: Mapped[bool] = mapped_column(Boolean)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
