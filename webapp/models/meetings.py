"""The team's rhythm (早夕会, 周例会, 月例会): targets, what is said at the meetings, and why a target was missed.

Actual figures are never stored here: they are counted from the visits (webapp.metrics). What people type
at a meeting is kept: the targets, the items shared (news, a success story, the tip of the day and who
shares it), and the reason a person gives for a missed target.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.org import SubBranch, Team
from webapp.models.user import User

TARGET_PERIODS = ("day", "week", "month")
# A target's metric: the three activity figures, or deals of one product ("deals.credit_card").
TARGET_BASE_METRICS = ("consultations", "applications", "deals")
MISS_REASONS = ("merchants_absent", "weather", "internal_work", "on_duty", "leave", "long_visits",
                "target_too_high", "other")
# What is shared at which meeting (the guide's frames for the morning, evening and weekly meetings).
MORNING_ITEM_KINDS = ("news", "policy", "success_story", "tip", "role_play")
EVENING_ITEM_KINDS = ("experience", "market_news", "lesson", "recognition")
WEEKLY_ITEM_KINDS = ("success_case", "plan")
ITEM_KINDS = MORNING_ITEM_KINDS + EVENING_ITEM_KINDS + WEEKLY_ITEM_KINDS


class PersonTarget(Base):
    """A person's target for a day, week or month. A lead sets it; on the day, the person may confirm it
    or adjust it (``lead_value`` then keeps what the lead had set)."""

    __tablename__ = "person_target"
    __table_args__ = (
        UniqueConstraint("user_id", "period", "period_start", "metric", name="uq_person_target_user_id"),
        Index("ix_person_target_team_period", "team_id", "period", "period_start"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    lead_value: Mapped[int | None] = mapped_column(Integer)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SubBranchTarget(Base):
    """The sub-branch's own target for a week or month, set by the branch."""

    __tablename__ = "sub_branch_target"
    __table_args__ = (
        UniqueConstraint("sub_branch_id", "period", "period_start", "metric",
                         name="uq_sub_branch_target_sub_branch_id"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MissReason(Base):
    """Why a person missed a day's target, captured at the evening meeting: a reason from a short list and text."""

    __tablename__ = "miss_reason"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_miss_reason_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingItem(Base):
    """Something said at a meeting: news, a policy, a success story, the tip of the day and who shares it.
    A team's items belong to its team; a branch's (team empty, posted by the branch) show on every board."""

    __tablename__ = "meeting_item"
    __table_args__ = (Index("ix_meeting_item_team_day", "team_id", "day"),
                      Index("ix_meeting_item_branch_day", "branch_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    sub_branch_id: Mapped[int | None] = mapped_column(ForeignKey("sub_branch.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000), default="")
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shared_by: Mapped[User | None] = relationship(foreign_keys=[shared_by_id])
    team: Mapped[Team | None] = relationship()
    sub_branch: Mapped[SubBranch | None] = relationship()
