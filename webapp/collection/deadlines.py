"""When the first contact is due, and whether it came in time: "the same day, at the latest the next morning".

Everything is computed in China time (``webapp.bank_time.BANK_ZONE``) from aware instants, so the answer is
the same whatever zone the server runs in. The three times are settings (``COLLECTION_CONTACT_*``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from webapp.bank_time import BANK_ZONE, bank_now

DeadlineState = Literal["pending", "on_time", "late", "missed"]
DEADLINE_STATES: tuple[DeadlineState, ...] = ("pending", "on_time", "late", "missed")


@dataclass(frozen=True)
class ContactRules:
    """Before ``cutoff`` a case is contacted the same day by ``same_day_by``; otherwise by ``next_morning_by``."""

    cutoff: time = time(17, 0)
    same_day_by: time = time(23, 59)
    next_morning_by: time = time(10, 0)


def _clock_time(value: Any, name: str) -> time:
    """A setting such as "17:00"; a wrong one stops the app at the first use rather than moving deadlines."""
    if isinstance(value, time):
        return value
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a time such as 17:00, not {value!r}") from exc


def rules_from_config(config: Mapping[str, Any]) -> ContactRules:
    return ContactRules(
        cutoff=_clock_time(config.get("COLLECTION_CONTACT_CUTOFF", "17:00"), "COLLECTION_CONTACT_CUTOFF"),
        same_day_by=_clock_time(config.get("COLLECTION_CONTACT_SAME_DAY_BY", "23:59"),
                                "COLLECTION_CONTACT_SAME_DAY_BY"),
        next_morning_by=_clock_time(config.get("COLLECTION_CONTACT_NEXT_MORNING_BY", "10:00"),
                                    "COLLECTION_CONTACT_NEXT_MORNING_BY"),
    )


def at_bank_time(day: date, clock: time) -> datetime:
    """The UTC instant of a wall-clock time on a bank day."""
    return datetime.combine(day, clock, BANK_ZONE).astimezone(UTC)


def first_contact_deadline(opened_at: datetime, rules: ContactRules) -> datetime:
    """Opened before the cut-off: the same bank day; at or after it: the next morning."""
    local = bank_now(opened_at)
    if local.time() < rules.cutoff:
        return at_bank_time(local.date(), rules.same_day_by)
    return at_bank_time(local.date() + timedelta(days=1), rules.next_morning_by)


def follow_up_deadline(promised_on: date, judged_at: datetime, rules: ContactRules) -> datetime:
    """A broken promise is followed up the morning after its date, or the first morning after the book
    showed it broken when the book came late."""
    earliest = at_bank_time(promised_on + timedelta(days=1), rules.next_morning_by)
    local = bank_now(judged_at)
    this_morning = at_bank_time(local.date(), rules.next_morning_by)
    after_judging = this_morning if judged_at <= this_morning else at_bank_time(
        local.date() + timedelta(days=1), rules.next_morning_by)
    return max(earliest, after_judging)


def deadline_state(due_at: datetime, contacted_at: datetime | None, now: datetime) -> DeadlineState:
    if contacted_at is not None:
        return "on_time" if contacted_at <= due_at else "late"
    return "missed" if now > due_at else "pending"


def lateness(due_at: datetime, contacted_at: datetime | None, now: datetime) -> timedelta | None:
    """How late the first contact was (or is, while it is still missing); None when on time or not yet due."""
    moment = contacted_at if contacted_at is not None else now
    return moment - due_at if moment > due_at else None


def describe_lateness(delay: timedelta | None) -> tuple[int, int]:
    """(hours, minutes) of a delay, for "3 h 20 min late"."""
    if delay is None:
        return (0, 0)
    minutes = int(delay.total_seconds() // 60)
    return divmod(minutes, 60)
