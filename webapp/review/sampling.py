"""Sampling (抽查): N% (at least M) of each manager's visits in a period, drawn with a recorded seed.

The draw needs no random generator: every visit gets the rank sha256("<seed>\\n<visit id>") and each manager's
k lowest-ranked visits are the sample. The same seed and the same population give the same sample on any
machine, in any database row order, in any Python version; an auditor can redo it with any SHA-256 tool.

Sample size per manager (the rounding rule): k = min(n, max(M, ceil(n × N / 100))), where n is the number of
that manager's visits in the population. Rounding up means 10% of 15 visits is 2, never 1: a check errs on the
side of looking at more. A manager with no visit in the period has no stratum.

A visit belongs to the manager who led it (the squad's 主聊), so each visit is counted once. The population is
the visits of the recorded scope started within the period (bank time, Asia/Shanghai) that the server had
received when the sample was drawn: visits synced later never change a recorded sample.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.sql.elements import ColumnElement

from webapp.bank_time import bank_today, day_bounds, period_bounds
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import SubBranch, User, Visit
from webapp.models.review import ReviewSample, ReviewSampleVisit
from webapp.roles import TEAM_LEAD
from webapp.scope import visible_visits

SEED_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SAMPLE_DAYS = 366


def sample_size(population: int, percent: int, minimum: int) -> int:
    """ceil(population × percent / 100), at least ``minimum``, never more than the population."""
    if population <= 0:
        return 0
    share = -(-population * percent // 100)  # integer ceiling: no float rounding at the edges
    return min(population, max(minimum, share))


def rank(seed: str, visit_id: str) -> str:
    return hashlib.sha256(f"{seed}\n{visit_id}".encode()).hexdigest()


def draw(population: Mapping[int, Sequence[str]], *, percent: int, minimum: int, seed: str) -> dict[int, list[str]]:
    """Per manager, the k visits of lowest rank (ties cannot happen between distinct ids in practice; the id
    breaks them anyway)."""
    sample: dict[int, list[str]] = {}
    for manager_id, visit_ids in population.items():
        k = sample_size(len(visit_ids), percent, minimum)
        if k:
            ranked = sorted(set(visit_ids), key=lambda vid: (rank(seed, vid), vid))
            sample[manager_id] = ranked[:k]
    return sample


def population_digest(visit_ids: Iterable[str]) -> str:
    """A fingerprint of a stratum's population, to tell a changed population from a changed draw."""
    return hashlib.sha256("\n".join(sorted(visit_ids)).encode()).hexdigest()


def new_seed() -> str:
    """Twelve digits: easy to read out to an auditor and to type again."""
    return f"{secrets.randbelow(10**12):012d}"


@dataclass(frozen=True)
class SampleRequest:
    start: date
    end: date
    percent: int
    minimum: int
    seed: str
    sub_branch_id: int | None = None
    team_id: int | None = None
    kind: str | None = None


def _population(branch_id: int, request: SampleRequest, cutoff: datetime,
                managers: ColumnElement[bool]) -> dict[int, list[str]]:
    low, high = period_bounds(request.start, request.end)
    in_branch = sa.select(SubBranch.id).where(SubBranch.branch_id == branch_id)
    query = sa.select(Visit.lead_id, Visit.id).where(
        Visit.sub_branch_id.in_(in_branch),
        Visit.started_at >= low, Visit.started_at < high,
        Visit.created_at <= cutoff,
        managers,
    )
    if request.sub_branch_id is not None:
        query = query.where(Visit.sub_branch_id == request.sub_branch_id)
    if request.kind:
        query = query.where(Visit.kind == request.kind)
    population: dict[int, list[str]] = {}
    for lead_id, visit_id in db.session.execute(query):
        population.setdefault(lead_id, []).append(visit_id)
    return population


