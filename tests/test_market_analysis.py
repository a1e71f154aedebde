"""Market analysis: the district by industry table, the funding seasonality of each industry (loans disbursed and
survey answers), and the penetration map's markers."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask

from tests.channel_helpers import ctx
from tests.factories import World, add_merchant, user_by_name
from tests.loan_helpers import loan_row, run_import
from tests.market_helpers import survey_body
from tests.visit_helpers import new_id, visit_body
from webapp.extensions import db
from webapp.market.analysis import district_industry_table, funding_seasonality, penetration_markers
from webapp.market.surveys import open_round, put_survey_response, save_survey
from webapp.metrics.store import definitions_for


def test_the_table_the_seasons_and_the_map(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        tea = add_merchant(world.sub_branches["A1"], "龙井茶庄", owner="mgr1", code="T-1", status="customer",
                           district="湖墅南路沿线", lat=30.29, lon=120.15)
        tea.industry = "茶叶"
        db.session.commit()
        tea_id = tea.id
        run_import([loan_row("S1", merchant="A1-001", manager="mgr1", disbursed="2026-03-10", matures="2027-03-10"),
                    loan_row("S2", merchant="T-1", borrower="龙井茶庄", manager="mgr1", disbursed="2026-03-20",
                             matures="2027-03-20")], as_of=date(2026, 4, 1))
        survey = save_survey(ctx("lead1"), None, survey_body())
        open_round(ctx("lead1"), survey)
        months = next(str(q.id) for q in survey.questions if q.kind == "months")
        need = next(str(q.id) for q in survey.questions if q.text == "目前是否有融资需求")
        put_survey_response(ctx("mgr1"), new_id(), {
            "survey_id": survey.id, "round": 1, "merchant_id": tea_id, "answered_at": datetime.now(UTC).isoformat(),
            "answers": {need: "有", months: [3, 4]}})
        db.session.commit()
    assert login("mgr1").api("PUT", f"/api/v1/visits/{new_id()}",
                             json=visit_body(tea_id, lead="mgr1")).status_code == 201
    with app.test_request_context():
        mgr1 = user_by_name("mgr1")
        definitions = definitions_for(world.branch_id)
        table = district_industry_table(mgr1, definitions, datetime.now(UTC))
        cell = table.cells[("湖墅南路沿线", "茶叶")]
        assert (cell.merchants, cell.customers, cell.visits, cell.loans) == (1, 1, 1, 1)
        assert cell.penetration == 100.0 and cell.balance_cents == 18_000_000
        wulin = table.cells[("武林商圈", "餐饮")]
        assert (wulin.merchants, wulin.customers, wulin.loans) == (2, 1, 1)  # the borrower and the prospect
        assert table.total.merchants == 4 and table.total.loans == 2
        # mgr2 sees the merchants and visits of the sub-branch, but not mgr1's loans.
        other = district_industry_table(user_by_name("mgr2"), definitions, datetime.now(UTC))
        assert other.total.loans == 0 and other.total.merchants == 4
        seasons = {s.industry: s for s in funding_seasonality(mgr1)}
        assert seasons["茶叶"].disbursed[2] == 1 and seasons["茶叶"].surveyed[2:4] == [1, 1]
        assert seasons["茶叶"].peak_months == [3]
        markers = {m["name"]: m["state"] for m in penetration_markers(mgr1, definitions)}
        assert markers == {"武林商圈 · 50.0%": "pen-2", "湖墅南路沿线 · 50.0%": "pen-2"}
    page = login("lead1").get("/market/analysis").get_data(as_text=True)
    assert 'data-district="湖墅南路沿线"' in page and "data-peak" in page
    found = re.search(r'id="penetration-markers" hidden data-markers="([^"]*)"', page)
    assert found is not None
    assert len(json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"'))) == 2
