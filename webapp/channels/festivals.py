"""The festivals the guide names for marketing (春节, 清明, 端午, 七夕, 中秋) and their dates, for the calendar.

Four are days of the Chinese lunar calendar, converted by ``lunardate`` (its tables cover 1900-2099, the
app's bounded days); 清明 is a solar term, the day the sun reaches 15° of longitude, which the century's
formula (寿星通用公式, C = 4.81) gives exactly for 2000-2099: April 4 or 5.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lunardate import LunarDate

# Lunar month and day of each lunar festival.
LUNAR_FESTIVALS: dict[str, tuple[int, int]] = {
    "spring_festival": (1, 1),
    "dragon_boat": (5, 5),
    "qixi": (7, 7),
    "mid_autumn": (8, 15),
}
# Activities are planned this long before a festival; the calendar suggests one from this day on.
LEAD_TIME = timedelta(days=21)


@dataclass(frozen=True)
class Festival:
    code: str
    day: date

    @property
    def suggest_from(self) -> date:
        return self.day - LEAD_TIME


def qingming(year: int) -> date:
    """清明: day = floor(Y * 0.2422 + 4.81) - floor(Y / 4) of April, Y the year within the century."""
    within = year % 100
    return date(year, 4, int(within * 0.2422 + 4.81) - within // 4)


def festivals_of(year: int) -> list[Festival]:
    """The year's festivals in date order."""
    found = [Festival(code, LunarDate(year, month, day).to_solar_date())
             for code, (month, day) in LUNAR_FESTIVALS.items()]
    found.append(Festival("qingming", qingming(year)))
    return sorted(found, key=lambda festival: festival.day)


def festivals_between(start: date, end: date) -> list[Festival]:
    """Every festival on a day from ``start`` to ``end`` inclusive."""
    found: list[Festival] = []
    for year in range(start.year, end.year + 1):
        found.extend(f for f in festivals_of(year) if start <= f.day <= end)
    return found


def upcoming(today: date, within: timedelta = timedelta(days=60)) -> list[Festival]:
    """Festivals in the next ``within`` days: the ones worth planning an activity for now."""
    return festivals_between(today, today + within)
