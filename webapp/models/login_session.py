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
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @classmethod
    def start(cls, user: User) -> tuple[LoginSession, str]:
        """A new session row and the raw token that goes into the signed cookie."""
        token = secrets.token_urlsafe(32)
        return cls(token_hash=hash_token(token), user=user), token
