"""How the review queue holds up as the branch grows: the first page and the counts at 10 thousand and at
1 million visits, measured in one process, interleaved, with the ratio.

    make seed-large     # once: instance/bench-10k.sqlite3 and instance/bench-1m.sqlite3 (scripts/seed_large.py)
    make bench-review   # or: .venv/bin/python bench/review_queue.py [--small URL] [--large URL] [--repeat N]

Both databases hold the same branch at the same rate of 1,000 visits a day; the large one has 100 times the
history. The queue shows the reviewer's default period (the last 7 days, here ending on the newest visit's
day), so both answer from about 7,000 visits: what must not grow is the cost of the other 990,000.
Each figure is the median of --repeat warm runs (the session emptied before each, so nothing is served from
the ORM's identity map); the target is a ratio of at most 2.0 for the first page and the flag counts.
A script that prints figures, not a test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.bank_time import BANK_ZONE, bank_today  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Photo, User, Visit  # noqa: E402
from webapp.review.queue import QueueFilters, flag_counts, queue_page, state_counts  # noqa: E402

LIMIT = 2.0
GATED = ("queue first page", "flag counts", "whole page (HTTP)")


@dataclass
class Target:
    label: str
    app: Flask
    filters: QueueFilters
    visits: int
    photos: int
    client: Any = None


def open_target(label: str, url: str) -> Target:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database).resolve()
        if not path.exists():
            raise SystemExit(f"{path} is missing: run `make seed-large` first")
        url = parsed.set(database=str(path)).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        visits = db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) or 0
        photos = db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) or 0
        newest = db.session.scalar(sa.select(sa.func.max(Visit.started_at)))
        end = newest.astimezone(BANK_ZONE).date() if newest else bank_today()
        db.session.remove()
    target = Target(label, app, QueueFilters(start=end - timedelta(days=6), end=end), visits, photos)
    target.client = app.test_client()
    response = target.client.post("/login", data={"username": "reviewer1", "password": "fieldwork-demo"})
    assert response.status_code == 303, f"cannot log in to {label}: {response.status_code}"
    return target


def reviewer() -> User:
    user = db.session.scalar(sa.select(User).where(User.username == "reviewer1"))
    assert user is not None
    return user


def busiest_manager(f: QueueFilters) -> int:
    return int(db.session.scalar(
        sa.select(Visit.lead_id).group_by(Visit.lead_id).order_by(sa.func.count().desc()).limit(1)) or 0)


def measures(target: Target) -> dict[str, Callable[[], object]]:
    f = target.filters
    query = f"/review/?from={f.start.isoformat()}&to={f.end.isoformat()}"
    with target.app.app_context():
        manager = busiest_manager(f)

    def page() -> object:
        response = target.client.get(query)
        assert response.status_code == 200, response.status_code
        return response.get_data()

    return {
        "queue first page": lambda: queue_page(reviewer(), f),
        "state counts": lambda: state_counts(reviewer(), f),
        "flag counts": lambda: flag_counts(reviewer(), f),
        "first page, state received": lambda: queue_page(reviewer(), QueueFilters(**{**f.__dict__, "state": "received"})),
        "first page, unjudged flags": lambda: queue_page(reviewer(), QueueFilters(**{**f.__dict__, "flag": "open"})),
        "first page, one manager": lambda: queue_page(reviewer(), QueueFilters(**{**f.__dict__, "manager_id": manager})),
        "whole page (HTTP)": page,
    }


def timed(target: Target, action: Callable[[], object]) -> float:
    if action.__name__ == "page":  # the request has its own app context and session
        start = time.perf_counter()
        action()
        return (time.perf_counter() - start) * 1000
    with target.app.app_context():
        db.session.remove()
        start = time.perf_counter()
        action()
        elapsed = (time.perf_counter() - start) * 1000
        db.session.remove()
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", default="sqlite:///instance/bench-10k.sqlite3")
    parser.add_argument("--large", default="sqlite:///instance/bench-1m.sqlite3")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args(argv)

    small, large = open_target("10k", args.small), open_target("1M", args.large)
    for t in (small, large):
        print(f"{t.label}: {t.visits:,} visits, {t.photos:,} photos; period {t.filters.start} to {t.filters.end}")
    actions = {t.label: measures(t) for t in (small, large)}
    names = list(actions[small.label])
    first: dict[tuple[str, str], float] = {}
    runs: dict[tuple[str, str], list[float]] = {(t.label, n): [] for t in (small, large) for n in names}
    for round_ in range(args.repeat + 1):
        for name in names:
            for t in (small, large):  # interleaved, so a noisy moment hits both sizes alike
                ms = timed(t, actions[t.label][name])
                if round_ == 0:
                    first[(t.label, name)] = ms
                else:
                    runs[(t.label, name)].append(ms)

    print(f"\nmedian of {args.repeat} warm runs, ms (first, cold-ish run in brackets)")
    print(f"{'':30} {'10k':>16} {'1M':>16} {'ratio':>7}")
    worst = 0.0
    for name in names:
        a = statistics.median(runs[(small.label, name)])
        b = statistics.median(runs[(large.label, name)])
        ratio = b / a if a else float("inf")
        gate = name in GATED
        if gate:
            worst = max(worst, ratio)
        mark = ("ok" if ratio <= LIMIT else "OVER") if gate else ""
        print(f"{name:30} {a:8.1f} ({first[(small.label, name)]:5.0f}) {b:8.1f} ({first[(large.label, name)]:5.0f})"
              f" {ratio:7.2f} {mark}")
    print(f"\nworst gated ratio {worst:.2f} (target at most {LIMIT})")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