def last_week_with_visits(user: User, today: date) -> tuple[date, date]:
    """The default period of a draw: the last complete week (Monday to Sunday, bank days) in which the user's
    scope has visits; the week before this one when there are none yet."""
    this_monday = today - timedelta(days=today.weekday())
    before, _end = day_bounds(this_monday)
    latest = db.session.scalar(
        visible_visits(user).with_only_columns(sa.func.max(Visit.started_at)).where(Visit.started_at < before))
    if latest is None:
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    day = bank_today(latest if latest.tzinfo else latest.replace(tzinfo=UTC))
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def draw_sample(actor: User, request: SampleRequest, *, now: datetime) -> ReviewSample:
    """Draw and record a sample. A team lead's sample covers the visits led by their team's members; a
    reviewer's the branch, optionally narrowed to a sub-branch or a team. The caller commits."""
    team_id = actor.team_id if actor.role == TEAM_LEAD else request.team_id
    managers: ColumnElement[bool] = (Visit.lead_id.in_(sa.select(User.id).where(User.team_id == team_id))
                                     if team_id is not None else sa.true())
    request = SampleRequest(request.start, request.end, request.percent, request.minimum, request.seed,
                            request.sub_branch_id, team_id, request.kind)
    population = _population(actor.branch_id, request, now, managers)
    if not population:
        # An empty draw would be recorded as a sample that checked nothing: refused, saying where to look.
        raise Invalid({"from": _("No visit in this period and scope: choose a period with visits.")},
                      _("There is nothing to sample."))
    drawn = draw(population, percent=request.percent, minimum=request.minimum, seed=request.seed)
    usernames = dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(population))).all())
    strata = [
        {"manager_id": manager_id, "username": usernames.get(manager_id, ""), "population": len(ids),
         "drawn": len(drawn.get(manager_id, [])), "digest": population_digest(ids)}
        for manager_id, ids in sorted(population.items(), key=lambda item: usernames.get(item[0], ""))
    ]
    sample = ReviewSample(
        branch_id=actor.branch_id, sub_branch_id=request.sub_branch_id, team_id=team_id, kind=request.kind or None,
        period_start=request.start, period_end=request.end, percent=request.percent, minimum=request.minimum,
        seed=request.seed, strata=strata, population=sum(len(v) for v in population.values()),
        drawn=sum(len(v) for v in drawn.values()), drawn_by_id=actor.id, drawn_at=now,
    )
    db.session.add(sample)
    db.session.flush()
    rows = [{"sample_id": sample.id, "visit_id": visit_id, "manager_id": manager_id}
            for manager_id, ids in drawn.items() for visit_id in ids]
    if rows:
        db.session.execute(sa.insert(ReviewSampleVisit), rows)
    return sample


@dataclass(frozen=True)
class StratumCheck:
    manager_id: int
    username: str
    recorded_population: int
    population_now: int
    population_unchanged: bool
    recorded: frozenset[str]
    drawn_now: frozenset[str]

    @property
    def identical(self) -> bool:
        return self.recorded == self.drawn_now


@dataclass(frozen=True)
class Redraw:
    """The recorded sample beside a fresh draw with the same seed over the recorded population."""

    strata: list[StratumCheck]

    @property
    def identical(self) -> bool:
        return all(s.identical for s in self.strata)

    @property
    def population_unchanged(self) -> bool:
        return all(s.population_unchanged for s in self.strata)


def redraw(sample: ReviewSample) -> Redraw:
    """Draw the sample again from what it recorded, whoever looks: the population does not depend on the
    viewer's scope, nor on today's team membership (the strata name the managers)."""
    manager_ids = [int(s["manager_id"]) for s in sample.strata]
    request = SampleRequest(sample.period_start, sample.period_end, sample.percent, sample.minimum, sample.seed,
                            sample.sub_branch_id, sample.team_id, sample.kind)
    population = _population(sample.branch_id, request, sample.drawn_at,
                             Visit.lead_id.in_(manager_ids) if manager_ids else sa.false())
    drawn = draw(population, percent=sample.percent, minimum=sample.minimum, seed=sample.seed)
    recorded: dict[int, set[str]] = {}
    for manager_id, visit_id in db.session.execute(
        sa.select(ReviewSampleVisit.manager_id, ReviewSampleVisit.visit_id)
        .where(ReviewSampleVisit.sample_id == sample.id)
    ):
        recorded.setdefault(manager_id, set()).add(visit_id)
    checks = []
    for stratum in sample.strata:
        manager_id = int(stratum["manager_id"])
        ids = population.get(manager_id, [])
        checks.append(StratumCheck(
            manager_id=manager_id, username=str(stratum.get("username", "")),
            recorded_population=int(stratum["population"]), population_now=len(ids),
            population_unchanged=population_digest(ids) == stratum["digest"],
            recorded=frozenset(recorded.get(manager_id, set())), drawn_now=frozenset(drawn.get(manager_id, []))))
    return Redraw(checks)
