"""Every metric on a hand-built day with known answers (tests/metrics_helpers.py), the definitions as settings,
and the facts kept by the write path under replays, new versions, confirmations and late sync."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import World, add_merchant, user_by_name
from tests.metrics_helpers import HandBuiltDay, at, body, build_day, confirm, write
from tests.visit_helpers import new_id
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.metrics import sources
from webapp.metrics.backfill import rebuild_metric_facts
from webapp.metrics.counting import person_totals, split_period, totals_by
from webapp.metrics.definitions import (
    Definitions,
    achievement,
    conversion,
    credits_for,
    definitions_from,
    penetration,
    per_working_day,
    working_days,
)
from webapp.metrics.penetration import penetration_by, penetration_of
from webapp.models import ActivityMonth, ActivitySubBranchMonth, Merchant, Visit, VisitCredit

DEFAULTS = Definitions()


@pytest.fixture
def day(app: Flask, world: World) -> HandBuiltDay:
    with app.app_context():
        return build_day(world)


def _ids(*names: str) -> dict[str, int]:
    return {name: user_by_name(name).id for name in names}


def _day_totals(day: date, definitions: Definitions = DEFAULTS) -> dict[str, Any]:
    ids = _ids("mgr1", "mgr2", "mgr3", "lead1")
    found = person_totals(definitions, list(ids.values()), day, day + timedelta(days=1))
    return {name: found[user_id] for name, user_id in ids.items()}


def test_the_hand_built_day_counts_as_the_guide_defines(app: Flask, day: HandBuiltDay) -> None:
    with app.app_context():
        found = _day_totals(day.day)
        mgr1, mgr2, mgr3 = found["mgr1"], found["mgr2"], found["mgr3"]
        # Consultations: effective marketing visits; the squad visit counts for mgr2 who confirmed, not mgr3.
        assert (mgr1.consultations, mgr2.consultations, mgr3.consultations) == (3, 1, 2)
        # Applications: visits that recorded one.
        assert (mgr1.applications, mgr2.applications, mgr3.applications) == (2, 1, 0)
        # Deals: every product sold; mgr2's pension account is a deal without an application.
        assert (mgr1.deals, mgr2.deals, mgr3.deals) == (3, 3, 1)
        assert mgr2.by_product["pension_account"] == 1 and mgr2.by_product["loan"] == 1
        assert mgr1.by_product == {**dict.fromkeys(DEFAULTS.deal_products, 0), "credit_card": 1, "loan": 1,
                                   "aggregated_qr": 1}
        # The post-loan check is a visit, not a consultation.
        assert mgr2.visits == 3  # the squad visit, the pension account, the post-loan check
        assert found["lead1"].visits == 0
        # Conversion: applications / consultations, deals / applications (a deal needs no application).
        assert mgr1.application_rate == pytest.approx(66.7)
        assert mgr2.deal_rate == pytest.approx(300.0)
        assert mgr3.deal_rate is None


def test_a_visit_counts_on_the_day_it_was_made_in_china_time(app: Flask, day: HandBuiltDay) -> None:
    with app.app_context():
        late = db.session.get(Visit, day.late_visit)
        assert late is not None and late.created_at.date() > late.started_at.date()
        facts = db.session.scalars(sa.select(VisitCredit).where(VisitCredit.visit_id == day.late_visit)).all()
        assert [f.day for f in facts] == [day.day]
        # The 07:30 visit is the previous day in UTC and still counts on the bank day.
        assert _day_totals(day.day)["mgr3"].consultations == 2
        assert _day_totals(day.day - timedelta(days=1))["mgr3"].consultations == 0
        assert _day_totals(day.day - timedelta(days=1))["mgr1"].consultations == 1


def test_squad_credit_and_consultation_rules_are_settings(app: Flask, day: HandBuiltDay) -> None:
    with app.app_context():
        lead_only = _day_totals(day.day, Definitions(squad_credit="lead_only"))
        assert (lead_only["mgr2"].consultations, lead_only["mgr2"].applications, lead_only["mgr2"].deals) == (0, 0, 1)
        named = _day_totals(day.day, Definitions(squad_credit="named"))
        assert (named["mgr3"].consultations, named["mgr3"].applications, named["mgr3"].deals) == (3, 1, 3)
        every_visit = _day_totals(day.day, Definitions(consultation_rule="any_visit"))
        assert every_visit["mgr2"].consultations == 2  # the non-effective visit too, not the post-loan check
        all_kinds = _day_totals(day.day, Definitions(consultation_kinds=("marketing", "post_loan")))
        assert all_kinds["mgr2"].consultations == 2
        verified = _day_totals(day.day, Definitions(consultation_rule="verified_effective"))
        assert verified["mgr1"].consultations == 0  # no check-in, nothing verified
        cards_only = _day_totals(day.day, Definitions(deal_products=("credit_card",)))
        assert (cards_only["mgr1"].deals, cards_only["mgr2"].deals) == (1, 0)


def test_loans_come_from_the_loan_book_once_one_is_installed(app: Flask, day: HandBuiltDay,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        mgr2 = user_by_name("mgr2")

        def book(user_ids: Any, sub_branch_ids: Any, start: date, end: date) -> list[sources.LoanDeal]:
            loans = [sources.LoanDeal(mgr2.id, mgr2.sub_branch_id, day.day, "武林商圈")] * 2
            return [loan for loan in loans
                    if start <= loan.day < end and (user_ids is None or loan.user_id in user_ids)]

        monkeypatch.setattr(sources, "LOAN_DEAL_SOURCES", [book])
        monkeypatch.setattr("webapp.metrics.counting.LOAN_DEAL_SOURCES", [book])
        found = _day_totals(day.day)
        # The loan the squad visit recorded no longer counts; the book's two loans do, for their manager.
        assert found["mgr1"].by_product["loan"] == 0 and found["mgr1"].deals == 2
        assert found["mgr2"].by_product["loan"] == 2 and found["mgr2"].deals == 4
        visits_only = _day_totals(day.day, Definitions(loan_deal_source="visits"))
        assert visits_only["mgr1"].by_product["loan"] == 1


def test_month_cells_agree_with_the_day_facts_and_a_rebuild(app: Flask, day: HandBuiltDay) -> None:
    with app.app_context():
        ids = list(_ids("mgr1", "mgr2", "mgr3").values())
        month = day.day.replace(day=1)
        end = (month + timedelta(days=32)).replace(day=1)
        from_cells = totals_by(("user_id",), DEFAULTS, month, end, user_ids=ids)
        from_facts = totals_by(("user_id", "day"), DEFAULTS, month, end, user_ids=ids)
        for user_id in ids:
            summed = sum(t.consultations for (u, _d), t in from_facts.items() if u == user_id)
            assert from_cells[(user_id,)].consultations == summed
        # A sub-branch's month (its own cells) is the sum of its people's.
        a1 = user_by_name("mgr1").sub_branch_id
        branch = totals_by(("sub_branch_id",), DEFAULTS, month, end, sub_branch_ids=[a1])[(a1,)]
        people = person_totals(DEFAULTS, ids + [user_by_name("lead1").id], month, end)
        assert (branch.consultations, branch.applications, branch.deals) == (
            sum(t.consultations for t in people.values()), sum(t.applications for t in people.values()),
            sum(t.deals for t in people.values()))
        assert branch.consultations > 0
        before = _cells()
        rebuild_metric_facts(db.session.connection())
        assert _cells() == before


def _cells() -> list[tuple[Any, ...]]:
    """Every monthly cell, of people and of sub-branches, without their ids."""
    rows: list[tuple[Any, ...]] = []
    for table in (ActivityMonth.__table__, ActivitySubBranchMonth.__table__):
        columns = [c for c in table.c if c.name != "id"]
        rows.extend(sorted((table.name, *row) for row in db.session.execute(sa.select(*columns))))
    return rows


def test_replays_new_versions_and_confirmations_keep_the_figures_right(app: Flask, world: World) -> None:
    with app.app_context():
        day = bank_today() - timedelta(days=2)
        now = at(day, 21)
        visit_id = new_id()
        raw = body(world.merchants["a1_owned"], at(day, 10), lead="mgr1", support="mgr2", deals=("credit_card",))
        first = write("mgr1", visit_id, raw, now=now)
        assert write("mgr1", visit_id, raw, now=now).status == "unchanged"  # a replay adds nothing
        assert _day_totals(day)["mgr1"].consultations == 1
        assert _day_totals(day)["mgr2"].consultations == 0  # named, not confirmed yet
        confirm("mgr2", visit_id, now=now)
        confirm("mgr2", visit_id, now=now)  # a replayed confirmation
        assert _day_totals(day)["mgr2"].consultations == 1
        # A new version moves the visit to the day before and drops the support: both days follow.
        moved = body(world.merchants["a1_owned"], at(day - timedelta(days=1), 18), lead="mgr1", effective=False,
                     deals=("credit_card", "bill_payment"))
        assert write("mgr1", visit_id, moved, now=now, if_match=first.visit.etag).status == "updated"
        db.session.commit()
        assert _day_totals(day)["mgr1"].visits == 0 and _day_totals(day)["mgr2"].visits == 0
        earlier = _day_totals(day - timedelta(days=1))
        assert (earlier["mgr1"].consultations, earlier["mgr1"].deals) == (0, 2)
        before = _cells()
        rebuild_metric_facts(db.session.connection())
        assert _cells() == before


def test_plain_definitions() -> None:
    assert conversion(1, 3) == 33.3 and conversion(5, 0) is None
    assert achievement(3, 4) == 75.0 and achievement(3, 0) is None and achievement(3, None) is None
    assert per_working_day(9, 4) == 2.2 and per_working_day(3, 0) is None
    monday = date(2026, 11, 30)
    assert working_days(monday, monday + timedelta(days=7), DEFAULTS) == 5
    assert working_days(monday, monday + timedelta(days=7), Definitions(working_weekdays=(0, 1, 2, 3, 4, 5))) == 6
    assert penetration({"prospect": 6, "customer": 3, "borrower": 1}, DEFAULTS) == (4, 10, 40.0)
    assert penetration({}, DEFAULTS) == (0, 0, None)
    assert credits_for(1, 2, 3, [3]) == [(1, "lead"), (2, "named"), (3, "confirmed")]
    assert credits_for(1, None, 1, []) == [(1, "lead")]
    assert split_period(date(2026, 11, 20), date(2027, 1, 10)) == (
        [date(2026, 12, 1)], [(date(2026, 11, 20), date(2026, 12, 1)), (date(2027, 1, 1), date(2027, 1, 10))])


@pytest.mark.parametrize("values, problem", [
    ({"squad_credit": "everyone"}, "choice"),
    ({"deal_products": []}, "list"),
    ({"deal_products": ["gold_bar"]}, "list"),
    ({"working_weekdays": [7]}, "list"),
    ({"talk_after_days": 0}, "number"),
    ({"talk_after_days": True}, "number"),
    ({"colour": "red"}, "unknown"),
])
def test_bad_definitions_are_refused_and_keep_the_default(values: dict[str, Any], problem: str) -> None:
    definitions, problems = definitions_from(values)
    assert definitions == DEFAULTS
    assert list(problems.values()) == [problem]


def test_penetration_of_a_district_and_of_any_merchant_set(app: Flask, world: World) -> None:
    with app.app_context():
        a1 = world.sub_branches["A1"]
        add_merchant(a1, "新客户甲", district="武林商圈", status="customer")
        db.session.commit()
        by_district = {p.group: p for p in penetration_by("district", [a1], DEFAULTS)}
        assert (by_district["武林商圈"].customers, by_district["武林商圈"].merchants) == (2, 3)
        assert by_district["湖墅南路沿线"].percent == 0.0
        channel = sa.select(Merchant.id).where(Merchant.sub_branch_id == a1, Merchant.status != "prospect")
        assert penetration_of(channel, DEFAULTS).percent == 100.0
