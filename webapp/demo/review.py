"""The branch's review of the demo's history, through the review write path (webapp.review.decisions) and the
sampling draw (webapp.review.sampling): older visits approved, the flags the reviewer looked at dismissed or
confirmed, a few visits sent back (one of them corrected and resubmitted, one still waiting for mgr1), one
rejected; the last days left for the queue. Then last week's sample, drawn with a recorded seed."""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import User, Visit, VisitFlag
from webapp.review.decisions import decide, decide_flag, resubmit
from webapp.review.sampling import SampleRequest, draw_sample

# Visits of the last days are not reviewed yet: the queue has work.
UNREVIEWED_DAYS = 3
DISMISS_REASONS = {
    "low_accuracy": "市场大棚内信号差，照片与门头一致，认可。",
    "outside_geofence": "商户登记地址有误，已核实实际经营地点。",
    "photo_old": "客户提供的进货单照片，已电话核实。",
    "photo_exif_far": "照片为客户仓库，位于另一园区，已核实。",
    "photo_camera_changed": "手机故障，临时借用同事手机拍照。",
}
SEND_BACK_REASON = "库存照片不清楚，请补拍一张库存照片后重新提交。"


@dataclass
class ReviewTally:
    approved: int = 0
    sent_back: int = 0
    rejected: int = 0
    resubmitted: int = 0
    flags_judged: int = 0
    sample_visits: int = 0
    states: dict[str, str] = field(default_factory=dict)


def _flags(visit: Visit) -> list[VisitFlag]:
    return list(db.session.scalars(sa.select(VisitFlag).where(VisitFlag.visit_id == visit.id)
                                   .order_by(VisitFlag.id)))


def review_history(reviewer: User, visits: Sequence[Visit], today: date, rng: random.Random) -> ReviewTally:
    """Decide the visits older than UNREVIEWED_DAYS, two working days after each was made."""
    tally = ReviewTally()
    cutoff = today - timedelta(days=UNREVIEWED_DAYS)
    older = sorted((v for v in visits if bank_today(v.started_at) <= cutoff), key=lambda v: (v.started_at, v.id))
    sent_back_for: set[str] = set()
    for visit in older:
        when = visit.started_at + timedelta(days=2, hours=1)
        flags = _flags(visit)
        reused = [f for f in flags if f.code == "photo_reused"]
        if reused:
            for flag in reused:
                decide_flag(reviewer, visit, flag, "confirmed", "", now=when)
                tally.flags_judged += 1
            decide(reviewer, visit, "reject", "贷后检查照片沿用了此前拜访的照片，不能作为本次检查的证据。", now=when)
            tally.rejected += 1
            continue
        for flag in flags:
            if flag.code in DISMISS_REASONS:
                decide_flag(reviewer, visit, flag, "dismissed", DISMISS_REASONS[flag.code], now=when)
                tally.flags_judged += 1
        writer = visit.created_by.username
        if writer not in sent_back_for and writer in ("mgr1", "mgr4", "mgr7") and visit.kind == "marketing" \
                and visit.support_id is None and rng.random() < 0.4:
            sent_back_for.add(writer)
            decide(reviewer, visit, "send_back", SEND_BACK_REASON, now=when)
            tally.sent_back += 1
            if writer != "mgr1":  # mgr4 and mgr7 corrected theirs; mgr1's waits in the inbox
                resubmit(visit.created_by, visit, "已补充说明。", now=when + timedelta(hours=3))
                tally.resubmitted += 1
            continue
        if rng.random() < 0.8:
            decide(reviewer, visit, "approve", "", now=when)
            tally.approved += 1
    return tally


def draw_last_week_sample(reviewer: User, today: date, now: datetime) -> int:
    """Last complete week's sample (Monday to Sunday), 10 % with at least two visits a manager."""
    monday = today - timedelta(days=today.weekday() + 7)
    request = SampleRequest(start=monday, end=monday + timedelta(days=6), percent=10, minimum=2,
                            seed=f"{monday:%Y%m%d}0001")
    return draw_sample(reviewer, request, now=now).drawn
