"""The prospect pipeline (准客户销售进程) a team tracks at its meetings, read from the visits' outcomes.

- Follow-ups: visits a member took part in whose outcome set a follow-up date in the period, and that no
  later visit to the same merchant has followed up.
- Applications in progress: merchants not yet customers with an application recorded in the last 60 days.
- A day's progress: the day's visits that recorded an application, a deal or a next follow-up.
Every query runs on the sub-branch's visits of a bounded window (index (sub_branch_id, started_at)), so the
boards stay as fast as the history grows.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from webapp.bank_time import day_bounds
from webapp.extensions import db
from webapp.models import Merchant, Visit

# A follow-up date is set within weeks of the visit; older visits are not searched (bounded work).
FOLLOW_UP_LOOKBACK = timedelta(days=90)
APPLICATION_WINDOW = timedelta(days=60)
OPEN_STATUSES = ("prospect", "applicant")


@dataclass(frozen=True)
class PipelineEntry:
    visit: Visit
    follow_up_date: str | None


def _by_people(people_ids: Collection[int]) -> sa.ColumnElement[bool]:
    ids = list(people_ids)
    return sa.or_(Visit.lead_id.in_(ids), Visit.support_id.in_(ids), Visit.observer_id.in_(ids))


def follow_ups(people_ids: Collection[int], sub_branch_id: int, first: date, last: date) -> list[PipelineEntry]:
    """Follow-ups dated from ``first`` to ``last`` (inclusive) that are still open."""
    if not people_ids:
        return []
    later = aliased(Visit)
    follow_up = Visit.outcome["follow_up_date"].as_string()
    since, _end = day_bounds(first - FOLLOW_UP_LOOKBACK)
    visits = db.session.scalars(
        sa.select(Visit)
        .where(Visit.sub_branch_id == sub_branch_id, Visit.started_at >= since, _by_people(people_ids),
               follow_up.is_not(None), follow_up != "", follow_up >= first.isoformat(), follow_up <= last.isoformat(),
               ~sa.select(later.id).where(later.merchant_id == Visit.merchant_id,
                                           later.started_at > Visit.started_at).exists())
        .order_by(follow_up, Visit.started_at)
        .options(selectinload(Visit.merchant), selectinload(Visit.lead))
        .limit(100)
    )
    return [PipelineEntry(visit, str((visit.outcome or {}).get("follow_up_date") or "")) for visit in visits]


def applications_in_progress(people_ids: Collection[int], sub_branch_id: int, today: date) -> list[Visit]:
    """The latest application visit of each merchant that is still a prospect or applicant."""
    if not people_ids:
        return []
    since, _end = day_bounds(today - APPLICATION_WINDOW)
    application = Visit.outcome["application"]
    visits = db.session.scalars(
        sa.select(Visit).join(Merchant, Merchant.id == Visit.merchant_id)
        .where(Visit.sub_branch_id == sub_branch_id, Visit.started_at >= since, _by_people(people_ids),
               Merchant.status.in_(OPEN_STATUSES), application.as_string().is_not(None))
        .order_by(Visit.started_at.desc())
        .options(selectinload(Visit.merchant), selectinload(Visit.lead))
        .limit(200)
    )
    latest: dict[int, Visit] = {}
    for visit in visits:
        if (visit.outcome or {}).get("application"):
            latest.setdefault(visit.merchant_id, visit)
    return list(latest.values())[:50]


def progress_of(people_ids: Collection[int], sub_branch_id: int, start: date, end: date) -> list[Visit]:
    """Visits of [start, end) that moved the pipeline: an application, a deal or a follow-up set."""
    if not people_ids:
        return []
    first, _ = day_bounds(start)
    stop, _ = day_bounds(end)
    visits = db.session.scalars(
        sa.select(Visit)
        .where(Visit.sub_branch_id == sub_branch_id, Visit.started_at >= first, Visit.started_at < stop,
               _by_people(people_ids))
        .order_by(Visit.started_at)
        .options(selectinload(Visit.merchant), selectinload(Visit.lead))
    )
    moved = []
    for visit in visits:
        outcome = visit.outcome or {}
        if outcome.get("application") or outcome.get("deals") or outcome.get("follow_up_date"):
            moved.append(visit)
    return moved[:100]
