"""Incentive rules (points, thresholds, team bonuses), a scheme's way from a sub-branch's draft to the branch's
decision, live standings, and monthly honours kept once awarded."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import World, user_by_name
from tests.metrics_helpers import at, body, write
from tests.visit_helpers import new_id
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.honours import leaders
from webapp.meetings.incentives import parse_rules, score
from webapp.metrics.definitions import Definitions, Totals, month_start, next_month
from webapp.models import Honour, IncentiveScheme
from webapp.write_kernel import FieldErrors


def totals(consultations: int = 0, applications: int = 0, **products: int) -> Totals:
    by_product = dict.fromkeys(Definitions().deal_products, 0) | products
    return Totals(consultations=consultations, applications=applications, deals=sum(by_product.values()),
                  by_product=by_product)


def test_points_thresholds_and_team_bonuses() -> None:
    rules = [{"type": "points", "metric": "consultations", "points": 1},
             {"type": "points", "metric": "deals.credit_card", "points": 2.5},
             {"type": "threshold", "metric": "applications", "at_least": 3, "bonus": 10},
             {"type": "team_bonus", "metric": "deals", "at_least": 4, "bonus": 5}]
    people = {1: totals(10, 3, credit_card=2), 2: totals(4, 2, loan=1), 3: totals(7, 5, credit_card=1),
              4: totals(0, 0)}
    teams = {1: 100, 2: 100, 3: 200, 4: 200}
    standings = {s.user_id: s for s in score(rules, people, teams)}
    # Team 100 sold 3 deals (no bonus); team 200 sold 1 (none either).
    assert standings[1].points == 10 + 5 + 10
    assert standings[2].points == 4
    assert standings[3].points == 7 + 2.5 + 10
    assert standings[4].points == 0 and standings[4].breakdown == []
    assert standings[1].breakdown == [(1, 10.0), (2, 5.0), (3, 10.0)]
    teams_more = {1: 100, 2: 100, 3: 100, 4: 200}  # now team 100 sold 4 deals: each member gets the bonus
    again = {s.user_id: s for s in score(rules, people, teams_more)}
    assert again[1].points == 30 and again[2].points == 9 and again[4].points == 0
    order = [s.user_id for s in score(rules, {5: totals(1), 6: totals(1)}, {})]
    assert order == [5, 6]  # ties keep a stable order


@pytest.mark.parametrize("row, field", [
    ({"type": "jackpot", "metric": "deals"}, "rules.0.type"),
    ({"type": "points", "metric": "smiles", "points": "1"}, "rules.0.metric"),
    ({"type": "points", "metric": "deals", "points": "-1"}, "rules.0.points"),
    ({"type": "points", "metric": "deals", "points": "nan"}, "rules.0.points"),
    ({"type": "threshold", "metric": "deals", "at_least": "0", "bonus": "5"}, "rules.0.at_least"),
    ({"type": "threshold", "metric": "deals", "at_least": "2.5", "bonus": "5"}, "rules.0.at_least"),
    ({"type": "team_bonus", "metric": "deals", "at_least": "3", "bonus": "x"}, "rules.0.bonus"),
    ({}, "rules"),
])
def test_bad_rules_are_refused(app: Flask, row: dict[str, str], field: str) -> None:
    with app.test_request_context():
        errors = FieldErrors()
        parse_rules([row], errors)
        assert field in errors.items


def _scheme_form(**extra: str) -> dict[str, str]:
    first = month_start(bank_today())
    return {"name": "开门红", "period_start": first.isoformat(),
            "period_end": (next_month(first) - timedelta(days=1)).isoformat(),
            "scope": "team", "rule-0-type": "points", "rule-0-metric": "consultations", "rule-0-points": "2",
            "rule-1-type": "threshold", "rule-1-metric": "deals", "rule-1-at_least": "1", "rule-1-bonus": "10", **extra}


def test_a_sub_branch_proposes_and_the_branch_decides(app: Flask, world: World, login: Any) -> None:
    lead = login("lead1")
    response = lead.post("/meetings/incentives/new", _scheme_form())
    assert response.status_code == 303
    scheme_id = int(re.search(r"/incentives/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]
    url = f"/meetings/incentives/{scheme_id}"
    # A draft is the lead's: managers do not see it, the branch does, nobody else's branch does.
    assert login("mgr1").get(url).status_code == 404
    assert login("reviewer1").get(url).status_code == 200
    assert login("reviewerb").get(url).status_code == 404
    assert login("lead2").get(url).status_code == 404
    # The branch cannot decide a draft; the lead proposes; a rejection needs a note.
    assert login("reviewer1").post(f"{url}/decide", {"decision": "approve"}).status_code == 409
    assert lead.post(f"{url}/propose").status_code == 303
    assert lead.post(f"{url}/propose").status_code == 409
    assert lead.post(f"{url}/decide", {"decision": "approve"}).status_code == 403
    reviewer = login("reviewer1")
    assert reviewer.post(f"{url}/decide", {"decision": "reject", "note": ""}).status_code == 422
    assert reviewer.post(f"{url}/decide", {"decision": "maybe"}).status_code == 400
    assert reviewer.post(f"{url}/decide", {"decision": "reject", "note": "积分过高"}).status_code == 303
    # Rejected: the lead changes it and proposes again; the branch approves.
    assert lead.get(f"{url}/edit").status_code == 200
    assert lead.post(f"{url}/edit", _scheme_form(**{"rule-0-points": "1"})).status_code == 303
    assert lead.post(f"{url}/propose").status_code == 303
    assert reviewer.post(f"{url}/decide", {"decision": "approve"}).status_code == 303
    assert lead.get(f"{url}/edit").status_code == 409
    assert lead.post(f"{url}/edit", _scheme_form()).status_code == 409
    with app.app_context():
        scheme = db.session.get(IncentiveScheme, scheme_id)
        assert scheme is not None and scheme.state == "approved" and scheme.rules[0]["points"] == 1
    # Approved: the team's managers see it with its standings.
    assert login("mgr1").get(url).status_code == 200


def test_bad_schemes_are_refused(world: World, login: Any) -> None:
    lead = login("lead1")
    assert lead.post("/meetings/incentives/new", _scheme_form(name="")).status_code == 422
    assert lead.post("/meetings/incentives/new", _scheme_form(scope="branch")).status_code == 422
    assert lead.post("/meetings/incentives/new", _scheme_form(period_end="2000-01-01")).status_code == 422
    no_rules = {**_scheme_form(), "rule-0-type": "", "rule-1-type": ""}
    assert lead.post("/meetings/incentives/new", no_rules).status_code == 422
    assert login("mgr1").post("/meetings/incentives/new", _scheme_form()).status_code == 403
    reviewer = login("reviewer1")
    assert reviewer.post("/meetings/incentives/new", _scheme_form(scope="sub_branch",
                                                                  sub_branch_id=str(world.sub_branches["B1"]))
                         ).status_code == 422


def test_standings_are_live_on_the_scheme_and_the_boards(app: Flask, world: World, login: Any) -> None:
    reviewer = login("reviewer1")
    response = reviewer.post("/meetings/incentives/new", _scheme_form(scope="branch"))
    assert response.status_code == 303
    today = bank_today()
    with app.app_context():
        for username, deals in (("mgr1", ("credit_card",)), ("mgr2", ())):
            write(username, new_id(), body(world.merchants["a1_owned"], at(today, 0, 5), lead=username, deals=deals),
                  now=at(today, 0, 30))
        db.session.commit()
        mgr1, mgr2 = user_by_name("mgr1").id, user_by_name("mgr2").id
    page = login("mgr1").get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"王芳</td><td>12</td>", page), "2 points per consultation and a 10-point bonus for a deal"
    assert re.search(r"张伟</td><td>2</td>", page)
    board = login("lead1").get(f"/meetings/teams/{world.teams['T1']}/evening").get_data(as_text=True)
    assert "开门红" in board and "王芳 · <strong>12</strong>" in board
    assert mgr1 != mgr2


def test_monthly_honours_are_awarded_once_the_month_is_over(app: Flask, world: World, login: Any) -> None:
    today = bank_today()
    last_month = month_start(month_start(today) - timedelta(days=1))
    day = last_month + timedelta(days=9)
    with app.app_context():
        for n in range(3):
            write("mgr2", new_id(), body(world.merchants["a1_owned"], at(day, 9 + n), lead="mgr2",
                                         application=10_000 if n == 0 else None, deals=("bill_payment",)),
                  now=at(today, 1))
        write("mgr1", new_id(), body(world.merchants["a1_owned"], at(day, 15), lead="mgr1", application=5_000,
                                     deals=("loan",)), now=at(today, 1))
        db.session.commit()
        found = leaders(world.sub_branches["A1"], last_month, Definitions(honour_min_consultations=1))
        assert found["most_consultations"].person.username == "mgr2"
        assert found["most_cross_sold"].person.username == "mgr2"  # a loan is not a cross-sold service
        assert found["best_conversion"].person.username == "mgr1"  # 1 application of 1 consultation
        assert "best_conversion" not in leaders(world.sub_branches["A1"], last_month, Definitions())
    month = last_month.strftime("%Y-%m")
    url = f"/meetings/incentives/honours/{world.sub_branches['A1']}/{month}"
    assert login("mgr1").post(url).status_code == 403
    assert login("lead2").post(url).status_code == 404
    this_month = f"/meetings/incentives/honours/{world.sub_branches['A1']}/{today.strftime('%Y-%m')}"
    assert login("lead1").post(this_month).status_code == 409
    assert login("lead1").post(url).status_code == 303
    assert login("reviewer1").post(url).status_code == 303  # again: nothing changes
    with app.app_context():
        kept = {h.category: h.user_id for h in db.session.scalars(sa.select(Honour))}
        assert kept == {"most_consultations": user_by_name("mgr2").id, "most_cross_sold": user_by_name("mgr2").id}
    page = login("mgr1").get(f"/meetings/incentives/?month={month}").get_data(as_text=True)
    assert "张伟" in page
