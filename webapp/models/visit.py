"""Field visits (营销拜访, 贷后检查, 清收): the record a manager makes at the shop door.

Ids are made by the client (UUIDs), so a replayed request finds the record it already made.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.merchant import Merchant
from webapp.models.user import User

if TYPE_CHECKING:
    from webapp.models.photo import Photo

VISIT_KINDS = ("marketing", "post_loan", "collection")
SQUAD_ROLES = ("lead", "support", "observer")
CHECKIN_STATUSES = ("verified", "outside_geofence", "unverifiable")
# Integrity flags: check-in flags (webapp.visits.integrity), photo flags and squad flags.
FLAG_CODES = (
    "outside_geofence", "low_accuracy", "mock_location_suspected", "impossible_travel", "clock_skew",
    "photo_reused", "photo_exif_far", "photo_old", "squad_not_copresent", "squad_single_device",
    # Post-loan (webapp.postloan.photo_reuse): a photo of the pre-loan survey handed in as post-loan evidence.
    "preloan_photo_reused",
    "photo_same_scene", "photo_camera_changed", "checkin_accuracy_repeated", "report_copied",
)
PROPOSAL_STATUSES = ("pending", "confirmed", "rejected", "superseded")


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_sub_branch_started", "sub_branch_id", "started_at"),
        Index("ix_visit_checkin_fix", "checkin_lat_e6", "checkin_lon_e6"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    support_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # The current check-in, as the writer's phone reported it, and the server's rating of it (a copy of the
    # newest VisitCheckin: every earlier one stays beside it, superseded).
    checkin_lat: Mapped[float | None] = mapped_column(Float)
    checkin_lon: Mapped[float | None] = mapped_column(Float)
    # The fix in micro-degrees: a fix repeated to 6 decimals across visits is a sign of a mocked location.
    checkin_lat_e6: Mapped[int | None] = mapped_column(Integer)
    checkin_lon_e6: Mapped[int | None] = mapped_column(Integer)
    checkin_accuracy_m: Mapped[float | None] = mapped_column(Float)
    checkin_captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_status: Mapped[str] = mapped_column(String(20), default="unverifiable")
    checkin_distance_m: Mapped[float | None] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(64))

    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    version: Mapped[int] = mapped_column(Integer, default=1)
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    merchant: Mapped[Merchant] = relationship()
    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    support: Mapped[User | None] = relationship(foreign_keys=[support_id])
    observer: Mapped[User | None] = relationship(foreign_keys=[observer_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    photos: Mapped[list[Photo]] = relationship(back_populates="visit", order_by="Photo.created_at")
    flags: Mapped[list[VisitFlag]] = relationship(back_populates="visit", order_by="VisitFlag.id")
    checkins: Mapped[list[VisitCheckin]] = relationship(back_populates="visit", order_by="VisitCheckin.id")
    confirmations: Mapped[list[SquadConfirmation]] = relationship(
        back_populates="visit", order_by="SquadConfirmation.id"
    )

    @property
    def current_flags(self) -> list[VisitFlag]:
        """The flags about the evidence as it stands; superseded ones stay in ``flags`` for the record."""
        return [f for f in self.flags if f.superseded_at is None]

    @property
    def etag(self) -> str:
        return f'"{self.version}-{self.body_hash[:16]}"'

    def squad(self) -> dict[str, User | None]:
        return {"lead": self.lead, "support": self.support, "observer": self.observer}

    def role_of(self, user_id: int) -> str | None:
        for role, member_id in (("lead", self.lead_id), ("support", self.support_id), ("observer", self.observer_id)):
            if member_id == user_id:
                return role
        return None


class VisitVersion(Base):
    """Every body a visit has had: an update never overwrites evidence."""

    __tablename__ = "visit_version"
    __table_args__ = (UniqueConstraint("visit_id", "version", name="uq_visit_version_visit_id_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_hash: Mapped[str] = mapped_column(String(64))
    written_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SquadConfirmation(Base):
    """A support or observer confirming their part from their own login, with their own check-in."""

    __tablename__ = "squad_confirmation"
    __table_args__ = (UniqueConstraint("visit_id", "user_id", name="uq_squad_confirmation_visit_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_status: Mapped[str] = mapped_column(String(20), default="unverifiable")
    distance_m: Mapped[float | None] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(2000), default="")
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="confirmations")
    user: Mapped[User] = relationship()


class VisitCheckin(Base):
    """Every check-in a visit's writers sent, rated when it arrived: evidence, so it is never overwritten nor
    deleted. A body that moves the check-in adds a row and marks the one before it superseded."""

    __tablename__ = "visit_checkin"
    __table_args__ = (
        # The writer's own check-ins in time order: what the impossible-travel check compares with.
        Index("ix_visit_checkin_user_captured", "user_id", "captured_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    # Whose phone took the fix: the writer of the body that carried it, never a colleague the body names.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    visit_version: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    distance_m: Mapped[float | None] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    visit: Mapped[Visit] = relationship(back_populates="checkins")
    user: Mapped[User] = relationship()


class VisitFlag(Base):
    """An integrity flag with its evidence: shown to people, never a silent rejection, never deleted. A flag
    about a check-in that a later body replaced is kept, marked superseded, with any judgement it had."""

    __tablename__ = "visit_flag"
    __table_args__ = (Index("ix_visit_flag_visit_code", "visit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"))
    photo_id: Mapped[str | None] = mapped_column(ForeignKey("photo.id"))
    # The check-in this flag rates (check-in flags only): superseded together with it.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("visit_checkin.id"))
    code: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    visit: Mapped[Visit] = relationship(back_populates="flags")


class LocationProposal(Base):
    """A merchant without a registered location gets one proposed by a precise check-in; a lead confirms it."""

    __tablename__ = "location_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), unique=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    merchant: Mapped[Merchant] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])

