"""Two weeks of a lived-in branch, seeded through the write paths: the sweep days, every manager's visits with
their photos and confirmations in the order they happened, the review of the older ones, last week's sample
and the first calls on the collection cases. One bank date gives one history (a seeded random.Random)."""
from __future__ import annotations

import random
import time
from datetime import datetime

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.demo.clock import working_days
from webapp.demo.collection import contact_cases
from webapp.demo.history import Planner, plan_history, prepare_queues
from webapp.demo.review import draw_last_week_sample, review_history
from webapp.demo.sweeps import plan_sweeps
from webapp.demo.writer import Tally, VisitPlan, users_by_name, write_visit
from webapp.extensions import db
from webapp.models import Visit, VisitFlag

REUSING_MANAGER = "mgr4"


def _reuse_target(plans: list[VisitPlan]) -> VisitPlan | None:
    """mgr4's last post-loan inspection before the unreviewed days sends the photo of an earlier visit again
    (the inspection finding the guide names: old photos as post-loan evidence)."""
    ordered = sorted(plans, key=lambda p: (p.started, p.key))
    mine = [p for p in ordered if p.writer.username == REUSING_MANAGER and p.photos]
    candidates = [p for p in mine if p.kind == "post_loan"]
    if len(candidates) < 2:  # on a date whose history gives mgr4 fewer post-loan inspections: any visit of theirs
        candidates = mine
    return candidates[len(candidates) // 2] if len(candidates) >= 2 else None


def seed_field_work(now: datetime) -> dict[str, int]:
    """Write the demo's field work; the caller commits. Returns counts, and the seconds it took."""
    started = time.perf_counter()
    today = bank_today(now)
    planner = Planner(rng=random.Random(f"xiaowei-demo-{today.isoformat()}"), users=users_by_name())
    prepare_queues(planner)
    days = working_days(today)
    busy = plan_sweeps(planner, days, today, now)
    plan_history(planner, today, busy)
    target = _reuse_target(planner.plans)
    tally = Tally()
    visits: list[Visit] = []
    for plan in sorted(planner.plans, key=lambda p: (p.started, p.key)):
        if plan is target and REUSING_MANAGER in tally.last_photo:
            plan.photos[0].reuse_of = tally.last_photo[REUSING_MANAGER]
        visits.append(write_visit(plan, tally))
    reviewer = planner.users["reviewer1"]
    reviews = review_history(reviewer, visits, today, planner.rng)
    sampled = draw_last_week_sample(reviewer, today, now)
    contacts = contact_cases(now)
    db.session.flush()
    flags = db.session.scalar(sa.select(sa.func.count()).select_from(VisitFlag)) or 0
    return {"visits": tally.visits, "photos": tally.photos, "confirmations": tally.confirmations, "flags": flags,
            "approved": reviews.approved, "sent_back": reviews.sent_back, "rejected": reviews.rejected,
            "resubmitted": reviews.resubmitted, "flags_judged": reviews.flags_judged, "sampled": sampled,
            "contacts": contacts, "seconds": round(time.perf_counter() - started)}
