"""Doing checks: an on-site check through the visit write path (linked to its loan and check, backward
compatible for queued phones), an off-site check from a desk, a lead's waiver, and the post-loan report PDF."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from tests.factories import WULIN, World
from tests.loan_helpers import book_loan, checks_of
from tests.visit_helpers import jpeg_bytes, new_id, now_iso, photo_form, visit_body
from webapp.extensions import db
from webapp.models import OffsiteCheck, RiskWarning, ScheduledCheck, Visit, VisitVersion


def post_loan_body(loan_id: int, check_id: int | None = None, **block: Any) -> dict[str, Any]:
    body = visit_body(0, lead="mgr1", lat=WULIN[0], lon=WULIN[1], kind="post_loan")
    body["post_loan"] = {"loan_id": loan_id, "check_id": check_id, **block}
    return body


@pytest.fixture
def loan(app: Flask, world: World) -> dict[str, int]:
    with app.app_context():
        loan_id = book_loan()
        checks = checks_of("JJ0001")
        return {"loan": loan_id, "first": checks["first"].id, "offsite": checks["offsite:m1:1"].id,
                "funds": checks["funds"].id, "merchant": world.merchants["a1_owned"]}


def state(app: Flask, check_id: int) -> tuple[str, str | None]:
    with app.app_context():
        check = db.session.get(ScheduledCheck, check_id)
        assert check is not None
        return check.status, check.visit_id


def test_a_post_loan_visit_fulfils_its_check_and_a_replay_changes_nothing(app: Flask, loan: dict[str, int],
                                                                         login: Any) -> None:
    mgr1 = login("mgr1")
    visit_id = new_id()
    body = post_loan_body(loan["loan"], loan["first"], inventory_vs_last="same",
                          residence={"visited": True, "still_lives_there": True, "note": "住店后二楼"},
                          related_persons=[{"relation": "spouse", "name": "李娟", "contact": "met", "said": "生意平稳"}],
                          use_of_funds={"spent_on": "进货：面粉和调料", "matches_purpose": True, "note": "看了发票"})
    body["merchant_id"] = loan["merchant"]
    first = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert first.status_code == 201, first.get_json()
    assert state(app, loan["first"]) == ("done", visit_id)
    assert state(app, loan["funds"]) == ("done", visit_id)  # the use of funds was recorded too
    replay = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert replay.status_code == 200
    with app.app_context():
        stored = db.session.scalar(sa.select(VisitVersion.body).where(VisitVersion.visit_id == visit_id))
        assert stored is not None and stored["post_loan"]["related_persons"][0]["said"] == "生意平稳"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskWarning)) == 0


def test_an_old_body_without_the_post_loan_part_is_still_valid_and_keeps_its_hash(app: Flask, loan: dict[str, int],
                                                                                 login: Any) -> None:
    from webapp.visits.payload import parse_visit_body
    from webapp.write_kernel import canonical_hash

    body = visit_body(loan["merchant"], lat=WULIN[0], lon=WULIN[1], kind="post_loan")
    with app.test_request_context():
        clean = parse_visit_body(body, now=None)
    assert "post_loan" not in clean
    expected = canonical_hash(clean)
    visit_id = new_id()
    assert login("mgr1").api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit is not None and visit.body_hash == expected
    assert state(app, loan["first"]) == ("open", None)


@pytest.mark.parametrize("change, field", [
    ({"loan_id": 999999}, "post_loan.loan_id"),
    ({"check_id": "offsite"}, "post_loan.check_id"),
    ({"related_persons": [{"relation": "spouse", "contact": "met"}]}, "post_loan.related_persons.0.said"),
    ({"related_persons": [{"relation": "uncle", "contact": "met", "said": "x"}]},
     "post_loan.related_persons.0.relation"),
    ({"residence": {"visited": True, "still_lives_there": False}}, "post_loan.residence.note"),
    ({"use_of_funds": {"spent_on": "", "matches_purpose": True}}, "post_loan.use_of_funds.spent_on"),
    ({"inventory_vs_last": "gone"}, "post_loan.inventory_vs_last"),
])
def test_a_bad_post_loan_part_is_refused_and_nothing_is_stored(app: Flask, loan: dict[str, int], login: Any,
                                                              change: dict[str, Any], field: str) -> None:
    body = post_loan_body(loan["loan"], loan["first"])
    body["merchant_id"] = loan["merchant"]
    if change.get("check_id") == "offsite":
        change = {"check_id": loan["offsite"]}
    body["post_loan"].update(change)
    visit_id = new_id()
    response = login("mgr1").api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert response.status_code == 422 and field in response.get_json()["fields"], response.get_json()
    with app.app_context():
        assert db.session.get(Visit, visit_id) is None
    assert state(app, loan["first"]) == ("open", None)


def test_only_a_post_loan_visit_carries_the_post_loan_part(app: Flask, loan: dict[str, int], login: Any) -> None:
    body = visit_body(loan["merchant"], lat=WULIN[0], lon=WULIN[1])
    body["post_loan"] = {"loan_id": loan["loan"]}
    response = login("mgr1").api("PUT", f"/api/v1/visits/{new_id()}", json=body)
    assert response.status_code == 422 and "post_loan" in response.get_json()["fields"]


def test_another_managers_loan_cannot_be_linked(app: Flask, loan: dict[str, int], login: Any) -> None:
    body = post_loan_body(loan["loan"], loan["first"])
    body["merchant_id"] = loan["merchant"]
    body["squad"]["lead"] = "mgr2"
    response = login("mgr2").api("PUT", f"/api/v1/visits/{new_id()}", json=body)
    assert response.status_code == 422 and "post_loan.loan_id" in response.get_json()["fields"]


def test_the_visit_form_offers_the_loan_its_checks_and_the_last_inventory_photos(app: Flask, loan: dict[str, int],
                                                                               login: Any) -> None:
    mgr1 = login("mgr1")
    earlier = new_id()
    body = post_loan_body(loan["loan"], loan["first"])
    body["merchant_id"] = loan["merchant"]
    assert mgr1.api("PUT", f"/api/v1/visits/{earlier}", json=body).status_code == 201
    photo = mgr1.api("PUT", f"/api/v1/visits/{earlier}/photos/{new_id()}",
                     data=photo_form(jpeg_bytes(5), category="inventory"), content_type="multipart/form-data")
    assert photo.status_code == 201
    html = mgr1.get(f"/merchants/{loan['merchant']}/visits/new?kind=post_loan&check={loan['funds']}").get_data(
        as_text=True)
    assert f'<option value="{loan["funds"]}" data-loan="{loan["loan"]}" selected>' in html
    assert f'<option value="{loan["loan"]}" selected>' in html
    with app.test_request_context():
        script = url_for("static", filename="js/postloan-visit.js")  # its content-hashed name
    assert 'id="previous-inventory"' in html and f'<script src="{script}" data-xw="postLoanVisit"' in html
    # The server-rendered form (no script) posts the same post-loan part.
    form = {"merchant_id": str(loan["merchant"]), "kind": "post_loan", "squad_lead": "mgr1",
            "started_at": now_iso(-60), "effective": "no", "checklist_operating_state": "normal",
            "checklist_inventory_level": "normal", "checklist_fixed_assets": "unchanged", "checklist_abnormal": "no",
            "post_loan_loan_id": str(loan["loan"]), "post_loan_check_id": str(loan["funds"]),
            "post_loan_use_of_funds_spent_on": "买了和面机", "post_loan_use_of_funds_matches_purpose": "yes"}
    response = mgr1.post(f"/visits/{new_id()}", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert state(app, loan["funds"])[0] == "done"


def offsite_form(**extra: str) -> dict[str, str]:
    return {"record_id": new_id(), "repayment": "on_time", "interviews_0_person": "borrower",
            "interviews_0_reached": "yes", "interviews_0_summary": "生意正常，按时还款", **extra}


def test_an_off_site_check_is_recorded_from_a_desk(app: Flask, loan: dict[str, int], login: Any) -> None:
    mgr1 = login("mgr1")
    url = f"/postloan/checks/{loan['offsite']}/offsite"
    assert mgr1.get(url).status_code == 200
    bad = mgr1.post(url, data={"record_id": new_id(), "repayment": "on_time"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "至少记录一次电话访谈" in bad.get_data(as_text=True)
    link = mgr1.post(url, data=offsite_form(web_findings_0_subject="company", web_findings_0_note="x",
                                            web_findings_0_link="javascript:alert(1)"))
    assert link.status_code == 422
    form = offsite_form(interviews_1_person="spouse", interviews_1_reached="no",
                        web_findings_0_subject="company", web_findings_0_adverse="yes",
                        web_findings_0_note="裁判文书网有一起买卖合同纠纷", web_findings_0_link="https://wenshu.court.gov.cn/x")
    saved = mgr1.post(url, data=form)
    assert saved.status_code == 303
    again = mgr1.post(url, data=form)  # a double submit finds the record it made
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OffsiteCheck)) == 1
        rules = sorted(db.session.scalars(sa.select(RiskWarning.rule)))
        assert rules == ["adverse_web_finding", "person_unreachable"]
    assert state(app, loan["offsite"])[0] == "done"
    # An on-site check is not recorded off site.
    refused = mgr1.post(f"/postloan/checks/{loan['first']}/offsite", data=offsite_form())
    assert refused.status_code == 422
    assert login("mgr2").post(url, data=offsite_form()).status_code == 404


def test_a_lead_waives_a_check_with_a_reason(app: Flask, loan: dict[str, int], login: Any) -> None:
    url = f"/postloan/checks/{loan['first']}/waive"
    lead = login("lead1")
    assert lead.post(url, data={"reason": " "}).status_code == 422
    assert login("mgr1").post(url, data={"reason": "x"}).status_code == 403
    assert lead.post(url, data={"reason": "借款人已提前还款申请中"}).status_code == 303
    assert state(app, loan["first"])[0] == "waived"
    assert lead.post(url, data={"reason": "again"}).status_code == 422
    # A post-loan visit cannot fulfil a waived check.
    body = post_loan_body(loan["loan"], loan["first"])
    body["merchant_id"] = loan["merchant"]
    assert login("mgr1").api("PUT", f"/api/v1/visits/{new_id()}", json=body).status_code == 422


def test_the_report_pdf_holds_the_check_its_photos_and_the_conclusion(app: Flask, loan: dict[str, int],
                                                                     login: Any) -> None:
    if not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists():
        pytest.skip("fonts-wqy-microhei is not installed (make fonts)")
    from pypdf import PdfReader

    mgr1 = login("mgr1")
    visit_id = new_id()
    body = post_loan_body(loan["loan"], loan["first"], inventory_vs_last="much_lower",
                          related_persons=[{"relation": "spouse", "name": "李娟", "contact": "called",
                                            "said": "店里最近生意差"}])
    body["merchant_id"] = loan["merchant"]
    body["outcome"]["checklist"].update({"operating_state": "reduced", "inventory_level": "low"})
    assert mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    for seed, category in ((21, "inventory"), (22, "premises")):
        response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}/photos/{new_id()}",
                            data=photo_form(jpeg_bytes(seed), category=category), content_type="multipart/form-data")
        assert response.status_code == 201
    page = mgr1.get(f"/postloan/checks/{loan['first']}").get_data(as_text=True)
    assert 'id="onsite-record"' in page and "店里最近生意差" in page and "大幅减少" in page
    url = f"/postloan/checks/{loan['first']}/report"
    assert mgr1.post(url, data={"conclusion": "", "classification": "bad"}).status_code == 422
    assert mgr1.post(url, data={"conclusion": "库存明显下降，经营收缩，建议列入关注并加强检查。",
                                "classification": "special_mention"}).status_code == 303
    response = mgr1.get(f"{url}.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    data = response.get_data()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for expected in ("贷后检查报告", "老王面馆", "JJ0001", "首次现场检查", "经营收缩", "店里最近生意差", "关注",
                     "库存明显下降，经营收缩", "库存远低于上次检查"):
        assert expected in text, expected
    import re

    assert len(re.findall(rb"/Subtype\s*/Image", data)) == 2
    assert login("mgr2").get(f"{url}.pdf").status_code == 404
    assert login("reviewer1").get(f"{url}.pdf").status_code == 200
    assert login("reviewer1").post(url, data={"conclusion": "x", "classification": "loss"}).status_code == 403


def test_the_due_list_shows_due_and_overdue_checks_first(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        book_loan(disbursed_days_ago=20)  # first check overdue (due 5 days ago)
        book_loan("JJ0002", merchant="A1-002", disbursed_days_ago=3)
    html = login("mgr1").get("/postloan/due").get_data(as_text=True)
    assert html.index("state-overdue") < html.index("state-due")
    now = datetime.now(UTC)
    with app.app_context():
        from tests.factories import user_by_name
        from webapp.postloan.inbox import postloan_checks

        with app.test_request_context():
            items = list(postloan_checks(user_by_name("mgr1"), now))
        assert [i.urgency for i in items][:1] == ["overdue"] and all(i.kind == "postloan_check" for i in items)
        assert not list(postloan_checks(user_by_name("mgr2"), now - timedelta(days=0)))
