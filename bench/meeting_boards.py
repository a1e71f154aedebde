"""The meeting boards as the history grows: a team's evening board and the branch's monthly table, on a branch
with 10 thousand visits and on the same branch with a million (scripts/seed_large.py, `make seed-large`).

    .venv/bin/python bench/meeting_boards.py --small sqlite:///instance/bench-10k.sqlite3 \\
        --large sqlite:///instance/bench-1m.sqlite3
    make bench-meetings

Both databases are measured in one process, interleaved run by run, so a busy machine slows both alike. Each
figure is the median of the warm runs in milliseconds; the first (cold) run is shown in brackets. Measured:
- the evening board of team 1 on the newest day (its people's figures against targets, misses, progress,
  standings), as assembled by the app, and the whole page over HTTP; and the same figures for all 45 people
  of a sub-branch;
- the branch's monthly table (plan achievement of the 20 sub-branches, six months of trend), for the current
  month and for the last full month, and the whole page over HTTP.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

PASSWORD = "fieldwork-demo"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", required=True, help="database URL of the 10 thousand visits")
    parser.add_argument("--large", required=True, help="database URL of the million visits")
    parser.add_argument("--runs", type=int, default=21)
    return parser.parse_args(argv)


class Branch:
    """One benchmark database: the app on it, a logged-in lead and reviewer, the newest day and its month."""

    def __init__(self, url: str) -> None:
        from webapp import create_app
        from webapp.config import normalise_database_url

        target = sa.make_url(normalise_database_url(url))
        if target.get_backend_name() == "sqlite" and target.database:
            target = target.set(database=str(Path(target.database).resolve()))
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": target.render_as_string(hide_password=False),
                               "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
                               "WTF_CSRF_ENABLED": False})
        with self.app.app_context():
            from webapp.extensions import db
            from webapp.metrics.definitions import bank_day
            from webapp.models import Visit

            moment = db.session.scalar(sa.select(Visit.started_at).order_by(Visit.started_at.desc()).limit(1))
            assert moment is not None, "seed the database first (make seed-large)"
            self.day: date = bank_day(moment)
        self.month = self.day.replace(day=1)
        self.last_month = (self.month - timedelta(days=1)).replace(day=1)
        self.lead = self._client("lead1")
        self.reviewer = self._client("reviewer1")

    def _client(self, username: str) -> Any:
        client = self.app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.status_code
        return client

    def evening(self) -> None:
        from webapp.meetings.day_boards import evening_board
        from webapp.metrics.store import definitions_for
        from webapp.models import Team, User

        with self.app.app_context():
            from webapp.extensions import db

            lead = db.session.scalar(sa.select(User).where(User.username == "lead1"))
            team = db.session.get(Team, 1)
            assert lead is not None and team is not None
            board = evening_board(lead, team, self.day, definitions_for(lead.sub_branch.branch_id))
            assert board.rows
            db.session.remove()

    def sub_branch_day(self) -> None:
        """The evening board's figures for a whole sub-branch (its five teams, 45 people) on the newest day."""
        from webapp.meetings.targets import person_targets
        from webapp.metrics.counting import person_totals
        from webapp.metrics.store import definitions_for
        from webapp.models import User

        with self.app.app_context():
            from webapp.extensions import db

            people = list(db.session.scalars(sa.select(User.id).where(User.sub_branch_id == 1,
                                                                      User.role.in_(("manager", "team_lead")))))
            totals = person_totals(definitions_for(1), people, self.day, self.day + timedelta(days=1),
                                   sub_branch_ids=[1])
            targets = person_targets(people, "day", self.day)
            assert len(totals) == len(targets) == 45
            db.session.remove()

    def branch_table(self, month: date) -> Callable[[], None]:
        def run() -> None:
            from webapp.meetings.period_boards import branch_month, visible_sub_branches
            from webapp.metrics.store import definitions_for

            with self.app.app_context():
                from webapp.extensions import db

                board = branch_month(visible_sub_branches(list(range(1, 21))), month, definitions_for(1))
                assert len(board.rows) == 20
                db.session.remove()
        return run

    def page(self, client: Any, url: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.close()
        return run


def measure(branches: dict[str, Branch], runs: int) -> dict[str, dict[str, list[float]]]:
    tasks: dict[str, Callable[[Branch], Callable[[], None]]] = {
        "evening board of a team (assembled)": lambda b: b.evening,
        "evening board, the whole page over HTTP": lambda b: b.page(
            b.lead, f"/meetings/teams/1/evening?day={b.day.isoformat()}"),
        "evening figures of a whole sub-branch (45 people)": lambda b: b.sub_branch_day,
        "branch monthly table, this month (assembled)": lambda b: b.branch_table(b.month),
        "branch monthly table, last full month (assembled)": lambda b: b.branch_table(b.last_month),
        "branch monthly table, last full month, whole page over HTTP": lambda b: b.page(
            b.reviewer, f"/meetings/branch/monthly?month={b.last_month.strftime('%Y-%m')}"),
    }
    found: dict[str, dict[str, list[float]]] = {task: {name: [] for name in branches} for task in tasks}
    for _run in range(runs):
        for task, make in tasks.items():
            for name, branch in branches.items():
                work = make(branch)
                clock = time.perf_counter()
                work()
                found[task][name].append(1000 * (time.perf_counter() - clock))
    return found


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    branches = {"10k": Branch(args.small), "1M": Branch(args.large)}
    for name, branch in branches.items():
        with branch.app.app_context():
            from webapp.extensions import db

            visits = db.session.scalar(sa.text("SELECT count(*) FROM visit"))
            db.session.remove()
        print(f"{name}: {visits:,} visits, newest day {branch.day.isoformat()}")
    found = measure(branches, args.runs)
    print(f"\nmedian of {args.runs - 1} warm runs, ms [first, cold run]")
    print(f"{'':64} {'10k':>14} {'1M':>14} {'ratio':>6}")
    for task, by_db in found.items():
        small, large = (statistics.median(by_db[name][1:]) for name in ("10k", "1M"))
        cells = [f"{statistics.median(by_db[n][1:]):7.1f} [{by_db[n][0]:5.0f}]" for n in ("10k", "1M")]
        print(f"{task:64} {cells[0]:>14} {cells[1]:>14} {large / small:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
