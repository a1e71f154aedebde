"""Merchants (商户): the small shops managers visit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.org import SubBranch
from webapp.models.user import User

MERCHANT_STATUSES = ("prospect", "applicant", "customer", "borrower")
# Where the registered location came from: a file import, a verified check-in a lead confirmed, an admin.
LOCATION_SOURCES = ("import", "checkin", "admin")


class Merchant(Base):
    __tablename__ = "merchant"
    __table_args__ = (
        UniqueConstraint("sub_branch_id", "code", name="uq_merchant_sub_branch_code"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        Index("ix_merchant_sub_branch_name", "sub_branch_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    industry: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    district: Mapped[str] = mapped_column(String(60), default="", index=True)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(16), default="prospect")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Registered location, always WGS-84; conversion happens at the edges (imports, map display).
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    sub_branch: Mapped[SubBranch] = relationship()
    owner: Mapped[User | None] = relationship()

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None
