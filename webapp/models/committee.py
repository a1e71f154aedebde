"""The overdue report (逾期报告) and the credit committee (审贷会) that decides on it.

The manager writes the report (the cause as they analyse it, a proposal, attachments) and submits it to the
team lead, who returns it or forwards it to the committee. A meeting is a record: date, members present,
the cases presented, a decision on each (text and outcome) and the actions it assigns; the manager carries
them out and posts progress updates on the rhythm the decision set.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User

if TYPE_CHECKING:
    from webapp.models.collection import CollectionCase

REPORT_STATUSES = ("draft", "submitted", "returned", "accepted", "presented")
PROPOSALS = ("reminder_plan", "restructure", "extension", "legal_action", "write_off")
# A decision's outcome; restructure, legal_action and write_off close the case.
DECISION_OUTCOMES = ("continue", "restructure", "extension", "legal_action", "write_off")
CLOSING_OUTCOMES = {"restructure": "restructured", "legal_action": "legal_action", "write_off": "written_off"}
ACTION_STATUSES = ("open", "done")
ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


class OverdueReport(Base):
    __tablename__ = "overdue_report"
    __table_args__ = (Index("ix_overdue_report_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    cause: Mapped[str] = mapped_column(String(20))
    situation: Mapped[str] = mapped_column(Text)  # the manager's analysis
    proposal: Mapped[str] = mapped_column(String(16))
    proposal_detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(String(1000), default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("committee_meeting.id"))

    case: Mapped[CollectionCase] = relationship(back_populates="reports")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    attachments: Mapped[list[ReportAttachment]] = relationship(order_by="ReportAttachment.id")

    @property
    def editable(self) -> bool:
        return self.status in ("draft", "returned")


class ReportAttachment(Base):
    """A document or photo attached to a report, kept in the database with the report it belongs to."""

    __tablename__ = "report_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("overdue_report.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(120))  # cleaned; shown, never used as a path
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommitteeMeeting(Base):
    __tablename__ = "committee_meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    # Members present: user ids of the branch, and others (from head office, a lawyer) by name.
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    other_members: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(2000), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User] = relationship()
    decisions: Mapped[list[CommitteeDecision]] = relationship(back_populates="meeting",
                                                              order_by="CommitteeDecision.id")


class CommitteeDecision(Base):
    __tablename__ = "committee_decision"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id", name="uq_committee_decision_meeting_id_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("committee_meeting.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("overdue_report.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))  # None: presented, not decided yet
    text: Mapped[str] = mapped_column(String(2000), default="")
    update_every_days: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meeting: Mapped[CommitteeMeeting] = relationship(back_populates="decisions")
    case: Mapped[CollectionCase] = relationship()
    actions: Mapped[list[CommitteeAction]] = relationship(back_populates="decision", order_by="CommitteeAction.id")


class CommitteeAction(Base):
    """Something the committee assigned: who does it, by when."""

    __tablename__ = "committee_action"
    __table_args__ = (Index("ix_committee_action_owner_status", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("committee_decision.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_note: Mapped[str] = mapped_column(String(1000), default="")

    decision: Mapped[CommitteeDecision] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship()


class ProgressUpdate(Base):
    """The manager's report on carrying out the decision, posted on the committee's rhythm."""

    __tablename__ = "progress_update"
    __table_args__ = (Index("ix_progress_update_case_at", "case_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the form: a resubmit finds it
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_case.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(String(2000))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # actions reported done with it

    author: Mapped[User] = relationship()
