"""How post-loan work holds up as the loan book grows: a manager's due list and the branch completion board with
1,000 and with 100,000 loans (with their schedules and 18 months of checks), measured in one process,
interleaved, with the ratio; then a nightly import of the 100,000-row book with 10 % of the rows changed.

    make bench-postloan      # or: .venv/bin/python bench/postloan_book.py [--small N] [--large N] [--repeat N]

Each size gets its own throwaway SQLite file under instance/ (bench-loans-<N>.sqlite3, built anew through the
Alembic migrations; never the demo's database). The branch grows the way banks grow: about 150 loans per
customer manager, so 1,000 loans are 7 managers and 100,000 are 667 in the same 20 sub-branches. The loans go
in through the import itself (merchants first, in bulk), so their schedules are the schedule engine's; checks
due before the last two days are then settled (most on time, some late, a few waived, some left overdue).
Targets: the due list and the board at most 2.0 times their 1,000-loan figure; the nightly import under 60 s.
A script that prints figures, not a test.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.bank_time import bank_today  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.loans.importer import import_loans  # noqa: E402
from webapp.loans.reader import read_loan_file  # noqa: E402
from webapp.models import Branch, Loan, Merchant, ScheduledCheck, SubBranch, Team, User  # noqa: E402
from webapp.postloan import tally  # noqa: E402
from webapp.postloan.completion import branch_completion  # noqa: E402
from webapp.postloan.due import due_checks  # noqa: E402
from webapp.postloan.schedule import add_months  # noqa: E402
from webapp.write_kernel import WriteContext  # noqa: E402

LIMIT = 2.0
IMPORT_LIMIT_S = 60.0
LOANS_PER_MANAGER = 150
SUB_BRANCHES = 20
PASSWORD = "bench-password"
HEADER = ("借据号", "支行", "商户编号", "借款人", "产品", "贷款金额", "贷款余额", "放款日期", "到期日期", "期限(月)",
          "还款方式", "用途", "客户经理", "状态", "逾期天数", "逾期金额", "最近还款日", "配偶姓名", "配偶电话")


@dataclass
class Book:
    loans: int
    app: Flask
    today: date
    manager_ids: list[int]
    client: Any = None
    reviewer_client: Any = None


def _app(path: Path) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def _rows(loans: int, subs: list[str], managers: list[tuple[str, str]], today: date,
          rng: random.Random) -> list[dict[str, str]]:
    """The book as the core system writes it: one row per loan, managers each with a share of the loans."""
    rows = []
    for n in range(loans):
        username, sub = managers[n % len(managers)]
        term = rng.choice((6, 12, 12, 24))
        disbursed = today - timedelta(days=rng.randrange(1, 540))
        matures = add_months(disbursed, term)
        status = "结清" if matures <= today else ("逾期" if rng.random() < 0.04 else "正常")
        rows.append(dict(zip(HEADER, (
            f"B{n:07d}", sub, f"M{n:07d}", f"商户{n}", rng.choice(("经营快贷", "商户e贷")), "100000.00",
            "0" if status == "结清" else "60000.00", disbursed.isoformat(), matures.isoformat(), str(term),
            "等额本息", "进货", username, status, "12" if status == "逾期" else "", "3000" if status == "逾期" else "",
            "", "配偶" if n % 2 else "", "13800000000" if n % 2 else ""))))
    return rows


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(HEADER))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def build(loans: int, path: Path, today: date, seed: int = 5) -> tuple[Book, list[dict[str, str]]]:
    """A fresh database with the branch, its people, merchants and the imported book with settled history."""
    path.unlink(missing_ok=True)
    app = _app(path)
    rng = random.Random(seed)
    with app.app_context(), mock.patch("logging.config.fileConfig"):
        upgrade()
        branch = Branch(code="BENCH", name="基准分行")
        subs = [SubBranch(code=f"S{i:02d}", name=f"第{i}支行", branch=branch) for i in range(SUB_BRANCHES)]
        db.session.add_all([branch, *subs])
        db.session.flush()
        manager_count = max(1, round(loans / LOANS_PER_MANAGER))
        teams = [Team(name=f"队{i}", sub_branch_id=subs[i % SUB_BRANCHES].id) for i in range(max(1, manager_count // 10))]
        db.session.add_all(teams)
        db.session.flush()
        hashed = User(username="x", display_name="x", role="admin", sub_branch_id=subs[0].id)
        hashed.set_password(PASSWORD)
        people = [{"username": "admin", "display_name": "管理员", "role": "admin", "sub_branch_id": subs[0].id,
                   "team_id": None, "password_hash": hashed.password_hash, "is_enabled": True},
                  {"username": "reviewer", "display_name": "审核", "role": "reviewer", "sub_branch_id": subs[0].id,
                   "team_id": None, "password_hash": hashed.password_hash, "is_enabled": True}]
        managers: list[tuple[str, str]] = []
        for i in range(manager_count):
            team = teams[i % len(teams)]
            sub = next(s for s in subs if s.id == team.sub_branch_id)
            people.append({"username": f"m{i:04d}", "display_name": f"经理{i}", "role": "manager",
                           "sub_branch_id": sub.id, "team_id": team.id, "password_hash": hashed.password_hash,
                           "is_enabled": True})
            managers.append((f"m{i:04d}", sub.code))
        db.session.execute(sa.insert(User.__table__), [{**p, "created_at": datetime.now(UTC)} for p in people])
        rows = _rows(loans, [s.code for s in subs], managers, today, rng)
        sub_ids = {s.code: s.id for s in subs}
        db.session.execute(sa.insert(Merchant.__table__), [
            {"sub_branch_id": sub_ids[r["支行"]], "code": r["商户编号"], "name": r["借款人"], "industry": "", "address": "",
             "district": "", "contact_name": "", "phone": "", "status": "borrower", "created_at": datetime.now(UTC),
             "updated_at": datetime.now(UTC)} for r in rows])
        db.session.commit()
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin is not None
        outcome = import_loans(WriteContext(actor=admin, now=datetime.now(UTC)), branch.id,
                               read_loan_file(_csv(rows)), today, source="cli")
        assert outcome.ok, outcome.problems[:3]
        _settle(today)
        db.session.commit()
        manager_ids = list(db.session.scalars(sa.select(User.id).where(User.role == "manager").order_by(User.id)))
    return Book(loans, app, today, manager_ids), rows


def _settle(today: date) -> None:
    """Checks due before the last two days: 80 % on time, 8 % late, 4 % waived, 8 % left overdue."""
    checks = ScheduledCheck.__table__
    past = sa.and_(checks.c.status == "open", checks.c.due_on < today - timedelta(days=2))
    bucket = checks.c.id % 25
    db.session.execute(sa.update(checks).where(past, bucket < 20).values(
        status="done", done_on=checks.c.due_on, done_at=sa.func.datetime(checks.c.due_on), done_by_id=checks.c.assignee_id))
    db.session.execute(sa.update(checks).where(past, bucket.in_((20, 21))).values(
        status="done", done_on=sa.func.date(checks.c.due_on, "+4 days"),
        done_at=sa.func.datetime(checks.c.due_on, "+4 days"), done_by_id=checks.c.assignee_id))
    db.session.execute(sa.update(checks).where(past, bucket == 22).values(
        status="waived", waive_reason="bench", waived_by_id=checks.c.assignee_id))
    tally.rebuild_all()


def login(book: Book, username: str) -> Any:
    client = book.app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    return client


def median_ms(fn: Callable[[], object], book: Book, repeat: int) -> float:
    times = []
    with book.app.app_context():
        fn_ctx = fn
        fn_ctx()  # warm
        for _ in range(repeat):
            db.session.expunge_all()
            start = time.perf_counter()
            fn_ctx()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measures(book: Book) -> dict[str, Callable[[], object]]:
    first = book.today.replace(day=1)
    sample = book.manager_ids[len(book.manager_ids) // 2]

    def due_list() -> object:
        user = db.session.get(User, sample)
        assert user is not None
        return due_checks(user, book.today)

    def board() -> object:
        ids = list(db.session.scalars(sa.select(SubBranch.id)))
        return branch_completion(ids, first, book.today, book.today)

    manager = db_username(book, sample)
    book.client = login(book, manager)
    book.reviewer_client = login(book, "reviewer")

    def due_page() -> object:
        response = book.client.get("/postloan/due")
        assert response.status_code == 200
        return response

    def board_page() -> object:
        response = book.reviewer_client.get("/postloan/board")
        assert response.status_code == 200
        return response

    return {"due list (query)": due_list, "due list page (HTTP)": due_page,
            "completion per sub-branch (query)": board, "completion board page (HTTP)": board_page}


def db_username(book: Book, user_id: int) -> str:
    with book.app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return user.username


def nightly_import(book: Book, rows: list[dict[str, str]], rng: random.Random) -> tuple[float, dict[str, int]]:
    """The whole book again with 10 % of the rows changed (balances, arrears, repayments, reassignments)."""
    changed = [dict(r) for r in rows]
    for row in rng.sample(changed, len(changed) // 10):
        roll = rng.random()
        if row["状态"] == "结清":
            row["最近还款日"] = book.today.isoformat()
        elif roll < 0.5:
            row["贷款余额"], row["最近还款日"] = "55000.00", book.today.isoformat()
        elif roll < 0.7:
            row["状态"], row["逾期天数"], row["逾期金额"] = "逾期", "1", "2500"
        elif roll < 0.85:
            row["状态"], row["贷款余额"] = "结清", "0"
        else:
            row["配偶姓名"], row["配偶电话"] = "新配偶", "13900000001"
    data = _csv(changed)
    with book.app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin is not None
        branch_id = db.session.scalar(sa.select(Branch.id))
        assert branch_id is not None
        start = time.perf_counter()
        outcome = import_loans(WriteContext(actor=admin, now=datetime.now(UTC)), branch_id, read_loan_file(data),
                               book.today + timedelta(days=1), source="cli")
        db.session.commit()
        seconds = time.perf_counter() - start
        assert outcome.ok and outcome.summary is not None
        return seconds, outcome.summary.counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    today = bank_today()
    books = []
    for loans in (args.small, args.large):
        start = time.perf_counter()
        book, rows = build(loans, ROOT / "instance" / f"bench-loans-{loans}.sqlite3", today)
        with book.app.app_context():
            checks = db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledCheck))
            open_loans = db.session.scalar(sa.select(sa.func.count()).select_from(Loan)
                                           .where(Loan.status.in_(("normal", "overdue"))))
        print(f"built {loans:,} loans ({open_loans:,} open, {checks:,} checks, "
              f"{len(book.manager_ids)} managers) in {time.perf_counter() - start:.0f} s")
        books.append((book, rows))
    small, large = books[0][0], books[1][0]
    small_measures, large_measures = measures(small), measures(large)
    print(f"\n{'median of ' + str(args.repeat) + ' warm runs, ms':<40}{args.small:>10,}{args.large:>10,}{'ratio':>8}")
    worst = 0.0
    for name in small_measures:
        # Interleaved: each size is measured right after the other, so machine load hits both alike.
        a = median_ms(small_measures[name], small, args.repeat)
        b = median_ms(large_measures[name], large, args.repeat)
        worst = max(worst, b / a)
        print(f"{name:<40}{a:>10.2f}{b:>10.2f}{b / a:>8.2f}")
    seconds, counts = nightly_import(large, books[1][1], random.Random(9))
    print(f"\nnightly import of {args.large:,} rows (10 % changed): {seconds:.1f} s  {counts}")
    ok = worst <= LIMIT and seconds < IMPORT_LIMIT_S
    print(f"\nworst ratio {worst:.2f} (aim <= {LIMIT}); import {seconds:.1f} s (aim < {IMPORT_LIMIT_S:.0f} s): "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
