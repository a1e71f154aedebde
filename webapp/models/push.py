"""Web Push: a subscription per device that allowed notifications, and what each person was already told."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User


class PushSubscription(Base):
    """One browser's push subscription (its push service endpoint and the keys the payload is encrypted for).
    A device subscribes once; the endpoint names it, so subscribing again updates the row."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Consecutive failed deliveries; a push service that says the subscription is gone (404, 410) ends it at once.
    failures: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class PushedItem(Base):
    """An inbox item a person was sent a push about: each item is pushed once, however often inboxes are
    computed (webapp.push.inbox)."""

    __tablename__ = "pushed_item"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    pushed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
