"""Server-side login sessions: a cookie is only as good as its row here."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.user import User


def hash_token(token: str) -> str:
    """Store only a hash, so a copy of the database does not hand out live sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(Base):
    """One signed-in device. It slides with use (last_seen_at) up to an absolute lifetime from created_at."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the person sees on their devices page: "Chrome 124 · Android", and the network it signed in
    # from with its last part hidden. The full address and user agent are never stored.
    device: Mapped[str] = mapped_column(String(80), default="")
    address_hint: Mapped[str] = mapped_column(String(48), default="")

    user: Mapped[User] = relationship()

    @classmethod
    def start(cls, user: User, *, device: str = "", address_hint: str = "") -> tuple[LoginSession, str]:
        """A new session row and the raw token that goes into the signed cookie."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = cls(token_hash=hash_token(token), user=user, created_at=now, last_seen_at=now,
                  device=device[:80], address_hint=address_hint[:48])
        return row, token
