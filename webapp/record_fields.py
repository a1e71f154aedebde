"""Field parsers for write paths that take bodies from a form, the JSON API and the CLI alike: amounts in yuan,
whole numbers, rates, days, moments, points and drawn areas. Each adds its message to a ``FieldErrors`` under
the field's path and returns None, so a body is checked whole and refused with every fault at once.
(The collection and visit write paths keep the parsers they had; new modules use these.)
"""
from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from webapp.bank_time import BANK_ZONE, parse_day
from webapp.write_kernel import FieldErrors

MAX_YUAN = Decimal(10_000_000_000)
MAX_AREA_POINTS = 200
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=10)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    return str(value).strip().replace(",", "")


def yuan_field(value: Any, path: str, errors: FieldErrors, *, required: bool = False,
               allow_zero: bool = True) -> int | None:
    """An amount in yuan (at most two decimals) as whole fen; blank is None."""
    if _blank(value):
        if required:
            errors.add(path, _("Required."))
        return None
    text = _number_text(value)
    try:
        amount = Decimal(text) if text is not None else None
    except InvalidOperation:
        amount = None
    if (amount is None or not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero)
            or amount > MAX_YUAN or amount != amount.quantize(Decimal("0.01"))):
        errors.add(path, _("An amount in yuan, such as 50000 or 1200.50."))
        return None
    return int(amount * 100)


def int_field(value: Any, path: str, errors: FieldErrors, *, low: int = 0, high: int = 10_000_000,
              required: bool = False) -> int | None:
    """A whole number from ``low`` to ``high``; blank is None."""
    if _blank(value):
        if required:
            errors.add(path, _("Required."))
        return None
    text = _number_text(value)
    if text is None or not re.fullmatch(r"-?\d{1,12}", text) or not low <= int(text) <= high:
        errors.add(path, _("A whole number from %(low)d to %(high)d.", low=low, high=high))
        return None
    return int(text)


def rate_field(value: Any, path: str, errors: FieldErrors, *, required: bool = False) -> int | None:
    """An annual rate in percent (3.85) as basis points (385): 0 to 100 %, at most two decimals."""
    if _blank(value):
        if required:
            errors.add(path, _("Required."))
        return None
    text = _number_text(value)
    try:
        rate = Decimal((text or "").removesuffix("%"))
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= 100 or rate != rate.quantize(Decimal("0.01")):
        errors.add(path, _("An annual rate in percent from 0 to 100, such as 3.85."))
        return None
    return int(rate * 100)


def day_field(value: Any, path: str, errors: FieldErrors, *, required: bool = False) -> date | None:
    if _blank(value):
        if required:
            errors.add(path, _("Required."))
        return None
    if not isinstance(value, str):
        errors.add(path, _("Expected a date such as 2026-11-28."))
        return None
    try:
        return parse_day(value)
    except ValueError as error:
        errors.add(path, str(error))
        return None


def moment_field(value: Any, path: str, errors: FieldErrors, now: datetime, *,
                 required: bool = True) -> datetime | None:
    """An ISO time (without a zone: China time), not in the future beyond a phone's clock slack; in UTC."""
    if _blank(value):
        if required:
            errors.add(path, _("Required."))
        return None
    message = _("Expected a date and time such as 2026-12-04T09:10:00+08:00.")
    if not isinstance(value, str):
        errors.add(path, message)
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BANK_ZONE)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        errors.add(path, message)
        return None
    if moment > now + CLOCK_SLACK:
        errors.add(path, _("This time is in the future."))
        return None
    if moment.year < 2000:
        errors.add(path, message)
        return None
    return moment


def phone_field(value: Any, path: str, errors: FieldErrors, *, required: bool = False) -> str:
    if _blank(value):
        if required:
            errors.add(path, _("Required."))
        return ""
    if not isinstance(value, str) or not PHONE_RE.match(value.strip()):
        errors.add(path, _("A phone number of digits, such as 13812345678."))
        return ""
    return value.strip()


def phone_digits(phone: str) -> str:
    """The digits of a phone, for matching one typed with spaces or dashes against one without."""
    return re.sub(r"\D", "", phone)


def _coordinate(value: Any) -> float | None:
    text = _number_text(value)
    try:
        number = float(text) if text else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def point_field(lat: Any, lon: Any, path: str, errors: FieldErrors) -> tuple[float, float] | None:
    """A WGS-84 point, or None when both halves are blank."""
    if _blank(lat) and _blank(lon):
        return None
    y, x = _coordinate(lat), _coordinate(lon)
    if y is None or x is None or not (-90 <= y <= 90 and -180 <= x <= 180):
        errors.add(path, _("A point needs a latitude from -90 to 90 and a longitude from -180 to 180."))
        return None
    return round(y, 7), round(x, 7)


def area_field(value: Any, path: str, errors: FieldErrors) -> list[list[float]] | None:
    """A ring of [lat, lon] points (WGS-84) drawn on a map: 3 to 200 points; blank or empty is None."""
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        return None
    message = _("An area needs 3 to %(n)d points of latitude and longitude.", n=MAX_AREA_POINTS)
    if not isinstance(value, list) or not 3 <= len(value) <= MAX_AREA_POINTS:
        errors.add(path, message)
        return None
    ring: list[list[float]] = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            errors.add(path, message)
            return None
        y, x = _coordinate(pair[0]), _coordinate(pair[1])
        if y is None or x is None or not (-90 <= y <= 90 and -180 <= x <= 180):
            errors.add(path, message)
            return None
        ring.append([round(y, 7), round(x, 7)])
    return ring


def inside(ring: list[list[float]], lat: float, lon: float) -> bool:
    """Whether a point is inside a ring (even-odd rule; a town-sized area needs no curvature)."""
    found = False
    count = len(ring)
    for index in range(count):
        y1, x1 = ring[index]
        y2, x2 = ring[(index + 1) % count]
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < crossing:
                found = not found
    return found


MAX_RECORD_ID = 2**31 - 1


def record_id(value: Any) -> int | None:
    """A record's id named in a body (an activity, a merchant, a user): a whole number the database's 32-bit ids
    can hold, or None (a longer number would overflow the query on PostgreSQL instead of finding nothing)."""
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    if not re.fullmatch(r"\d{1,10}", text) or not 1 <= int(text) <= MAX_RECORD_ID:
        return None
    return int(text)
