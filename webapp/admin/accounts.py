"""The one write path for user accounts: admin pages, the demo seed and the CLI."""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from webapp.auth.sessions import end_all_sessions
from webapp.extensions import db
from webapp.models import ROLES, SubBranch, Team, User
from webapp.roles import FIELD_ROLES

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 10


@dataclass
class UserInput:
    username: str
    display_name: str
    role: str
    sub_branch_id: int
    team_id: int | None = None
    phone: str = ""
    password: str = ""  # empty on update keeps the current password
    enabled: bool = True


def validate_user(raw: UserInput, existing: User | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    username = raw.username.strip().lower()
    if existing is None:
        if not USERNAME_RE.match(username):
            errors["username"] = "invalid_username"
        elif db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            errors["username"] = "username_taken"
    if not raw.display_name.strip() or len(raw.display_name.strip()) > 64:
        errors["display_name"] = "required"
    if raw.role not in ROLES:
        errors["role"] = "invalid_role"
    sub_branch = db.session.get(SubBranch, raw.sub_branch_id)
    if sub_branch is None:
        errors["sub_branch"] = "unknown_sub_branch"
    if raw.team_id is not None:
        team = db.session.get(Team, raw.team_id)
        if team is None or team.sub_branch_id != raw.sub_branch_id:
            errors["team"] = "team_not_in_sub_branch"
    elif raw.role in FIELD_ROLES:
        errors["team"] = "team_required"
    if raw.phone and not re.match(r"^\+?[0-9\- ]{6,20}$", raw.phone.strip()):
        errors["phone"] = "invalid_phone"
    if (existing is None and len(raw.password) < MIN_PASSWORD) or (raw.password and len(raw.password) < MIN_PASSWORD):
        errors["password"] = "password_too_short"
    return errors


def save_user(raw: UserInput, existing: User | None = None) -> tuple[User | None, dict[str, str]]:
    """Validate and write; disabling a user or changing their password ends all their sessions."""
    errors = validate_user(raw, existing)
    if errors:
        return None, errors
    user = existing or User(username=raw.username.strip().lower())
    user.display_name = raw.display_name.strip()
    user.role = raw.role
    user.sub_branch_id = raw.sub_branch_id
    user.team_id = raw.team_id if raw.role in FIELD_ROLES else None
    user.phone = raw.phone.strip() or None
    if raw.password:
        user.set_password(raw.password)
    if existing is None:
        user.is_enabled = raw.enabled
        db.session.add(user)
    else:
        if (existing.is_enabled and not raw.enabled) or raw.password:
            end_all_sessions(existing)
        user.is_enabled = raw.enabled
    db.session.flush()
    return user, {}
