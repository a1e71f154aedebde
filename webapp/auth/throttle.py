"""Failed password attempts, counted per account and per network address in the rate limiter's storage.

Only failures count: fifty people logging in behind one branch address lock nobody out. An account past
LOGIN_ACCOUNT_FAILURE_LIMIT refuses every attempt (a correct password too) until its window frees, which
stops guessing one account from many addresses. An address past LOGIN_ADDRESS_FAILURE_LIMIT answers its
wrong passwords with 429 but still lets a correct password in: a branch's NAT address has many honest
users, and one person's typing must not lock out their colleagues. Unknown usernames count like real ones,
so the answers never tell which accounts exist.

The counters live in the storage behind ``webapp.extensions.limiter`` (RATELIMIT_STORAGE_URI: memory:// by
default, Redis when several app processes share the work), used through the ``limits`` strategy API so
any backend works. RATELIMIT_ENABLED=false (the tests' default) turns this off with the rest of the limiter.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many

from webapp.bank_time import bank_now
from webapp.extensions import limiter

ACCOUNT = "account"
ADDRESS = "address"
_SETTINGS = {ACCOUNT: "LOGIN_ACCOUNT_FAILURE_LIMIT", ADDRESS: "LOGIN_ADDRESS_FAILURE_LIMIT"}


@dataclass(frozen=True)
class Refusal:
    """Why attempts are refused for now, and from when they are accepted again."""

    scope: str  # ACCOUNT or ADDRESS
    retry_at: datetime  # UTC

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil((self.retry_at - datetime.now(UTC)).total_seconds()))


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _items(scope: str) -> list[RateLimitItem]:
    return parse_many(str(current_app.config[_SETTINGS[scope]]))


def _identifiers(scope: str, subject: str) -> tuple[str, ...]:
    """Storage key parts; a username is hashed so the shared store holds no names."""
    if scope == ACCOUNT:
        subject = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    return (*([prefix] if prefix else []), "login-failures", scope, subject or "-")


def refusal(scope: str, subject: str) -> Refusal | None:
    """A Refusal while any of the scope's limits is used up, with the latest moment one frees."""
    if not _enabled():
        return None
    strategy = limiter.limiter
    identifiers = _identifiers(scope, subject)
    resets = [strategy.get_window_stats(item, *identifiers).reset_time
              for item in _items(scope) if not strategy.test(item, *identifiers)]
    if not resets:
        return None
    return Refusal(scope, datetime.fromtimestamp(max(*resets, time.time() + 1), UTC))


def record_failure(username: str, address: str) -> None:
    """One failed attempt, against the typed username and the client address alike."""
    if not _enabled():
        return
    strategy = limiter.limiter
    for scope, subject in ((ACCOUNT, username), (ADDRESS, address)):
        identifiers = _identifiers(scope, subject)
        for item in _items(scope):
            strategy.hit(item, *identifiers)


def forget_account_failures(username: str) -> None:
    """After a successful login the account starts afresh; the address keeps its count."""
    if not _enabled():
        return
    strategy = limiter.limiter
    identifiers = _identifiers(ACCOUNT, username)
    for item in _items(ACCOUNT):
        strategy.clear(item, *identifiers)


def failed_attempt(username: str, address: str) -> Refusal | None:
    """Count a failed attempt; the Refusal now in force for this account or address, if any."""
    record_failure(username, address)
    return refusal(ACCOUNT, username) or refusal(ADDRESS, address)


def refusal_message(refused: Refusal) -> str:
    """When the person may try again, in the bank's time and in minutes from now."""
    minutes = max(1, math.ceil(refused.retry_after_seconds / 60))
    local = bank_now(refused.retry_at)
    at = local.strftime("%H:%M") if local.date() == bank_now().date() else local.strftime("%m-%d %H:%M")
    if refused.scope == ACCOUNT:
        return str(_("Too many failed attempts for this username. Try again at %(time)s (in %(minutes)s min).",
                     time=at, minutes=minutes))
    return str(_("Too many failed attempts from this network. Check the password and try again at %(time)s "
                 "(in %(minutes)s min); the right password still logs in.", time=at, minutes=minutes))
