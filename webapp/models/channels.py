"""Batch channels (批量营销渠道) and marketing activities (通路): who reaches many merchants at once, what was done
there, and the leads captured on the spot.

A channel belongs to a sub-branch like a merchant; its merchants are linked (picked, inside its drawn area,
imported, or brought by a lead) so its penetration is computed like a district's. A lead is made on a phone
under an id the phone chose (replays find it) and becomes a prospect merchant assigned to a manager.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.merchant import Merchant
from webapp.models.org import SubBranch
from webapp.models.user import User

CHANNEL_KINDS = ("government", "association", "specialised_market", "business_district", "industrial_park",
                 "cooperative", "large_enterprise")
CHANNEL_STATES = ("prospecting", "negotiating", "signed", "active", "dormant")
# How a merchant came to be linked to a channel.
CHANNEL_LINK_SOURCES = ("picked", "area", "import", "lead")
ACTIVITY_KINDS = ("roadshow", "festival", "event", "cross_industry", "wechat", "interest_group", "batch_marketing",
                  "agency_training")
# The festivals the guide names for marketing (webapp.channels.festivals computes their dates).
FESTIVALS = ("spring_festival", "qingming", "dragon_boat", "qixi", "mid_autumn")


class Channel(Base):
    __tablename__ = "channel"
    __table_args__ = (
        Index("ix_channel_sub_branch_state", "sub_branch_id", "state"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(200), default="")
    # A point (WGS-84) or an area drawn on the map: a ring of [lat, lon] points, WGS-84.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    area: Mapped[list[list[float]] | None] = mapped_column(JSON)
    # What the channel reaches and the terms talked about.
    merchant_count: Mapped[int | None] = mapped_column(Integer)
    loan_demand_cents: Mapped[int | None] = mapped_column(BigInteger)
    terms_rate: Mapped[str] = mapped_column(String(100), default="")
    terms_fees: Mapped[str] = mapped_column(String(200), default="")
    terms_note: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(16), default="prospecting")
    state_since: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sub_branch: Mapped[SubBranch] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    contacts: Mapped[list[ChannelContact]] = relationship(back_populates="channel", order_by="ChannelContact.position",
                                                          cascade="all, delete-orphan")


class ChannelContact(Base):
    """Someone at the channel: the market's manager, the chamber's secretary. Phones masked like merchants'."""

    __tablename__ = "channel_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")

    channel: Mapped[Channel] = relationship(back_populates="contacts")


class ChannelMerchant(Base):
    """A merchant the channel reaches: penetration per channel counts these."""

    __tablename__ = "channel_merchant"
    __table_args__ = (PrimaryKeyConstraint("channel_id", "merchant_id", name="pk_channel_merchant"),)

    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    source: Mapped[str] = mapped_column(String(8))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    merchant: Mapped[Merchant] = relationship()


class MarketingActivity(Base):
    """A roadshow, a festival stand, a WeChat campaign...: a day, a place, the people who went, what it cost."""

    __tablename__ = "marketing_activity"
    __table_args__ = (Index("ix_marketing_activity_sub_branch_day", "sub_branch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id"), index=True)
    festival: Mapped[str | None] = mapped_column(String(24))
    cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    notes: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    channel: Mapped[Channel | None] = relationship()
    people: Mapped[list[ActivityPerson]] = relationship(back_populates="activity", cascade="all, delete-orphan")


class ActivityPerson(Base):
    __tablename__ = "activity_person"
    __table_args__ = (PrimaryKeyConstraint("activity_id", "user_id", name="pk_activity_person"),)

    activity_id: Mapped[int] = mapped_column(ForeignKey("marketing_activity.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    activity: Mapped[MarketingActivity] = relationship(back_populates="people")
    user: Mapped[User] = relationship()


class Lead(Base):
    """A person met at an activity who wants something from the bank; the merchant it became carries the rest."""

    __tablename__ = "lead"
    __table_args__ = (Index("ix_lead_assignee_captured", "assignee_id", "captured_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("marketing_activity.id"), index=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    name: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20))
    need: Mapped[str] = mapped_column(String(500), default="")
    need_product: Mapped[str | None] = mapped_column(String(24))
    industry: Mapped[str] = mapped_column(String(40), default="")
    district: Mapped[str] = mapped_column(String(60), default="")
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    # True when the phone matched a merchant the sub-branch already had (nothing new was created).
    existing_merchant: Mapped[bool] = mapped_column(default=False)
    captured_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_id: Mapped[str | None] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    activity: Mapped[MarketingActivity] = relationship()
    merchant: Mapped[Merchant] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    captured_by: Mapped[User] = relationship(foreign_keys=[captured_by_id])
