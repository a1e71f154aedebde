"""Learning (学习与辅导): policy study sessions with who attended, and team-building briefs for the culture wall."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User


class StudySession(Base):
    """A policy study session (政策学习). Without a sub-branch it is the branch's, for all its sub-branches."""

    __tablename__ = "study_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    sub_branch_id: Mapped[int | None] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(2000), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attendees: Mapped[list[User]] = relationship(secondary="study_attendance", order_by="User.username")


class StudyAttendance(Base):
    """Who attended a study session (the session's attendees)."""

    __tablename__ = "study_attendance"
    __table_args__ = (PrimaryKeyConstraint("session_id", "user_id", name="pk_study_attendance"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("study_session.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)


class TeamBrief(Base):
    """A team-building activity's brief (活动简报) with photos, for the sub-branch's culture wall (文化墙)."""

    __tablename__ = "team_brief"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(String(4000), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    photos: Mapped[list[TeamBriefPhoto]] = relationship(back_populates="brief", order_by="TeamBriefPhoto.created_at")


class TeamBriefPhoto(Base):
    """A photo of a brief, processed by the photo pipeline and kept in the photo store like visit photos."""

    __tablename__ = "team_brief_photo"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("team_brief.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    brief: Mapped[TeamBrief] = relationship(back_populates="photos")
