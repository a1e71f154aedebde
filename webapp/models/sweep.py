"""Sweep days (拓展拜访日): a team's planned day in one district, its squads, and who covers which merchant.

A visit is never linked to a sweep day by a foreign key: it counts on the board when its merchant is in
the plan and it started on the sweep date (Asia/Shanghai), so a visit synced late from an offline phone
still counts, and a visit needs to know nothing about plans.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.merchant import Merchant
from webapp.models.org import SubBranch, Team
from webapp.models.user import User


class SweepDay(Base):
    """One team's sweep on one date: a manager is in at most one squad a day, so (team, date) is unique."""

    __tablename__ = "sweep_day"
    __table_args__ = (
        UniqueConstraint("team_id", "sweep_date", name="uq_sweep_day_team_id"),
        CheckConstraint(
            "target_consultations >= 0 AND target_applications >= 0 AND target_deals >= 0",
            name="targets_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    sweep_date: Mapped[date] = mapped_column(Date, index=True)
    # The district (商圈/片区, Merchant.district) swept; empty when the merchants were picked otherwise.
    district: Mapped[str] = mapped_column(String(60), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    target_consultations: Mapped[int] = mapped_column(Integer, default=0)
    target_applications: Mapped[int] = mapped_column(Integer, default=0)
    target_deals: Mapped[int] = mapped_column(Integer, default=0)
    # How the merchants were picked (districts, industries, radius, polygon...), kept to explain the plan later.
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Members of the team on duty at the branch that day: everyone else is in a squad.
    on_duty_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    sub_branch: Mapped[SubBranch] = relationship()
    team: Mapped[Team] = relationship()
    created_by: Mapped[User] = relationship()
    squads: Mapped[list[SweepSquad]] = relationship(
        back_populates="sweep_day", order_by="SweepSquad.number", cascade="all, delete-orphan"
    )
    stops: Mapped[list[SweepStop]] = relationship(
        back_populates="sweep_day", order_by="SweepStop.id", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return self.title or self.district or self.sweep_date.isoformat()


class SweepSquad(Base):
    """A squad of the day (小分队): lead 主聊, support 辅聊, observer 观察记录; pairs and solos leave roles empty."""

    __tablename__ = "sweep_squad"
    __table_args__ = (UniqueConstraint("sweep_day_id", "number", name="uq_sweep_squad_sweep_day_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_day_id: Mapped[int] = mapped_column(ForeignKey("sweep_day.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    lead_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    support_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    sweep_day: Mapped[SweepDay] = relationship(back_populates="squads")
    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    support: Mapped[User | None] = relationship(foreign_keys=[support_id])
    observer: Mapped[User | None] = relationship(foreign_keys=[observer_id])

    def member_ids(self) -> list[int]:
        return [i for i in (self.lead_id, self.support_id, self.observer_id) if i is not None]

    def members(self) -> list[tuple[str, User]]:
        """(role, user) for the roles filled, in the order lead, support, observer."""
        pairs = (("lead", self.lead), ("support", self.support), ("observer", self.observer))
        return [(role, person) for role, person in pairs if person is not None]


class SweepStop(Base):
    """A merchant in the plan and the squad that covers it; position is the squad's planned walking order."""

    __tablename__ = "sweep_stop"
    __table_args__ = (UniqueConstraint("sweep_day_id", "merchant_id", name="uq_sweep_stop_sweep_day_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_day_id: Mapped[int] = mapped_column(ForeignKey("sweep_day.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("sweep_squad.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    sweep_day: Mapped[SweepDay] = relationship(back_populates="stops")
    merchant: Mapped[Merchant] = relationship()
    squad: Mapped[SweepSquad | None] = relationship()


class SweepRotation(Base):
    """A sub-branch's cycle of districts (辖区内循环拓展): one district per sweep, on a fixed weekday."""

    __tablename__ = "sweep_rotation"
    __table_args__ = (CheckConstraint("interval_weeks >= 1", name="interval_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), unique=True)
    # The first sweep date of the cycle: it fixes the weekday and, every interval_weeks, the weeks swept.
    start_date: Mapped[date] = mapped_column(Date)
    interval_weeks: Mapped[int] = mapped_column(Integer, default=1)
    # The districts in the order they are swept.
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    sub_branch: Mapped[SubBranch] = relationship()
