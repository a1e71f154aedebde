"""The bank's clock: every "today", cut-off and deadline is China time, whatever zone the server runs in.

Times are stored in UTC (``webapp.models.base.UTCDateTime``); they become bank time only to pick a day or to
be shown. This module is the one definition of the zone.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from flask_babel import format_date
from flask_babel import gettext as _

BANK_ZONE = ZoneInfo("Asia/Shanghai")

# The days a person may name in a form, a filter or a body: far enough back for any record and ahead for any
# plan. Outside them a date is a slip or an attack, and date arithmetic near year 1 or 9999 overflows.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def parse_day(text: str) -> date:
    """An ISO day (2026-11-28) from EARLIEST_DAY to LATEST_DAY. Raises ValueError whose text is the sentence
    for the person, so every form and filter words the two faults the same way."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("Expected a date such as 2026-11-28.")) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(_("Choose a date from %(first)s to %(last)s.", first=EARLIEST_DAY.isoformat(),
                           last=LATEST_DAY.isoformat()))
    return day


def bank_now(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(BANK_ZONE)


def clock_now() -> datetime:
    """Now, in UTC, for views that compute deadlines. Tests (and only tests: ``app.testing``) may set
    ``TEST_NOW`` (an aware datetime or ISO text) to put the whole app at a chosen moment, never a sleep."""
    if has_app_context() and current_app.testing:
        fixed = current_app.config.get("TEST_NOW")
        if isinstance(fixed, str) and fixed:
            fixed = datetime.fromisoformat(fixed)
        if isinstance(fixed, datetime):
            return fixed.astimezone(UTC)
    return datetime.now(UTC)


def bank_today(now: datetime | None = None) -> date:
    return bank_now(now).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a bank day starts and the next one starts."""
    start = datetime.combine(day, time(0), BANK_ZONE)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants at which the bank day ``first`` starts and the day after ``last`` starts."""
    return day_bounds(first)[0], day_bounds(last)[1]


def local_datetime(moment: datetime | None) -> str:
    """A stored instant as people at the bank read it: 2026-12-03 09:10."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BANK_ZONE).strftime("%Y-%m-%d %H:%M")


def local_datetime_seconds(moment: datetime | None) -> str:
    """Bank time to the second, the same in both languages: evidence lists hold hundreds of these, and Babel's
    locale-aware formatting would be the slowest part of such a page."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BANK_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def day_label(day: date | str | None) -> str:
    """A day the way the page's language writes it: 2026年12月3日 (Chinese) or December 3, 2026 (English). An
    ISO string (a follow-up date kept in a visit's outcome) is read first; anything else is shown as it is."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            return format_date(date.fromisoformat(day), "long")
        except ValueError:
            return day
    return format_date(day, "long")


def register_time_filters(app: Flask) -> None:
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(day_label, "cn_date")
    app.add_template_filter(local_datetime_seconds, "bank_time")
