"""The lead and branch boards: deadline states, promises, missing updates; overdue buckets, recovery per week,
first-contact-on-time rates with how late; SVG charts drawn on the server with every label escaped."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from tests.collection_helpers import (
    DAY,
    case_of,
    china,
    log_call,
    open_by_book,
    overdue_row,
)
from tests.conftest import LoggedIn
from tests.factories import World, user_by_name
from tests.loan_helpers import loan_row, run_import
from webapp.collection.boards import branch_board, bucket_of, lead_board
from webapp.collection.charts import column_chart, rate_chart
from webapp.extensions import db

NEXT = DAY + timedelta(days=1)


def test_buckets_by_days_past_due() -> None:
    assert [bucket_of(d) for d in (1, 30, 31, 60, 61, 90, 91, 400)] == [
        "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+", "90+"]


def build_book(app: Flask) -> None:
    """Four overdue loans across the buckets and sub-branches; JJ0001 gets a case contacted on time and a
    payment the week after; JJ0002 (mgr2) is never contacted."""
    with app.test_request_context():
        open_by_book(dpd="3", overdue="5000.00")
        rows = [overdue_row(dpd="3", overdue="5000.00"),
                loan_row("JJ0002", merchant="A1-002", borrower="周记五金", manager="mgr2", status="逾期", dpd="45",
                         overdue="2000.00"),
                loan_row("JJ0003", merchant="A1-003", borrower="小李水果店", manager="mgr3", status="逾期", dpd="75",
                         overdue="1000.00"),
                loan_row("JJ0004", sub="A2", merchant="A2-001", borrower="鑫源服装批发", manager="mgr7", status="逾期",
                         dpd="120", overdue="300.00")]
        run_import(rows, as_of=DAY, now=china(DAY, 18, 45))
        log_call(case_of("JJ0001"), china(NEXT, 9, 10), promise=(NEXT + timedelta(days=2), "3000"))
        rows[0] = overdue_row(dpd="10", overdue="1000.00", last_paid="2026-12-08")
        later = DAY + timedelta(days=7)
        run_import(rows, as_of=later, now=china(later, 18, 30))


def test_the_branch_board(app: Flask, world: World) -> None:
    build_book(app)
    with app.test_request_context():
        now = china(DAY + timedelta(days=8), 9)
        board = branch_board(user_by_name("reviewer1"), now, 4)
        assert {k: (b.loans, b.overdue_cents) for k, b in board.buckets.items()} == {
            "1-30": (1, 100_000), "31-60": (1, 200_000), "61-90": (1, 100_000), "90+": (1, 30_000)}
        assert set(board.buckets_by_sub_branch) == {"武林支行", "四季青支行"}
        assert board.buckets_by_sub_branch["四季青支行"]["90+"].loans == 1
        assert sum(cents for _week, cents in board.recovered_by_week) == 400_000
        assert dict(board.recovered_by_week)[DAY + timedelta(days=7 - (DAY + timedelta(days=7)).weekday())] == 400_000
        rates = {r.name: (r.due, r.on_time, r.percent) for r in board.rates_by_manager}
        assert rates == {"王芳": (1, 1, 100.0), "张伟": (1, 0, 0.0), "刘洋": (1, 0, 0.0), "黄强": (1, 0, 0.0)}
        subs = {r.name: r.percent for r in board.rates_by_sub_branch}
        assert subs == {"武林支行": 33.3, "四季青支行": 0.0}
        late = {row.case.loan.loan_number: (row.state, row.late_by) for row in board.late_cases}
        assert set(late) == {"JJ0002", "JJ0003", "JJ0004"}
        assert late["JJ0002"] == ("missed", now - china(NEXT, 10))
        # A team lead sees the team only; the other branch sees nothing of it.
        lead = branch_board(user_by_name("lead1"), now, 4)
        assert lead.buckets["90+"].loans == 0 and {r.name for r in lead.rates_by_sub_branch} == {"武林支行"}
        other = branch_board(user_by_name("reviewerb"), now, 4)
        assert other.total.loans == 0 and other.late_cases == []


def test_the_lead_board(app: Flask, world: World) -> None:
    with app.test_request_context():
        open_by_book()
        run_import([overdue_row(), loan_row("JJ0002", merchant="A1-002", borrower="周记五金", manager="mgr2",
                                            status="逾期", dpd="45", overdue="2000.00")],
                   as_of=DAY, now=china(DAY, 18, 45))
        promised = NEXT + timedelta(days=2)
        log_call(case_of("JJ0001"), china(NEXT, 9, 10), promise=(promised, "3000"))
        board = lead_board(user_by_name("lead1"), china(promised, 9))
        states = {row.case.loan.loan_number: row.state for row in board.open_cases}
        assert states == {"JJ0001": "on_time", "JJ0002": "missed"}
        assert [c.loan.loan_number for _p, c in board.due_today] == ["JJ0001"]
        assert board.broken == [] and board.without_update == []
        run_import([overdue_row(dpd="6")], as_of=promised, now=china(promised, 18, 30))
        after = china(promised + timedelta(days=1), 9)
        from webapp.collection.refresh import apply_due
        apply_due([world.sub_branches["A1"]], after)
        board = lead_board(user_by_name("lead1"), after)
        assert [(p.status, c.loan.loan_number) for p, c in board.broken] == [("broken", "JJ0001")]
        assert board.due_today == []
        assert lead_board(user_by_name("lead2"), after).open_cases == []


def test_board_pages_render_charts_for_leads_and_reviewers(app: Flask, world: World, login: object) -> None:
    build_book(app)
    app.config["TEST_NOW"] = china(DAY + timedelta(days=8), 9)
    reviewer: LoggedIn = login("reviewer1")  # type: ignore[operator]
    html = reviewer.get("/collection/board/branch?weeks=4").get_data(as_text=True)
    main = html.split("<main", 1)[1].split("</main>", 1)[0]  # the page's own content (the tab bar has icons)
    assert main.count("<svg") == 3 and "<script" not in main
    assert 'data-late-case' in html and "周记五金" in html
    for weeks in ("0", "-1", "abc", "999"):
        assert reviewer.get(f"/collection/board/branch?weeks={weeks}").status_code == 200
    lead: LoggedIn = login("lead1")  # type: ignore[operator]
    assert 'data-deadline-state="missed"' in lead.get("/collection/board/lead").get_data(as_text=True)
    assert login("mgr1").get("/collection/board/branch").status_code == 403  # type: ignore[operator]


def test_charts_escape_every_label() -> None:
    svg = str(column_chart("<b>", [("<script>alert(1)</script>", 100.0), ("A&B", 0.0)], lambda v: f"{v:.0f}"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A&amp;B" in svg and svg.startswith("<svg")
    assert 'height="160"' in svg  # the largest bar fills the area
    rates = str(rate_chart("t", [("\"quoted\"", 50.0), ("none", None)]))
    assert "&#34;quoted&#34;" in rates and "50%" in rates and "—" in rates
    assert str(column_chart("empty", [], str)).endswith("</svg>")
    assert db is not None
