"""Hashing and checking passwords, with one hash check per login attempt whoever the username names.

A login for an unknown or disabled account used to answer at once while a real account paid for a
scrypt check (7 ms against 120 ms): the time told an attacker which usernames exist. Every attempt now
checks exactly one hash of the same cost: the account's own, or a dummy made with the configured method.
"""
from __future__ import annotations

import secrets
from functools import lru_cache
from typing import TYPE_CHECKING

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

if TYPE_CHECKING:
    from webapp.models.user import User


def hash_method() -> str:
    """werkzeug's scrypt in production; tests lower the cost through PASSWORD_HASH_METHOD."""
    return str(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=hash_method())


def password_matches(stored_hash: str, password: str) -> bool:
    """The one place a password is compared with a hash (tests count the calls)."""
    return check_password_hash(stored_hash, password)


@lru_cache(maxsize=8)
def _dummy_hash(method: str) -> str:
    """A hash of a random secret nobody knows, made once per method and process."""
    return generate_password_hash(secrets.token_urlsafe(24), method=method)


def credentials_valid(user: User | None, password: str) -> bool:
    """True only for an enabled account and its password; the same one hash check in every case."""
    if user is None or not user.is_enabled:
        password_matches(_dummy_hash(hash_method()), password)
        return False
    return user.check_password(password)
