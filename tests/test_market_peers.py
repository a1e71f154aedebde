"""Peer records, the product catalogue and the peer summary: the write paths, refusals, changes over time and the
Excel file."""
from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.channel_helpers import ctx
from tests.factories import World
from tests.market_helpers import peer_body, product_body
from tests.visit_helpers import new_id
from webapp.bank_time import bank_today
from webapp.errors import Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.market.catalogue import save_product
from webapp.market.peer_summary import peer_summary
from webapp.market.peers import put_peer_record
from webapp.models import OurProduct, OurProductVersion, PeerRecord


def _days_ago(n: int) -> str:
    return (bank_today() - timedelta(days=n)).isoformat()


@pytest.mark.parametrize(("change", "field"), [
    ({"bank": ""}, "bank"), ({"product": ""}, "product"), ({"category": "mortgage"}, "category"),
    ({"rate": "abc"}, "rate"), ({"rate": "101"}, "rate"), ({"rate": "3.855"}, "rate"), ({"max_amount": "-1"}, "max_amount"),
    ({"max_term_months": "0"}, "max_term_months"), ({"source": ""}, "source"), ({"observed_on": "2026-02-30"}, "observed_on"),
    ({"observed_on": (bank_today() + timedelta(days=2)).isoformat()}, "observed_on"), ({"district": ""}, "district"),
    ({"rate": "", "max_amount": "", "entry_threshold": ""}, "rate"), ({"merchant_id": "99999"}, "merchant_id"),
    ({"repayment_method": "whenever"}, "repayment_method"), ({"strengths": "x" * 501}, "strengths"),
])
def test_a_bad_peer_record_is_refused(app: Flask, world: World, change: dict[str, Any], field: str) -> None:
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            put_peer_record(ctx("mgr1"), new_id(), peer_body(**change))
        assert field in refused.value.fields
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerRecord)) == 0


def test_a_peer_record_is_kept_once_and_never_rewritten(app: Flask, world: World) -> None:
    record_id = new_id()
    with app.app_context():
        assert put_peer_record(ctx("mgr1"), record_id, peer_body()).status == "created"
        assert put_peer_record(ctx("mgr1"), record_id, peer_body()).status == "unchanged"
        with pytest.raises(Conflict):
            put_peer_record(ctx("mgr1"), record_id, peer_body(rate="4.10"))
        with pytest.raises(Conflict):
            put_peer_record(ctx("mgr2"), record_id, peer_body())
        with pytest.raises(Forbidden):
            put_peer_record(ctx("reviewer1"), new_id(), peer_body())
        # During a visit: the merchant's district is the record's when none is typed.
        record = put_peer_record(ctx("mgr1"), new_id(), peer_body(district="", merchant_id=str(world.merchants["a1_other"])))
        assert record.record.district == "湖墅南路沿线"


