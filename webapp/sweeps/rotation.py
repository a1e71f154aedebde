"""The cyclical plan (辖区内循环拓展): the sub-branch's districts swept in turn, one per sweep date.

Sweep dates fall every ``interval_weeks`` weeks from the cycle's start date (so on its weekday). The cycle
continues after the district swept last, not from a fixed calendar: a week that was skipped postpones a
district instead of dropping it from the round. A date on which a sweep day is already planned shows that
plan, and the cycle carries on after the district it sweeps.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Merchant, SweepDay, SweepRotation


@dataclass(frozen=True)
class Slot:
    sweep_date: date
    district: str | None
    planned: bool  # a sweep day already exists on this date


def cycle_dates(start: date, interval_weeks: int, *, on_or_after: date, count: int) -> list[date]:
    """The next ``count`` sweep dates of the cycle, from ``on_or_after``."""
    if interval_weeks < 1:
        raise ValueError("interval_weeks must be at least 1")
    step = timedelta(weeks=interval_weeks)
    if on_or_after <= start:
        first = start
    else:
        periods = -(-(on_or_after - start).days // step.days)  # ceiling division
        first = start + periods * step
    # A rotation stored before its start was bounded may run into the end of the calendar: fewer dates then.
    return [first + i * step for i in range(count) if (date.max - first).days >= i * step.days]


def schedule(
    districts: Sequence[str],
    dates: Sequence[date],
    *,
    last_swept: str | None,
    planned: Mapping[date, str],
) -> list[Slot]:
    """Which district each date sweeps (see the module docstring); None when the rotation has no district."""
    cursor = districts.index(last_swept) if last_swept in districts else -1
    slots: list[Slot] = []
    for day in dates:
        if day in planned:
            district = planned[day]
            slots.append(Slot(day, district, True))
            if district in districts:
                cursor = districts.index(district)
            continue
        if not districts:
            slots.append(Slot(day, None, False))
            continue
        cursor = (cursor + 1) % len(districts)
        slots.append(Slot(day, districts[cursor], False))
    return slots


def ordered_districts(saved: Sequence[str], existing: Iterable[str]) -> list[str]:
    """The saved order, without districts that no longer have merchants, then new districts by name."""
    present = set(existing)
    kept = [d for d in saved if d in present]
    return kept + sorted(present - set(kept))


def sub_branch_districts(sub_branch_id: int) -> list[str]:
    rows = db.session.scalars(
        sa.select(Merchant.district).where(Merchant.sub_branch_id == sub_branch_id, Merchant.district != "").distinct()
    )
    return sorted(rows)


def last_swept(sub_branch_id: int, today: date) -> dict[str, date]:
    """When each district was last swept by any team of the sub-branch (sweep days up to today)."""
    rows = db.session.execute(
        sa.select(SweepDay.district, sa.func.max(SweepDay.sweep_date))
        .where(SweepDay.sub_branch_id == sub_branch_id, SweepDay.district != "", SweepDay.sweep_date <= today)
        .group_by(SweepDay.district)
    ).all()
    return {district: day for district, day in rows}


def rotation_for(sub_branch_id: int) -> SweepRotation | None:
    return db.session.scalar(sa.select(SweepRotation).where(SweepRotation.sub_branch_id == sub_branch_id))


def upcoming(rotation: SweepRotation, districts: Sequence[str], today: date, count: int = 8) -> list[Slot]:
    """The next ``count`` dates of the rotation with their districts, taking planned sweep days into account."""
    dates = cycle_dates(rotation.start_date, rotation.interval_weeks, on_or_after=today, count=count)
    swept = last_swept(rotation.sub_branch_id, today)
    before_today = {d: day for d, day in swept.items() if day < today}
    last = max(before_today, key=lambda d: (before_today[d], d)) if before_today else None
    planned_rows = db.session.execute(
        sa.select(SweepDay.sweep_date, SweepDay.district).where(
            SweepDay.sub_branch_id == rotation.sub_branch_id, SweepDay.sweep_date.in_(dates)
        )
    ).all()
    planned = {day: district for day, district in planned_rows}
    return schedule(districts, dates, last_swept=last, planned=planned)
