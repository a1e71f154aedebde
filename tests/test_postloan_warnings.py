"""Risk warnings: each rule that raises one, the pre-loan photo reused in a post-loan check, what a high warning
sets off (a trigger check, the lead's inbox), raising one by hand and working it to its resolution."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import WULIN, World, user_by_name
from tests.loan_helpers import book_loan, checks_of
from tests.visit_helpers import jpeg_bytes, new_id, photo_form, visit_body
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import RiskWarning, ScheduledCheck, VisitFlag
from webapp.postloan.auto_warnings import arrears_finding, offsite_findings, visit_findings

NORMAL = {"operating_state": "normal", "inventory_level": "normal", "fixed_assets": "unchanged"}


def rules(findings: list[Any]) -> list[tuple[str, str]]:
    return [(f.rule, f.level) for f in findings]


@pytest.mark.parametrize("checklist, block, previous, expected", [
    ({**NORMAL}, {}, None, []),
    ({**NORMAL, "operating_state": "reduced"}, {}, None, [("business_reduced", "medium")]),
    ({**NORMAL, "operating_state": "suspended"}, {}, None, [("business_suspended", "high")]),
    ({**NORMAL, "operating_state": "closed"}, {}, None, [("business_closed", "high")]),
    ({**NORMAL}, {"inventory_vs_last": "much_lower"}, None, [("inventory_drop", "high")]),
    ({**NORMAL, "inventory_level": "empty"}, {}, {"inventory_level": "normal"}, [("inventory_drop", "high")]),
    ({**NORMAL, "inventory_level": "low"}, {}, {"inventory_level": "normal"}, []),  # one step is not much lower
    ({**NORMAL, "fixed_assets": "decreased"}, {}, None, [("fixed_assets_decreased", "medium")]),
    ({**NORMAL}, {"residence": {"visited": True, "still_lives_there": False, "note": "已搬走"}}, None,
     [("borrower_moved", "high")]),
    ({**NORMAL}, {"related_persons": [{"relation": "guarantor", "contact": "unreachable", "said": ""}]}, None,
     [("person_unreachable", "low")]),
    ({**NORMAL}, {"use_of_funds": {"spent_on": "买车自用", "matches_purpose": False}}, None,
     [("funds_diverted", "medium")]),
])
def test_each_visit_finding_rule(checklist: dict[str, Any], block: dict[str, Any], previous: dict[str, Any] | None,
                                 expected: list[tuple[str, str]]) -> None:
    assert rules(visit_findings(checklist, block, previous)) == expected


def test_the_off_site_rules_and_the_arrears_rule() -> None:
    assert rules(offsite_findings("on_time", [{"person": "borrower", "reached": True}], [])) == []
    assert rules(offsite_findings("late", [], [])) == [("repayment_late", "medium")]
    assert rules(offsite_findings("on_time", [{"person": "spouse", "reached": False}], [])) == [
        ("person_unreachable", "low")]
    assert rules(offsite_findings("on_time", [], [{"adverse": True, "note": "被执行人"}, {"adverse": False}])) == [
        ("adverse_web_finding", "medium")]
    assert rules([arrears_finding(5, 100)]) == [("repayment_late", "medium")]
    assert rules([arrears_finding(30, 100)]) == [("repayment_late", "high")]


@pytest.fixture
def loan(app: Flask, world: World) -> dict[str, int]:
    with app.app_context():
        loan_id = book_loan()
        return {"loan": loan_id, "first": checks_of("JJ0001")["first"].id, "merchant": world.merchants["a1_owned"]}


def post_loan_visit(user: Any, loan: dict[str, int], *, state: str = "normal", inventory: str = "normal",
                    vs_last: str | None = None, started: datetime | None = None) -> str:
    body = visit_body(loan["merchant"], lead=user.username, lat=WULIN[0], lon=WULIN[1], kind="post_loan")
    body["outcome"]["checklist"].update({"operating_state": state, "inventory_level": inventory})
    if started is not None:
        body["started_at"] = started.isoformat(timespec="seconds")
    body["post_loan"] = {"loan_id": loan["loan"], "inventory_vs_last": vs_last}
    visit_id = new_id()
    response = user.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert response.status_code == 201, response.get_json()
    return visit_id


def inbox_kinds(user: Any) -> list[str]:
    html = user.get("/inbox/").get_data(as_text=True)
    return [part.split('"')[0] for part in html.split('data-inbox-kind="')[1:]]


def test_a_half_empty_shop_raises_a_high_warning_a_trigger_check_and_tells_the_lead(
        app: Flask, loan: dict[str, int], login: Any) -> None:
    mgr1, lead1 = login("mgr1"), login("lead1")
    assert "risk_warning" not in inbox_kinds(lead1)
    visit_id = post_loan_visit(mgr1, loan, state="reduced", inventory="low", vs_last="much_lower")
    with app.app_context():
        warnings = {w.rule: w for w in db.session.scalars(sa.select(RiskWarning))}
        assert {r: w.level for r, w in warnings.items()} == {"business_reduced": "medium", "inventory_drop": "high"}
        high = warnings["inventory_drop"]
        assert high.owner_id == user_by_name("mgr1").id and high.deadline == bank_today() + timedelta(days=3)
        trigger = db.session.scalar(sa.select(ScheduledCheck).where(ScheduledCheck.kind == "trigger"))
        assert trigger is not None and trigger.key == f"trigger:visit:{visit_id}"  # one trigger for the visit
        assert high.trigger_check_id == trigger.id and trigger.due_on == bank_today() + timedelta(days=3)
        high_id = high.id
    assert inbox_kinds(lead1).count("risk_warning") == 1  # the high one, at once
    assert inbox_kinds(mgr1).count("risk_warning") == 2  # the owner sees both
    assert login("lead2").get(f"/postloan/warnings/{high_id}").status_code == 404
    board = lead1.get("/postloan/warnings").get_data(as_text=True)
    assert 'data-warning-rule="inventory_drop"' in board
    # The same visit replayed raises nothing new.
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskWarning)) == 2


def test_inventory_is_compared_with_the_last_check(app: Flask, loan: dict[str, int], login: Any) -> None:
    mgr1 = login("mgr1")
    now = datetime.now(UTC)
    post_loan_visit(mgr1, loan, inventory="full", started=now - timedelta(days=2))
    post_loan_visit(mgr1, loan, inventory="low", started=now - timedelta(hours=1))
    with app.app_context():
        assert list(db.session.scalars(sa.select(RiskWarning.rule))) == ["inventory_drop"]


def test_a_pre_loan_photo_in_a_post_loan_check_is_flagged_with_both_photos(app: Flask, loan: dict[str, int],
                                                                           login: Any) -> None:
    mgr1 = login("mgr1")
    picture = jpeg_bytes(77)
    survey = new_id()
    body = visit_body(loan["merchant"], lat=WULIN[0], lon=WULIN[1])
    body["started_at"] = (datetime.now(UTC) - timedelta(days=20)).isoformat(timespec="seconds")
    assert mgr1.api("PUT", f"/api/v1/visits/{survey}", json=body).status_code == 201
    survey_photo = new_id()
    assert mgr1.api("PUT", f"/api/v1/visits/{survey}/photos/{survey_photo}", data=photo_form(picture),
                    content_type="multipart/form-data").status_code == 201
    check_visit = post_loan_visit(mgr1, loan)
    reused = new_id()
    response = mgr1.api("PUT", f"/api/v1/visits/{check_visit}/photos/{reused}",
                        data=photo_form(picture, category="inventory"), content_type="multipart/form-data")
    assert response.status_code == 201
    fresh = mgr1.api("PUT", f"/api/v1/visits/{check_visit}/photos/{new_id()}",
                     data=photo_form(jpeg_bytes(78), category="premises"), content_type="multipart/form-data")
    assert fresh.status_code == 201
    with app.app_context():
        flags = db.session.scalars(sa.select(VisitFlag).where(VisitFlag.code == "preloan_photo_reused")).all()
        assert [(f.visit_id, f.photo_id, f.evidence["earlier_photo"]) for f in flags] == [
            (check_visit, reused, survey_photo)]
        warning = db.session.scalar(sa.select(RiskWarning).where(RiskWarning.rule == "preloan_photo_reused"))
        assert warning is not None and warning.level == "high"
        warning_id = warning.id
    page = mgr1.get(f"/visits/{check_visit}").get_data(as_text=True)
    assert "贷前照片用于贷后检查" in page and survey_photo in page and reused in page  # side by side
    warning_page = login("lead1").get(f"/postloan/warnings/{warning_id}").get_data(as_text=True)
    assert survey_photo in warning_page and reused in warning_page


def test_a_photo_of_another_merchants_survey_is_not_a_pre_loan_reuse(app: Flask, world: World,
                                                                      loan: dict[str, int], login: Any) -> None:
    mgr1 = login("mgr1")
    picture = jpeg_bytes(91)
    other = new_id()
    body = visit_body(world.merchants["a1_other"], lat=WULIN[0], lon=WULIN[1])
    assert mgr1.api("PUT", f"/api/v1/visits/{other}", json=body).status_code == 201
    assert mgr1.api("PUT", f"/api/v1/visits/{other}/photos/{new_id()}", data=photo_form(picture),
                    content_type="multipart/form-data").status_code == 201
    check_visit = post_loan_visit(mgr1, loan)
    assert mgr1.api("PUT", f"/api/v1/visits/{check_visit}/photos/{new_id()}", data=photo_form(picture),
                    content_type="multipart/form-data").status_code == 201
    with app.app_context():
        codes = set(db.session.scalars(sa.select(VisitFlag.code).where(VisitFlag.visit_id == check_visit)))
        assert "photo_reused" in codes and "preloan_photo_reused" not in codes


def test_a_warning_raised_by_hand_is_worked_to_its_resolution(app: Flask, loan: dict[str, int], login: Any) -> None:
    mgr1, lead1 = login("mgr1"), login("lead1")
    url = f"/postloan/loans/{loan['loan']}/warnings"
    assert mgr1.get(f"{url}/new").status_code == 200
    assert mgr1.post(url, data={"level": "urgent", "detail": ""}).status_code == 422
    past = (bank_today() - timedelta(days=1)).isoformat()
    assert mgr1.post(url, data={"level": "low", "detail": "x", "deadline": past}).status_code == 422
    client_id = new_id()
    created = mgr1.post(url, data={"client_id": client_id, "level": "high", "detail": "听说老板在外欠了赌债"})
    assert created.status_code == 303
    again = mgr1.post(url, data={"client_id": client_id, "level": "high", "detail": "听说老板在外欠了赌债"})
    assert again.headers["Location"] == created.headers["Location"]  # a double submit makes one warning
    warning_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        warning = db.session.get(RiskWarning, warning_id)
        assert warning is not None and warning.raised_by_id == user_by_name("mgr1").id
        assert warning.trigger_check_id is not None  # high: a trigger check at once
    assert "risk_warning" in inbox_kinds(lead1)
    base = f"/postloan/warnings/{warning_id}"
    assert mgr1.post(f"{base}/action", data={"action": ""}).status_code == 422
    assert mgr1.post(f"{base}/action", data={"action": "电话联系借款人，约明天面谈"}).status_code == 303
    assert login("mgr2").post(f"{base}/action", data={"action": "x"}).status_code == 404  # not his loan
    later = (bank_today() + timedelta(days=10)).isoformat()
    mgr2_id = str(user_by_name_in(app, "mgr2"))
    assert lead1.post(f"{base}/update", data={"deadline": later, "owner_id": mgr2_id}).status_code == 303
    assert lead1.post(f"{base}/update", data={"deadline": later, "owner_id": "999999"}).status_code == 422
    assert mgr1.post(f"{base}/resolve", data={"resolution": ""}).status_code == 422
    assert lead1.post(f"{base}/resolve", data={"resolution": "面谈核实为谣言，经营正常"}).status_code == 303
    with app.app_context():
        warning = db.session.get(RiskWarning, warning_id)
        assert warning is not None and warning.status == "resolved" and warning.deadline.isoformat() == later
        assert warning.owner_id == int(mgr2_id) and [a["text"] for a in warning.actions] == ["电话联系借款人，约明天面谈"]
    assert "risk_warning" not in inbox_kinds(lead1)
    assert lead1.post(f"{base}/resolve", data={"resolution": "again"}).status_code == 422


def user_by_name_in(app: Flask, username: str) -> int:
    with app.app_context():
        return user_by_name(username).id


def test_the_boards_count_completion_and_warnings_by_place(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        loan = {"loan": book_loan(disbursed_days_ago=20), "merchant": world.merchants["a1_owned"]}
        due = checks_of("JJ0001")["first"].due_on  # five days ago: done today, it is late
    post_loan_visit(login("mgr1"), loan, state="closed")
    month = due.strftime("%Y-%m")
    lead = login("lead1").get(f"/postloan/team?month={month}").get_data(as_text=True)
    row = lead.split('data-manager="mgr1"')[1].split("</tr>")[0]
    # Due now (the trigger check), overdue, due this month, on time, late, waived, on-time completion.
    assert [cell.split("<")[0] for cell in row.split('class="num">')[1:]] == ["1", "0", "1", "0", "1", "0", "0%"]
    board = login("reviewer1").get(f"/postloan/board?month={month}").get_data(as_text=True)
    a1 = board.split("<td>武林支行</td>")[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in a1.split('class="num">')[1:]] == ["1", "0", "1", "0", "0", "0%"]
    assert "四季青支行" in board
    warnings = login("reviewer1").get("/postloan/warnings").get_data(as_text=True)
    assert 'data-sub-branch="武林支行" data-level="high"' in warnings
    assert 'data-warning-rule="business_closed"' in warnings
    assert 'data-warning-rule' not in login("reviewerb").get("/postloan/warnings").get_data(as_text=True)
