"""Offline sync on the server: photos that arrived before their visit.

The phone sends a visit before its photos, but a photo may still come first (another client, a visit
refused and corrected later, a lost acknowledgement replayed out of order). Such a photo is not refused:
its bytes are kept durably and the row below says whose it is and for which visit, until the visit arrives
and the photo goes through the one write path (webapp.photos.write.put_photo), exactly once.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User

HELD_PHOTO_STATES = ("held", "attached", "rejected")


class HeldPhoto(Base):
    __tablename__ = "held_photo"
    __table_args__ = (Index("ix_held_photo_visit_state", "visit_id", "state"),)

    # The photo id the phone made; the Photo row gets the same id when the photo is attached.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign key: the visit does not exist yet when the photo is held.
    visit_id: Mapped[str] = mapped_column(String(36))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # The multipart fields as sent (category, captured_at, exif_*), replayed into put_photo on attach.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    device_id: Mapped[str | None] = mapped_column(String(64))
    client_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12), default="held")
    # Why the write path refused the photo when its visit arrived (shown to the uploader on /sync).
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User] = relationship()