def test_the_summary_shows_the_latest_terms_beside_ours_and_how_they_changed(app: Flask, world: World) -> None:
    with app.app_context():
        save_product(ctx("admin"), None, product_body())
        put_peer_record(ctx("mgr1"), new_id(), peer_body(rate="4.35", observed_on=_days_ago(60)))
        put_peer_record(ctx("mgr2"), new_id(), peer_body(rate="3.95", observed_on=_days_ago(20), bank=" 工商银行 "))
        put_peer_record(ctx("mgr1"), new_id(), peer_body(rate="", max_amount="500000", observed_on=_days_ago(5)))
        put_peer_record(ctx("mgr1"), new_id(), peer_body(bank="建设银行", product="云税贷", rate="3.60",
                                                         observed_on=_days_ago(10)))
        put_peer_record(ctx("mgr1"), new_id(), peer_body(district="湖墅南路沿线", rate="4.00"))
        put_peer_record(ctx("mgr7"), new_id(), peer_body(bank="农商银行", rate="5.00"))  # another sub-branch
        db.session.commit()
        from tests.factories import user_by_name

        cells = peer_summary(user_by_name("mgr1"))
        assert [(c.district, c.category) for c in cells] == [("武林商圈", "credit"), ("湖墅南路沿线", "credit")] or \
            [(c.district, c.category) for c in cells] == [("湖墅南路沿线", "credit"), ("武林商圈", "credit")]
        wulin = next(c for c in cells if c.district == "武林商圈")
        assert [p.name for p in wulin.ours] == ["小微快贷"]
        assert [(line.bank, line.product) for line in wulin.peers] == [("建设银行", "云税贷"), ("工商银行", "经营快贷")]
        icbc = wulin.peers[1]
        # The latest observation has no rate; its history says 4.35 -> 3.95 (-0.40) before it.
        assert icbc.latest.max_amount_cents == 50_000_000 and icbc.latest.rate_bp is None
        assert [(o.record.rate_bp, o.rate_change_bp) for o in icbc.history] == [(None, None), (395, -40), (435, None)]
        assert all(line.bank != "农商银行" for c in cells for line in c.peers)
        branch = peer_summary(user_by_name("reviewer1"))
        assert any(line.bank == "农商银行" for c in branch for line in c.peers)


def test_the_catalogue_keeps_every_change_and_only_an_admin_changes_it(app: Flask, world: World, login: Any) -> None:
    admin = login("admin")
    assert admin.post("/market/products/new", {**product_body(), "rate": "x"}, headers={"HX-Request": "true"}).status_code == 422
    assert admin.post("/market/products/new", product_body()).status_code == 303
    with app.app_context():
        product_id = db.session.scalar(sa.select(OurProduct.id))
    assert admin.post(f"/market/products/{product_id}", product_body(rate="3.65")).status_code == 303
    assert admin.post(f"/market/products/{product_id}", product_body(rate="3.65")).status_code == 303  # no change
    assert login("lead1").post("/market/products/new", product_body()).status_code == 403
    with app.app_context():
        rates = list(db.session.scalars(sa.select(OurProductVersion.rate_bp).order_by(OurProductVersion.id)))
        assert rates == [385, 365]
    page = login("mgr1").get("/market/products/").get_data(as_text=True)
    assert "3.65%" in page and "3.85%" in page


def test_peer_pages_and_the_excel_summary(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert 'data-capture-kind="peer"' in mgr1.get(f"/market/peers/new?merchant={world.merchants['a1_owned']}").get_data(as_text=True)
    refused = mgr1.post("/market/peers", {**peer_body(rate="x"), "record_id": new_id()}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and 'data-error-for="rate"' in refused.get_data(as_text=True)
    assert mgr1.post("/market/peers", {**peer_body(), "record_id": "bad"}).status_code == 400
    assert mgr1.post("/market/peers", {**peer_body(rate="4.35", observed_on=_days_ago(30)), "record_id": new_id()}).status_code == 303
    assert mgr1.post("/market/peers", {**peer_body(rate="3.95"), "record_id": new_id()}).status_code == 303
    with app.app_context():
        save_product(ctx("admin"), None, product_body())
        db.session.commit()
    summary = mgr1.get("/market/peers/summary").get_data(as_text=True)
    assert "-0.40" in summary and "小微快贷" in summary
    reviewer = login("reviewer1")
    assert reviewer.post("/language", {"lang": "en", "next": "/market/peers/"}).status_code == 303
    response = reviewer.get("/market/peers/summary.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    latest, history, versions = book.worksheets
    latest_rows = [[c.value for c in row] for row in latest.iter_rows()][1:]
    assert latest_rows[0][:5] == ["武林商圈", "Credit loan", "Our bank", "小微快贷", 3.85] or latest_rows[0][3] == "小微快贷"
    peer_row = next(row for row in latest_rows if row[2] == "工商银行")
    assert peer_row[4] == 3.95 and peer_row[5] == -0.4
    assert len(list(history.iter_rows())) == 3  # header and both observations
    assert len(list(versions.iter_rows())) == 2
