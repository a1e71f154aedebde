"""People who log in, with their role and place in the organisation."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.org import SubBranch, Team


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sub_branch: Mapped[SubBranch] = relationship()
    team: Mapped[Team | None] = relationship()

    # Set by the session loader: Flask-Login stores get_id() in the cookie, and ours is the
    # server-side session token, so ending that row ends the cookie.
    # The login session's token while a request runs: an instance attribute, not a column (the ORM never
    # sees the annotation).
    if TYPE_CHECKING:
        session_token: str | None
    session_token = None

    def set_password(self, password: str) -> None:
        # Tests lower the cost through PASSWORD_HASH_METHOD; production keeps werkzeug's scrypt default.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def branch_id(self) -> int:
        return self.sub_branch.branch_id

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
