"""Login answer times for an existing account, an unknown username and a disabled account, with the
production password hash (werkzeug's scrypt). Prints the medians and their ratios; not a test.

    .venv/bin/python bench/login_timing.py [--rounds 41]

Before the dummy-hash check an unknown username answered in about 7 ms against about 120 ms for a real
account: the time told whether the username exists. The old code path is measured beside the new one. The three kinds are asked in turn within each round,
so a busy machine slows them alike; the ratios should stay near 1. The test suite asserts the cause
instead (exactly one hash check per attempt, tests/test_login_throttle.py).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import create_app  # noqa: E402
from webapp.admin.accounts import UserInput, save_user  # noqa: E402
from webapp.auth import routes as auth_routes  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Branch, SubBranch, Team  # noqa: E402

PASSWORD = "violet-tram-harbour-41"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CASES = {"existing account, wrong password": "manager1", "unknown username": "nobody-here",
         "disabled account": "manager2", "unknown username, old code path": "nobody-here"}
OLD_PATH = "unknown username, old code path"


def old_credentials_valid(user: object, password: str) -> bool:
    """The check as it was: no hash at all unless the account exists and is enabled (for comparison)."""
    if user is None or not getattr(user, "is_enabled", False):
        return False
    return bool(user.check_password(password))  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False, "PHOTO_STORE": f"{tmp}/p"})
        with app.app_context():
            db.create_all()
            sub_branch = SubBranch(code="S1", name="Bench", branch=Branch(code="B", name="Bench"))
            team = Team(name="T", sub_branch=sub_branch)
            db.session.add_all([sub_branch, team])
            db.session.flush()
            for username, enabled in (("manager1", True), ("manager2", False)):
                user, errors = save_user(UserInput(username=username, display_name=username, role="manager",
                                                   sub_branch_id=sub_branch.id, team_id=team.id,
                                                   password=PASSWORD, enabled=enabled))
                assert user is not None, errors
            db.session.commit()
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True))
        assert token
        timings: dict[str, list[float]] = {case: [] for case in CASES}
        for round_number in range(args.rounds + 1):
            for case, username in CASES.items():
                current = auth_routes.credentials_valid
                if case == OLD_PATH:
                    auth_routes.credentials_valid = old_credentials_valid  # type: ignore[assignment]
                started = time.perf_counter()
                response = client.post("/login", data={"username": username, "password": "not-the-password",
                                                        "csrf_token": token.group(1)})
                elapsed = (time.perf_counter() - started) * 1000
                auth_routes.credentials_valid = current  # type: ignore[assignment]
                assert response.status_code == 401, response.status_code
                if round_number:  # the first round warms caches and the dummy hash
                    timings[case].append(elapsed)
        with app.app_context():
            db.engine.dispose()
    medians = {case: statistics.median(values) for case, values in timings.items()}
    base = medians["existing account, wrong password"]
    print(f"POST /login answer time, median of {args.rounds} interleaved rounds (scrypt, as in production):")
    for case, median in medians.items():
        print(f"  {case:34} {median:8.1f} ms   ratio to an existing account {median / base:5.2f}")


if __name__ == "__main__":
    main()
