"""The review queue: the visits a reviewer or team lead may see, filtered, counted, in keyset pages.

Every query is bounded by a period of at most REVIEW_MAX_PERIOD_DAYS days (default 31) on the index
(sub_branch_id, started_at), and everything else is a correlated look-up by primary key or by
(visit_id, code): the cost of a page and of its counts follows the visits in the period, not the
branch's whole history. Pages are keyset pages on (started_at, id), never OFFSET.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from webapp.bank_time import parse_day, period_bounds
from webapp.extensions import db
from webapp.models import VISIT_KINDS, Merchant, Photo, User, Visit, VisitFlag
from webapp.models.review import REVIEW_STATES, FlagReview, ReviewSample, ReviewSampleVisit, VisitReview
from webapp.review.decisions import ReviewStatus, status_of
from webapp.scope import visible_samples, visible_sub_branch_ids, visit_condition
from webapp.visits.keyset import Cursor, after_cursor, cursor_of, newest_first, split_page

PAGE_SIZE = 50
DEFAULT_DAYS = 7
DEFAULT_MAX_PERIOD_DAYS = 31
FLAG_FILTERS = ("any", "open")  # besides the flag codes: any flag at all, or a flag nobody has judged yet
MAX_MERCHANT_QUERY = 60


@dataclass(frozen=True)
class QueueFilters:
    start: date
    end: date
    sub_branch_id: int | None = None
    team_id: int | None = None
    manager_id: int | None = None
    merchant: str = ""
    kind: str | None = None
    flag: str | None = None
    state: str | None = None
    sample_id: int | None = None

    def args(self, **changes: object) -> dict[str, str]:
        """The filters as query arguments (for links and the export), with some changed or dropped (None)."""
        values = {**asdict(self), **changes}
        names = {"start": "from", "end": "to", "sub_branch_id": "sub_branch", "team_id": "team",
                 "manager_id": "manager", "sample_id": "sample"}
        out: dict[str, str] = {}
        for key, value in values.items():
            if value is None or value == "":
                continue
            out[names.get(key, key)] = value.isoformat() if isinstance(value, date) else str(value)
        return out


@dataclass
class ParsedFilters:
    filters: QueueFilters
    errors: dict[str, str] = field(default_factory=dict)
    sample: ReviewSample | None = None


def _int(args: Mapping[str, str], name: str) -> int | None:
    value = (args.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date(args: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError as fault:
        errors[name] = str(fault)
        return None


def parse_filters(user: User, args: Mapping[str, str], *, today: date, max_days: int,
                  flag_codes: tuple[str, ...]) -> ParsedFilters:
    """Query arguments to filters. Unknown codes are ignored (a stale bookmark still opens); a bad or too long
    period is an error, reported beside the field."""
    errors: dict[str, str] = {}
    sample = None
    sample_id = _int(args, "sample")
    if sample_id is not None:

        sample = db.session.scalar(visible_samples(user).where(ReviewSample.id == sample_id))
        if sample is None:
            sample_id = None
    day = _date(args, "day", errors)
    start = day or _date(args, "from", errors)
    end = day or _date(args, "to", errors)
    if sample is not None:
        start, end = sample.period_start, sample.period_end
    if end is None:
        end = today if start is None else min(today, start + timedelta(days=DEFAULT_DAYS - 1))
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors["from"] = _("The period starts after it ends.")
        start = end
    elif sample is None and (end - start).days + 1 > max_days:
        errors["from"] = _("Choose a period of at most %(days)d days.", days=max_days)
        start = end - timedelta(days=max_days - 1)
    kind = args.get("kind") or None
    flag = args.get("flag") or None
    state = args.get("state") or None
    filters = QueueFilters(
        start=start, end=end,
        sub_branch_id=_int(args, "sub_branch"), team_id=_int(args, "team"), manager_id=_int(args, "manager"),
        merchant=(args.get("merchant") or "").strip()[:MAX_MERCHANT_QUERY],
        kind=kind if kind in VISIT_KINDS else None,
        flag=flag if flag in FLAG_FILTERS or flag in flag_codes else None,
        state=state if state in REVIEW_STATES else None,
        sample_id=sample_id,
    )
    return ParsedFilters(filters, errors, sample)


# --- conditions ---------------------------------------------------------------------------------------------


def _state_condition(state: str) -> ColumnElement[bool]:
    """A correlated primary-key look-up: a join would make the planner consider the whole review table."""
    if state == "received":
        return ~sa.exists().where(VisitReview.visit_id == Visit.id, VisitReview.state != "received")
    return sa.exists().where(VisitReview.visit_id == Visit.id, VisitReview.state == state)


def _flag_condition(flag: str) -> ColumnElement[bool]:
    """Filters look at current flags: a flag superseded by a corrected check-in is shown, not counted."""
    current = sa.and_(VisitFlag.visit_id == Visit.id, VisitFlag.superseded_at.is_(None))
    if flag == "any":
        return sa.exists().where(current)
    if flag == "open":
        undecided = ~sa.exists().where(FlagReview.flag_id == VisitFlag.id)
        return sa.exists().where(current, undecided)
    return sa.exists().where(current, VisitFlag.code == flag)


def conditions(user: User, f: QueueFilters, *, with_state: bool = True, with_flag: bool = True
               ) -> list[ColumnElement[bool]]:
    low, high = period_bounds(f.start, f.end)
    where: list[ColumnElement[bool]] = [visit_condition(user), Visit.started_at >= low, Visit.started_at < high]
    if f.sub_branch_id is not None:
        where.append(Visit.sub_branch_id == f.sub_branch_id)
    if f.team_id is not None:
        where.append(Visit.lead_id.in_(sa.select(User.id).where(User.team_id == f.team_id)))
    if f.manager_id is not None:
        m = f.manager_id
        where.append(sa.or_(Visit.lead_id == m, Visit.support_id == m, Visit.observer_id == m))
    if f.merchant:
        pattern = "%" + f.merchant.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(Visit.merchant_id.in_(sa.select(Merchant.id).where(
            Merchant.sub_branch_id.in_(visible_sub_branch_ids(user)),
            sa.or_(Merchant.name.like(pattern, escape="\\"), Merchant.code == f.merchant))))
    if f.kind:
        where.append(Visit.kind == f.kind)
    if f.sample_id is not None:
        in_sample = sa.select(ReviewSampleVisit.visit_id).where(ReviewSampleVisit.sample_id == f.sample_id)
        where.append(Visit.id.in_(in_sample))
    if with_state and f.state:
        where.append(_state_condition(f.state))
    if with_flag and f.flag:
        where.append(_flag_condition(f.flag))
    return where


# --- the page ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagWithDecision:
    flag: VisitFlag
    decision: FlagReview | None


@dataclass(frozen=True)
class QueueRow:
    visit: Visit
    status: ReviewStatus
    photos: list[Photo]
    flags: list[FlagWithDecision]


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None


def queue_page(user: User, f: QueueFilters, cursor: Cursor | None = None,
               page_size: int = PAGE_SIZE) -> QueuePage:
    # Ids first, then the page's rows with their merchant and lead: joining those for every visit of the
    # period before the sort would cost two look-ups per visit instead of per row shown.
    query = after_cursor(newest_first(sa.select(Visit.id).where(*conditions(user, f))), cursor)
    ids, more = split_page(db.session.scalars(query.limit(page_size + 1)).all(), page_size)
    loaded = {v.id: v for v in db.session.scalars(
        sa.select(Visit).where(Visit.id.in_(ids)).options(joinedload(Visit.merchant), joinedload(Visit.lead))
    ).unique()} if ids else {}
    visits = [loaded[i] for i in ids]
    return QueuePage(rows=rows_for(visits), next_cursor=cursor_of(visits[-1]) if more and visits else None)


def rows_for(visits: list[Visit]) -> list[QueueRow]:
    """Review state, photos and flags of a page of visits: three look-ups by visit id, not one per visit."""
    ids = [v.id for v in visits]
    reviews: dict[str, VisitReview] = {}
    photos: dict[str, list[Photo]] = {vid: [] for vid in ids}
    flags: dict[str, list[FlagWithDecision]] = {vid: [] for vid in ids}
    if ids:
        reviews = {r.visit_id: r for r in db.session.scalars(
            sa.select(VisitReview).where(VisitReview.visit_id.in_(ids)).options(joinedload(VisitReview.decided_by)))}
        for photo in db.session.scalars(sa.select(Photo).where(Photo.visit_id.in_(ids))
                                        .order_by(Photo.created_at, Photo.id)):
            photos[photo.visit_id].append(photo)
        for flag, decision in db.session.execute(
            sa.select(VisitFlag, FlagReview).outerjoin(FlagReview, FlagReview.flag_id == VisitFlag.id)
            .where(VisitFlag.visit_id.in_(ids)).order_by(VisitFlag.id)
        ):
            flags[flag.visit_id].append(FlagWithDecision(flag, decision))
    return [QueueRow(v, status_of(reviews.get(v.id)), photos[v.id], flags[v.id]) for v in visits]


def state_counts(user: User, f: QueueFilters) -> dict[str, int]:
    """Visits per review state under every filter but the state itself."""
    state = sa.func.coalesce(VisitReview.state, "received")
    query = (sa.select(state, sa.func.count()).select_from(Visit)
             .outerjoin(VisitReview, VisitReview.visit_id == Visit.id)
             .where(*conditions(user, f, with_state=False)).group_by(state))
    counts = dict.fromkeys(REVIEW_STATES, 0)
    for name, count in db.session.execute(query):
        counts[name] = count
    return counts


@dataclass(frozen=True)
class FlagCount:
    code: str
    visits: int
    open: int


def flag_counts(user: User, f: QueueFilters) -> list[FlagCount]:
    """Per flag code: the visits carrying it and the flags nobody has judged yet, under every filter but the flag."""
    query = (sa.select(VisitFlag.code, sa.func.count(sa.distinct(VisitFlag.visit_id)),
                       sa.func.count(VisitFlag.id) - sa.func.count(FlagReview.id))
             .select_from(Visit).join(VisitFlag, sa.and_(VisitFlag.visit_id == Visit.id,
                                                         VisitFlag.superseded_at.is_(None)))
             .outerjoin(FlagReview, FlagReview.flag_id == VisitFlag.id)
             .where(*conditions(user, f, with_flag=False))
             .group_by(VisitFlag.code).order_by(VisitFlag.code))
    return [FlagCount(code, visits, open_) for code, visits, open_ in db.session.execute(query)]

