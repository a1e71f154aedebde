# Stub for lunardate 0.3.0 (pure Python, no type information): what webapp/channels/festivals.py uses.
from datetime import date

class LunarDate:
    year: int
    month: int
    day: int
    isLeapMonth: bool
    def __init__(self, year: int, month: int, day: int, isLeapMonth: bool = ...) -> None: ...
    def to_solar_date(self) -> date: ...
    @classmethod
    def from_solar_date(cls, year: int, month: int, day: int) -> LunarDate: ...
