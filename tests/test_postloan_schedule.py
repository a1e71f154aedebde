"""The schedule rules: first check, the 6-month term boundary, use of funds, triggers, the horizon, and done or
waived checks surviving every recompute (import, rule change)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.factories import World, user_by_name
from tests.loan_helpers import checks_of, d, loan_by_number, loan_row, run_import
from webapp.extensions import db
from webapp.models import CheckTally, CheckTallyTotal, ScheduledCheck
from webapp.postloan import tally
from webapp.postloan.rules import DEFAULT_RULES, RuleSet, save_rule
from webapp.postloan.schedule import LoanFacts, add_months, check_state, planned_checks
from webapp.postloan.sync import sync_loans
from webapp.postloan.write import complete_check, waive_check
from webapp.write_kernel import WriteContext

TODAY = date(2026, 12, 1)


def facts(disbursed: str = "2026-11-20", term: int = 12, status: str = "normal",
          overdue_since: date | None = None) -> LoanFacts:
    start = d(disbursed)
    return LoanFacts(start, add_months(start, term), term, status, overdue_since)


def by_key(plan: list[Any]) -> dict[str, Any]:
    return {p.key: p for p in plan}


def test_first_on_site_check_is_due_within_15_days_of_disbursement() -> None:
    plan = by_key(planned_checks(facts(), DEFAULT_RULES, TODAY))
    first = plan["first"]
    assert (first.kind, first.mode, first.window_start, first.due_on) == (
        "first_onsite", "onsite", d("2026-11-20"), d("2026-12-05"))
    assert check_state("open", first.window_start, first.due_on, TODAY) == "due"
    assert check_state("open", first.window_start, first.due_on, d("2026-12-06")) == "overdue"
    assert check_state("open", d("2026-12-10"), d("2026-12-20"), TODAY) == "upcoming"


def test_terms_of_six_months_or_less_are_checked_monthly_longer_ones_quarterly() -> None:
    far = d("2027-09-01")  # late enough that every period of these loans is within the horizon
    six = [p for p in planned_checks(facts("2026-01-10", term=6), DEFAULT_RULES, far) if p.kind == "periodic_onsite"]
    seven = [p for p in planned_checks(facts("2026-01-10", term=7), DEFAULT_RULES, far) if p.kind == "periodic_onsite"]
    assert [p.due_on for p in six] == [d(x) for x in ("2026-02-10", "2026-03-10", "2026-04-10", "2026-05-10",
                                                      "2026-06-10")]
    assert [p.due_on for p in seven] == [d("2026-04-10"), d("2026-07-10")]
    assert six[0].key == "onsite:m1:1" and seven[0].key == "onsite:m3:1"
    # A periodic check opens a week before it is due.
    assert six[0].window_start == d("2026-02-03")


def test_the_use_of_funds_check_is_due_within_90_days() -> None:
    funds = by_key(planned_checks(facts(), DEFAULT_RULES, TODAY))["funds"]
    assert (funds.kind, funds.due_on, funds.window_start) == ("use_of_funds", d("2027-02-18"), d("2027-01-19"))


def test_an_overdue_loan_gets_a_trigger_check_within_3_days_and_a_closed_loan_none() -> None:
    plan = by_key(planned_checks(facts(status="overdue", overdue_since=d("2026-11-28")), DEFAULT_RULES, TODAY))
    trigger = plan["trigger:overdue:2026-11-28"]
    assert (trigger.kind, trigger.reason, trigger.due_on) == ("trigger", "overdue", d("2026-12-01"))
    assert planned_checks(facts(status="repaid"), DEFAULT_RULES, TODAY) == []
    # Rules are settings: a product may ask for a trigger check within 5 days.
    slower = RuleSet(trigger_days=5)
    assert by_key(planned_checks(facts(status="overdue", overdue_since=d("2026-11-28")), slower, TODAY))[
        "trigger:overdue:2026-11-28"].due_on == d("2026-12-03")


def test_periodic_checks_enter_the_schedule_as_time_passes(app: Flask, world: World) -> None:
    with app.app_context():
        run_import([loan_row(disbursed="2026-01-05", matures="2028-01-05", term="24")], as_of=TODAY)
        keys = set(checks_of("JJ0001"))
        assert {"offsite:m1:13", "onsite:m3:4"} <= keys  # opening before 2027-02-01 (today + 62 days)
        assert "offsite:m1:14" not in keys and "onsite:m3:5" not in keys
        sync_loans([loan_by_number("JJ0001").id], d("2027-01-01"))  # the nightly pass a month later
        db.session.commit()
        assert "offsite:m1:14" in set(checks_of("JJ0001"))
        # A check whose due date is the maturity date is never planned.
        short = [p.key for p in planned_checks(facts("2026-01-05", term=12), DEFAULT_RULES, d("2027-06-01"))]
        assert "onsite:m3:4" not in short and "offsite:m1:12" not in short


def _ctx(username: str) -> WriteContext:
    return WriteContext(actor=user_by_name(username), now=datetime(2026, 12, 1, 3, tzinfo=UTC))


def test_done_and_waived_checks_survive_a_rule_change_and_a_reimport(app: Flask, world: World) -> None:
    with app.app_context():
        run_import([loan_row(disbursed="2026-06-01", matures="2027-06-01")], as_of=TODAY)
        checks = checks_of("JJ0001")
        complete_check(_ctx("mgr1"), checks["first"], done_at=datetime(2026, 6, 10, 3, tzinfo=UTC))
        waive_check(_ctx("lead1"), checks["onsite:m3:1"], {"reason": "客户住院，电话核实经营正常"})
        db.session.commit()
        # The admin changes the rules: quarterly becomes monthly for this product, the first check 10 days.
        save_rule(_ctx("admin"), world.branch_id, "经营贷", RuleSet(first_onsite_days=10, long_interval_months=1))
        sync_loans([loan_by_number("JJ0001").id], TODAY)
        db.session.commit()
        after = checks_of("JJ0001")
        assert after["first"].status == "done" and after["first"].due_on == d("2026-06-16")  # not moved
        assert after["onsite:m3:1"].status == "waived" and after["onsite:m3:1"].waive_reason
        assert "onsite:m3:2" not in after  # an open check the new rules no longer ask for is gone
        # The monthly period the waived quarterly check covered is not asked again; the others are.
        assert "onsite:m1:3" not in after and "onsite:m1:4" in after
        # The same book again, and the book with the manager changed: done and waived stay as they were.
        run_import([loan_row(disbursed="2026-06-01", matures="2027-06-01", manager="mgr2")], as_of=TODAY)
        again = checks_of("JJ0001")
        assert again["first"].status == "done" and again["first"].assignee_id == user_by_name("mgr1").id
        assert again["onsite:m3:1"].status == "waived"
        assert again["onsite:m1:4"].assignee_id == user_by_name("mgr2").id


def test_a_repaid_loan_keeps_its_history_and_drops_its_open_checks(app: Flask, world: World) -> None:
    with app.app_context():
        run_import([loan_row(disbursed="2026-06-01", matures="2027-06-01")], as_of=TODAY)
        first = checks_of("JJ0001")["first"]
        complete_check(_ctx("mgr1"), first, done_at=datetime(2026, 6, 10, 3, tzinfo=UTC))
        db.session.commit()
        run_import([loan_row(disbursed="2026-06-01", matures="2027-06-01", status="结清", balance="0")],
                   as_of=d("2026-12-02"))
        left = checks_of("JJ0001")
        assert [c.key for c in left.values()] == ["first"] and left["first"].status == "done"


def test_the_tally_always_matches_the_schedule(app: Flask, world: World) -> None:
    with app.app_context():
        run_import([loan_row(), loan_row("JJ0002", disbursed="2026-03-01", matures="2026-09-01", term="6"),
                    loan_row("JJ0003", status="逾期", dpd="9", overdue="1000")], as_of=TODAY)
        checks = checks_of("JJ0002")
        complete_check(_ctx("mgr1"), checks["first"], done_at=datetime(2026, 3, 30, 3, tzinfo=UTC))  # late
        complete_check(_ctx("mgr1"), checks["onsite:m1:1"], done_at=datetime(2026, 3, 30, 3, tzinfo=UTC))
        waive_check(_ctx("lead1"), checks["offsite:m1:1"], {"reason": "同日现场检查已覆盖"})
        db.session.commit()
        kept = {(t.sub_branch_id, t.due_on): (t.open_count, t.done_on_time, t.done_late, t.waived)
                for t in db.session.scalars(sa.select(CheckTally)) if (t.open_count, t.done_on_time, t.done_late,
                                                                      t.waived) != (0, 0, 0, 0)}
        totals = dict(db.session.execute(sa.select(CheckTallyTotal.sub_branch_id, CheckTallyTotal.open_count)).all())
        tally.rebuild_all()
        assert dict(db.session.execute(sa.select(CheckTallyTotal.sub_branch_id, CheckTallyTotal.open_count)).all()) \
            == totals == {world.sub_branches["A1"]: sum(v[0] for v in kept.values())}
        rebuilt = {(t.sub_branch_id, t.due_on): (t.open_count, t.done_on_time, t.done_late, t.waived)
                   for t in db.session.scalars(sa.select(CheckTally))}
        assert kept == rebuilt
        assert sum(v[2] for v in rebuilt.values()) == 1 and sum(v[1] for v in rebuilt.values()) == 1
        total = db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledCheck))
        assert sum(sum(v) for v in rebuilt.values()) == total
