"""People (绩效面谈, 激励方案, 荣誉体系): performance talks with their agreed actions, incentive schemes, honours."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.org import SubBranch, Team
from webapp.models.user import User

SCHEME_STATES = ("draft", "proposed", "approved", "rejected")
SCHEME_SCOPES = ("branch", "sub_branch", "team")
HONOUR_CATEGORIES = ("most_consultations", "best_conversion", "most_cross_sold")
# The kinds of rule a scheme's ``rules`` hold, and the talk's rating columns (1 to 5 each).
RULE_TYPES = ("points", "threshold", "team_bonus")
TALK_RATINGS = ("knowledge_ours", "knowledge_peers", "sales_skill", "morale")


class PerformanceTalk(Base):
    """A lead's talk with a manager. ``figures`` is the manager's activity as the app counted it when the
    talk was recorded (a snapshot: later syncs do not rewrite what was discussed). Ratings are 1 to 5."""

    __tablename__ = "performance_talk"
    __table_args__ = (
        Index("ix_performance_talk_manager_held", "manager_id", "held_on"),
        CheckConstraint("knowledge_ours BETWEEN 1 AND 5 AND knowledge_peers BETWEEN 1 AND 5 "
                        "AND sales_skill BETWEEN 1 AND 5 AND morale BETWEEN 1 AND 5", name="ratings_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    knowledge_ours: Mapped[int] = mapped_column(Integer)
    knowledge_peers: Mapped[int] = mapped_column(Integer)
    sales_skill: Mapped[int] = mapped_column(Integer)
    morale: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    actions: Mapped[list[TalkAction]] = relationship(back_populates="talk", order_by="TalkAction.due_on",
                                                     cascade="all, delete-orphan")


class TalkAction(Base):
    """An action agreed at a talk, with its date: it stays in both people's inboxes until it is done."""

    __tablename__ = "talk_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("performance_talk.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    talk: Mapped[PerformanceTalk] = relationship(back_populates="actions")


class IncentiveScheme(Base):
    """An incentive scheme (激励方案): scope, period and rules. A sub-branch proposes, the branch approves; a
    scheme the branch makes itself is approved when made. ``rules`` is validated by webapp.meetings.incentives."""

    __tablename__ = "incentive_scheme"
    __table_args__ = (
        Index("ix_incentive_scheme_branch_state", "branch_id", "state"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    sub_branch_id: Mapped[int | None] = mapped_column(ForeignKey("sub_branch.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    scope: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sub_branch: Mapped[SubBranch | None] = relationship()
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class Honour(Base):
    """A monthly honour (荣誉) of a sub-branch, kept once awarded: later syncs do not take it away."""

    __tablename__ = "honour"
    __table_args__ = (UniqueConstraint("sub_branch_id", "month", "category", name="uq_honour_sub_branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    month: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    value: Mapped[float] = mapped_column(Float)
    awarded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
