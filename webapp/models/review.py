"""Branch review of visit photo logs: the review state of a visit, the audit trail, flag decisions, samples.

Review state lives beside the visit, never in it: the visit's body hash answers idempotent replays, and a
reviewer's decision is not part of what the manager wrote.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User

REVIEW_STATES = ("received", "approved", "sent_back", "rejected")
REVIEW_ACTIONS = ("approve", "send_back", "reject", "resubmit")
FLAG_DECISIONS = ("dismissed", "confirmed")
# What the audit trail records: the review actions, the decisions on flags, and "reopen": the visit changed after
# a final decision (a photo, a correction, a confirmation came in), so it is in front of the reviewer again.
AUDIT_ACTIONS = (*REVIEW_ACTIONS, "reopen", "dismiss_flag", "confirm_flag")


class VisitReview(Base):
    """The review state of one visit. Created on the first decision: a visit without one is 'received'."""

    __tablename__ = "visit_review"
    __table_args__ = (
        CheckConstraint("round >= 1", name="round_positive"),
        Index("ix_visit_review_state_updated", "state", "updated_at"),
    )

    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="received")
    # 1 for the first submission; each resubmission after a send-back starts the next round.
    round: Mapped[int] = mapped_column(Integer, default=1)
    # The reason of the last send-back or rejection, shown to the manager on the phone.
    reason: Mapped[str] = mapped_column(String(2000), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The visit version the last decision was about: an edit after approval shows as a newer version.
    decided_version: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decided_by: Mapped[User | None] = relationship()


class ReviewAuditEntry(Base):
    """Append-only: who changed what about a visit's review, when and why. Never updated, never deleted."""

    __tablename__ = "review_audit_entry"
    __table_args__ = (Index("ix_review_audit_entry_visit_at", "visit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # approve, send_back, reject, resubmit, dismiss_flag, confirm_flag
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer)
    visit_version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(2000), default="")
    # A flag decision names its flag (flags are never deleted; a superseded one keeps its decisions).
    flag_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User] = relationship()


class FlagReview(Base):
    """A person's judgement of an integrity flag; the flag itself stays as the server raised it."""

    __tablename__ = "flag_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: a flag is never deleted, and a reviewer's judgement of it is never lost. A flag superseded
    # by a corrected check-in keeps its judgement; the new flag needs a new one.
    flag_id: Mapped[int] = mapped_column(ForeignKey("visit_flag.id"), unique=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(2000), default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decided_by: Mapped[User] = relationship()


class ReviewSample(Base):
    """A random sample (抽查) drawn with a recorded seed, so the same draw can be repeated for an auditor.

    The population is fixed by what is recorded here: the branch, the optional sub-branch, the managers
    (leads) of the strata, the period and the moment of the draw (visits the server received later are not
    in it). ``strata`` keeps, per manager, the population size, the number drawn and a digest of the
    population's visit ids, so a repeat draw can tell a changed population from a changed algorithm.
    """

    __tablename__ = "review_sample"
    __table_args__ = (
        CheckConstraint("percent >= 1 AND percent <= 100", name="percent_range"),
        CheckConstraint("minimum >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    sub_branch_id: Mapped[int | None] = mapped_column(ForeignKey("sub_branch.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    percent: Mapped[int] = mapped_column(Integer)
    minimum: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    strata: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    population: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[int] = mapped_column(Integer)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    drawn_by: Mapped[User] = relationship()


class ReviewSampleVisit(Base):
    """One visit drawn into a sample, under the manager whose stratum it was drawn from."""

    __tablename__ = "review_sample_visit"
    __table_args__ = (PrimaryKeyConstraint("sample_id", "visit_id", name="pk_review_sample_visit"),)

    sample_id: Mapped[int] = mapped_column(ForeignKey("review_sample.id"))
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
