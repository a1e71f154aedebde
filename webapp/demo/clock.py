"""The demo's clock: the last two weeks' working days before today (China time), visit times during working
hours, and places near a merchant. All drawn from a seeded random.Random, so one date gives one history."""
from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from webapp.bank_time import BANK_ZONE
from webapp.models import Merchant

HISTORY_DAYS = 14
# Visit slots of a working day (China time): morning and afternoon rounds.
SLOTS = (time(9, 20), time(10, 30), time(11, 35), time(14, 5), time(15, 20), time(16, 35))
METRES_PER_DEGREE_LAT = 111_320.0


def working_days(today: date, days: int = HISTORY_DAYS) -> list[date]:
    """Monday to Friday in the ``days`` calendar days before today, oldest first."""
    return [day for offset in range(days, 0, -1) if (day := today - timedelta(days=offset)).weekday() < 5]


def at(day: date, slot: time, rng: random.Random, jitter_min: int = 12) -> datetime:
    """A moment near the slot on that day, China time, as UTC."""
    local = datetime.combine(day, slot, BANK_ZONE) + timedelta(minutes=rng.randrange(0, jitter_min),
                                                               seconds=rng.randrange(60))
    return local.astimezone(UTC)


def todays_times(today: date, now: datetime, count: int, rng: random.Random) -> list[datetime]:
    """Times of today's visits so far: the morning slots that are past; run before the round would have
    started, they fall in the hour before now (the sweep is always under way when the demo opens)."""
    times = [at(today, _morning(i), rng, 6) for i in range(count)]
    past = [t for t in times if t <= now - timedelta(minutes=10)]
    if len(past) == count:
        return past
    return [now - timedelta(minutes=15 * (count - i) + rng.randrange(0, 5)) for i in range(count)]


def _morning(index: int) -> time:
    minutes = 9 * 60 + 5 + 32 * index
    return time(minutes // 60, minutes % 60)


def near(point: tuple[float, float], rng: random.Random, low_m: float, high_m: float) -> tuple[float, float]:
    """A point between low_m and high_m metres from ``point`` in a random direction (7 decimals, as phones send)."""
    distance = rng.uniform(low_m, high_m)
    bearing = rng.uniform(0, 2 * math.pi)
    lat = point[0] + distance * math.cos(bearing) / METRES_PER_DEGREE_LAT
    lon = point[1] + distance * math.sin(bearing) / (METRES_PER_DEGREE_LAT * math.cos(math.radians(point[0])))
    return round(lat, 7), round(lon, 7)


def place_of(merchant: Merchant, fallback: tuple[float, float]) -> tuple[float, float]:
    """Where the merchant is: its registered point, or (never located) the middle of its district."""
    if merchant.lat is not None and merchant.lon is not None:
        return float(merchant.lat), float(merchant.lon)
    return fallback


def accuracy(rng: random.Random, low: float = 6.0, high: float = 38.0) -> float:
    """A phone's accuracy radius with a decimal, as GNSS fixes report it."""
    return round(rng.uniform(low, high), 1)
