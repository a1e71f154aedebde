"""Customer relations: a screening model on a known loan book gives a known list (for the loans' managers, in
their inboxes, with outcomes and conversion); fading customers per manager in Today and the inbox; the merchant's
timeline through each record's own scope."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.channel_helpers import ctx
from tests.factories import World, add_merchant, user_by_name
from tests.loan_helpers import loan_row, run_import
from tests.relations_helpers import model_body
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import bank_today
from webapp.errors import Forbidden, Invalid
from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.models import Merchant, ScreeningTarget
from webapp.relations.fading import fading_customers
from webapp.relations.outcomes import run_figures
from webapp.relations.screening import run_model, save_model


def _book(world: World) -> dict[str, int]:
    """Six loans of A1 on six borrowers; the model "maturing within 60 days, no arrears" must find exactly two."""
    today = bank_today()
    merchants = {}
    for code, name, owner in (("B-1", "甲店", "mgr1"), ("B-2", "乙店", "mgr2"), ("B-3", "丙店", "mgr1"),
                              ("B-4", "丁店", "mgr2"), ("B-5", "戊店", "mgr1"), ("B-6", "己店", "mgr3")):
        merchants[code] = add_merchant(world.sub_branches["A1"], name, owner=owner, code=code, status="borrower").id
    db.session.commit()

    def row(number: str, code: str, manager: str, matures: int, **extra: str) -> dict[str, str]:
        return loan_row(number, merchant=code, borrower="x", manager=manager,
                        disbursed=(today - timedelta(days=300)).isoformat(),
                        matures=(today + timedelta(days=matures)).isoformat(), **extra)

    outcome = run_import([
        row("L1", "B-1", "mgr1", 30),                                  # in: matures in 30 days, current
        row("L2", "B-2", "mgr2", 59),                                  # in: 59 days
        row("L3", "B-3", "mgr1", 61),                                  # out: 61 days
        row("L4", "B-4", "mgr2", 20, status="逾期", dpd="5", overdue="1000.00"),  # out: in arrears
        row("L5", "B-5", "mgr1", -10, status="结清", balance="0",
            last_paid=(today - timedelta(days=40)).isoformat()),       # out: already matured, repaid
        row("L6", "B-6", "mgr3", 45, sub="A1"),                        # in: 45 days
    ], as_of=today)
    assert outcome.ok, outcome.problems
    return merchants


def test_a_screening_model_on_a_known_loan_book_gives_the_known_list(app: Flask, world: World) -> None:
    with app.test_request_context():
        merchants = _book(world)
        model = save_model(ctx("lead1"), None, model_body())
        run = run_model(ctx("lead1"), model)
        db.session.commit()
        targets = {t.merchant_id: t.assignee.username for t in db.session.scalars(
            sa.select(ScreeningTarget).where(ScreeningTarget.run_id == run.id))}
        assert targets == {merchants["B-1"]: "mgr1", merchants["B-2"]: "mgr2", merchants["B-6"]: "mgr3"}
        assert run.target_count == 3
        # Repaid in the last 12 months: the one repaid loan's borrower.
        repaid = save_model(ctx("lead1"), None, {"name": "结清客户回访", "criteria": {
            "population": "loans", "repaid_within_months": "12"}})
        repaid_run = run_model(ctx("lead1"), repaid)
        assert [t.merchant_id for t in db.session.scalars(sa.select(ScreeningTarget).where(
            ScreeningTarget.run_id == repaid_run.id))] == [merchants["B-5"]]
        # Borrowers without a credit card (a visit to 甲店 sold one) among the renewals.
        db.session.commit()
        # The targets are in their managers' inboxes.
        items = [i for i in inbox_items(user_by_name("mgr2"), datetime.now(UTC)) if i.kind == "screening_target"]
        assert len(items) == 1 and "乙店" in items[0].title


def test_outcomes_come_from_the_manager_and_from_the_records_and_give_the_conversion(app: Flask, world: World,
                                                                                     login: Any) -> None:
    with app.test_request_context():
        merchants = _book(world)
        earlier = datetime.now(UTC) - timedelta(minutes=10)
        run = run_model(ctx("lead1", earlier), save_model(ctx("lead1"), None, model_body()))
        db.session.commit()
        run_id = run.id
        targets = {t.merchant_id: t.id for t in db.session.scalars(
            sa.select(ScreeningTarget).where(ScreeningTarget.run_id == run.id))}
    mgr1 = login("mgr1")
    # mgr1 visits 甲店 after the run and sells a credit card: won.
    body = visit_body(merchants["B-1"], lead="mgr1")  # started five minutes ago, after the run
    assert mgr1.api("PUT", f"/api/v1/visits/{new_id()}", json=body).status_code == 201
    # mgr2 says 乙店 is interested; mgr3's 己店 declined.
    assert login("mgr2").post(f"/relations/targets/{targets[merchants['B-2']]}",
                              {"outcome": "interested", "note": "下月再谈"}).status_code == 303
    assert login("mgr2").post(f"/relations/targets/{targets[merchants['B-6']]}", {"outcome": "won"}).status_code == 404
    assert login("lead1").post(f"/relations/targets/{targets[merchants['B-6']]}", {"outcome": "declined"}).status_code == 303
    assert login("lead1").post(f"/relations/targets/{targets[merchants['B-6']]}", {"outcome": "maybe"}).status_code == 422
    with app.test_request_context():
        from webapp.models import ScreeningRun

        found = db.session.get(ScreeningRun, run_id)
        assert found is not None
        figures = run_figures(found)
        assert figures.counts == {"won": 1, "interested": 1, "declined": 1}
        assert figures.conversion == 33.3 and figures.reached == 3
        assert not [i for i in inbox_items(user_by_name("mgr1"), datetime.now(UTC)) if i.kind == "screening_target"]
    page = login("lead1").get(f"/relations/screening/{found.model_id}").get_data(as_text=True)
    assert "33.3%" in page


@pytest.mark.parametrize(("criteria", "field"), [
    ({"population": ""}, "population"), ({"population": "loans"}, "population"),
    ({"population": "loans", "matures_within_days": "-1"}, "matures_within_days"),
    ({"population": "merchants", "statuses": ["vip"]}, "statuses"),
    ({"population": "merchants", "without_product": "yacht"}, "without_product"),
    ({"population": "loans", "loan_statuses": ["late"]}, "loan_statuses"),
    ({"population": "merchants", "industries": ["x"] * 31}, "industries"),
])
def test_a_bad_model_is_refused(app: Flask, world: World, criteria: dict[str, Any], field: str) -> None:
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            save_model(ctx("lead1"), None, {"name": "x", "criteria": criteria})
        assert field in refused.value.fields
        with pytest.raises(Forbidden):
            save_model(ctx("mgr1"), None, model_body())
        with pytest.raises(Forbidden):
            save_model(ctx("lead2"), None, model_body()) and run_model(ctx("lead2"), save_model(ctx("lead1"), None,
                                                                                              model_body()))
        model = save_model(ctx("lead1"), None, model_body())
        with pytest.raises(Forbidden):
            run_model(ctx("lead2"), model)
        with pytest.raises(Invalid):
            run_model(ctx("lead1"), model, "mgr7")  # someone of another sub-branch


def test_merchant_models_without_a_cross_sold_service_and_unowned_targets(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert mgr1.api("PUT", f"/api/v1/visits/{new_id()}",
                    json=visit_body(world.merchants["a1_owned"], lead="mgr1")).status_code == 201  # sells a credit card
    with app.app_context():
        model = save_model(ctx("lead1"), None, {"name": "未办信用卡", "criteria": {
            "population": "merchants", "statuses": ["borrower", "prospect"], "without_product": "credit_card"}})
        run = run_model(ctx("lead1"), model, "mgr3")
        db.session.commit()
        found = {t.merchant_id: t.assignee.username for t in db.session.scalars(
            sa.select(ScreeningTarget).where(ScreeningTarget.run_id == run.id))}
        assert found == {world.merchants["a1_other"]: "mgr2", world.merchants["a1_unlocated"]: "mgr3"}


def test_fading_customers_per_manager_in_today_and_the_inbox(app: Flask, world: World, login: Any) -> None:
    old = datetime.now(UTC) - timedelta(days=200)
    with app.test_request_context():
        silent = add_merchant(world.sub_branches["A1"], "沉睡客户", owner="mgr1", code="F-1", status="customer")
        visited = add_merchant(world.sub_branches["A1"], "常联系客户", owner="mgr1", code="F-2", status="borrower")
        other = add_merchant(world.sub_branches["A1"], "别人的客户", owner="mgr2", code="F-3", status="customer")
        prospect = add_merchant(world.sub_branches["A1"], "潜在客户", owner="mgr1", code="F-4", status="prospect")
        for merchant in (silent, visited, other, prospect):
            merchant.created_at = old
        db.session.commit()
        ids = {m.name: m.id for m in db.session.scalars(sa.select(Merchant).where(Merchant.code.like("F-%")))}
    mgr1 = login("mgr1")
    body = visit_body(ids["常联系客户"], lead="mgr1")
    assert mgr1.api("PUT", f"/api/v1/visits/{new_id()}", json=body).status_code == 201
    with app.test_request_context():
        mine = [f.merchant.name for f in fading_customers(user_by_name("mgr1"), datetime.now(UTC))]
        # The world's own borrower of mgr1 was created just now: not fading yet.
        assert mine == ["沉睡客户"]
        team = {f.merchant.name for f in fading_customers(user_by_name("lead1"), datetime.now(UTC), "team")}
        assert team == {"沉睡客户", "别人的客户"}
        items = [i for i in inbox_items(user_by_name("mgr1"), datetime.now(UTC)) if i.kind == "fading_customer"]
        assert [i.key for i in items] == [str(ids["沉睡客户"])]
        assert fading_customers(user_by_name("mgr1"), datetime.now(UTC), days=300) == []
    today = mgr1.get("/today/").get_data(as_text=True)
    assert "沉睡客户" in today and "data-fading-customers" in today
    page = login("lead1").get("/relations/fading").get_data(as_text=True)
    assert "沉睡客户" in page and "别人的客户" in page


def test_the_timeline_lists_every_kind_the_reader_may_see(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    merchant_id = world.merchants["a1_owned"]
    assert mgr1.api("PUT", f"/api/v1/visits/{new_id()}", json=visit_body(merchant_id, lead="mgr1")).status_code == 201
    with app.app_context():
        run_import([loan_row("T1", merchant="A1-001", manager="mgr1")], as_of=bank_today())
    page = mgr1.get(f"/relations/merchants/{merchant_id}").get_data(as_text=True)
    assert 'data-entry-kind="deal"' in page and 'data-entry-kind="loan"' in page and "T1" in page
    # mgr2 may open the merchant (same sub-branch) but neither mgr1's visit nor mgr1's loan; their lead sees both.
    other = login("mgr2").get(f"/relations/merchants/{merchant_id}").get_data(as_text=True)
    assert 'data-entry-kind="deal"' not in other and "T1" not in other
    lead = login("lead1").get(f"/relations/merchants/{merchant_id}").get_data(as_text=True)
    assert 'data-entry-kind="deal"' in lead and "T1" in lead
    assert login("mgr7").get(f"/relations/merchants/{merchant_id}").status_code == 404


def test_a_model_runs_from_the_command_line(app: Flask, world: World) -> None:
    with app.app_context():
        _book(world)
        model_id = save_model(ctx("lead1"), None, model_body()).id
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["screening-run", str(model_id), "--by", "lead1"])
    assert result.exit_code == 0, result.output
    assert "targets=3" in result.output
    refused = runner.invoke(args=["screening-run", str(model_id), "--by", "mgr1"])
    assert refused.exit_code != 0 and "团队长" in refused.output  # the default locale is Chinese
