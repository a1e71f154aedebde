"""Photos of premises, inventory and people, with the evidence their files carried."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User

if TYPE_CHECKING:
    from webapp.models.visit import Visit

PHOTO_CATEGORIES = ("premises", "inventory", "residence", "related_person", "document")


class Photo(Base):
    __tablename__ = "photo"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    category: Mapped[str] = mapped_column(String(20))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # EXIF read on the phone before it shrank the photo (the shrunk copy no longer carries it).
    client_exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_exif_lat: Mapped[float | None] = mapped_column(Float)
    client_exif_lon: Mapped[float | None] = mapped_column(Float)
    # What the server found in the uploaded file itself (format, size, EXIF time, GPS, device).
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="photos")
    uploaded_by: Mapped[User] = relationship()


class PhotoHashBand(Base):
    """The perceptual hash cut into nine bands: two hashes within 8 bits share at least one band
    exactly (pigeonhole), so candidate matches are an index look-up, not a scan of the branch."""

    __tablename__ = "photo_hash_band"
    __table_args__ = (PrimaryKeyConstraint("band", "value", "photo_id", name="pk_photo_hash_band"),)

    band: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)
    photo_id: Mapped[str] = mapped_column(ForeignKey("photo.id"), index=True)
    branch_id: Mapped[int] = mapped_column(Integer)
