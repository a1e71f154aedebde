"""Collection pages for people: forms post to the one write path, errors beside their fields (422 for htmx),
303 after success, phones as the scope allows, exports that never let user text become a formula."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.collection_helpers import DAY, at, case_of, china, log_call, open_by_book
from tests.conftest import LoggedIn
from tests.factories import World, user_by_name
from tests.loan_helpers import loan_by_number, loan_row, run_import
from tests.visit_helpers import new_id
from webapp.extensions import db
from webapp.models import (
    CollectionCase,
    CollectionContact,
    Merchant,
    OverdueReport,
    SubBranchHead,
)

NEXT = DAY + timedelta(days=1)


def contact_form(**changes: str) -> dict[str, str]:
    form = {"contact_id": new_id(), "channel": "phone", "person": "borrower", "reached": "yes",
            "cause": "business_downturn", "answer": "月底回款后还", "contacted_at": "2026-12-02T09:10",
            "promise_date": "2026-12-05", "promise_amount": "5000", "promise_method": "bank_transfer"}
    form.update(changes)
    return form


def setup_case(app: Flask) -> int:
    with app.test_request_context():
        case_id = open_by_book().id
    at(app, china(NEXT, 9, 12))
    return case_id


def test_the_contact_form_records_a_call_with_its_promise(app: Flask, world: World, login: object) -> None:
    case_id = setup_case(app)
    mgr1: LoggedIn = login("mgr1")  # type: ignore[operator]
    page = mgr1.get(f"/collection/cases/{case_id}").get_data(as_text=True)
    assert 'value="2026-12-02T09:12"' in page  # the contact time defaults to now, China time
    form = contact_form()
    response = mgr1.post(f"/collection/cases/{case_id}/contacts", data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/collection/cases/{case_id}#contacts")
    again = mgr1.post(f"/collection/cases/{case_id}/contacts", data=form)  # a double tap
    assert again.status_code == 303
    with app.test_request_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionContact)) == 1
        assert case_of("JJ0001").first_contact_at == china(NEXT, 9, 10)
    page = mgr1.get(f"/collection/cases/{case_id}").get_data(as_text=True)
    assert 'data-deadline-state="on_time"' in page and "月底回款后还" in page


def test_a_bad_contact_comes_back_with_errors_beside_the_fields(app: Flask, world: World, login: object) -> None:
    case_id = setup_case(app)
    mgr1: LoggedIn = login("mgr1")  # type: ignore[operator]
    bad = contact_form(promise_amount="五千", cause="", contacted_at="2026-12-09T10:00")
    htmx = mgr1.client.post(f"/collection/cases/{case_id}/contacts", data={**bad, "csrf_token": mgr1.csrf},
                            headers={"HX-Request": "true"})
    assert htmx.status_code == 422
    html = htmx.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and 'id="contact-form"' in html
    for field in ("promise_amount", "cause", "contacted_at"):
        assert f'data-error-for="{field}"' in html
    assert 'value="五千"' in html  # what was typed stays
    plain = mgr1.post(f"/collection/cases/{case_id}/contacts", data=bad)
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)
    missing_id = mgr1.post(f"/collection/cases/{case_id}/contacts", data={**bad, "contact_id": "not-a-uuid"})
    assert missing_id.status_code == 400
    no_csrf = mgr1.client.post(f"/collection/cases/{case_id}/contacts", data=contact_form())
    assert no_csrf.status_code == 400
    with app.test_request_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CollectionContact)) == 0


def test_phones_are_raw_only_for_the_owner_and_the_lead(app: Flask, world: World, login: object) -> None:
    case_id = setup_case(app)
    for username, raw in (("mgr1", True), ("lead1", True), ("reviewer1", False), ("admin", False)):
        user: LoggedIn = login(username)  # type: ignore[operator]
        page = user.get(f"/collection/cases/{case_id}").get_data(as_text=True)
        assert ("13912345678" in page) is raw, username  # the spouse's phone from the loan book
        assert ("139****5678" in page) is not raw, username
    for username in ("mgr2", "mgr7", "lead2", "reviewerb"):
        user = login(username)  # type: ignore[operator]
        assert user.get(f"/collection/cases/{case_id}").status_code == 404, username
        assert user.get(f"/collection/cases/{case_id}/report").status_code == 404, username


def test_the_case_list_follows_the_scope(app: Flask, world: World, login: object) -> None:
    setup_case(app)
    with app.test_request_context():
        run_import([loan_row("JJ0002", merchant="A1-002", borrower="周记五金", manager="mgr2", status="逾期", dpd="40",
                             overdue="900.00")], as_of=NEXT, now=china(NEXT, 8))
    seen = {}
    for username in ("mgr1", "mgr2", "lead1", "reviewer1", "mgr7", "reviewerb"):
        user: LoggedIn = login(username)  # type: ignore[operator]
        html = user.get("/collection/").get_data(as_text=True)
        seen[username] = {name for name in ("老王面馆", "周记五金") if name in html}
    assert seen == {"mgr1": {"老王面馆"}, "mgr2": {"周记五金"}, "lead1": {"老王面馆", "周记五金"},
                    "reviewer1": {"老王面馆", "周记五金"}, "mgr7": set(), "reviewerb": set()}


def test_a_case_opened_by_hand_from_a_loan(app: Flask, world: World, login: object) -> None:
    with app.test_request_context():
        run_import([loan_row()], as_of=DAY, now=china(DAY, 9))
        loan_id = loan_by_number("JJ0001").id
    at(app, china(DAY, 16, 30))
    mgr1: LoggedIn = login("mgr1")  # type: ignore[operator]
    assert mgr1.get(f"/collection/loans/{loan_id}/open").status_code == 200
    empty = mgr1.post(f"/collection/loans/{loan_id}/open", data={"note": ""})
    assert empty.status_code == 422 and 'data-error-for="note"' in empty.get_data(as_text=True)
    response = mgr1.post(f"/collection/loans/{loan_id}/open", data={"note": "客户电话里说资金紧张"})
    assert response.status_code == 303
    again = mgr1.post(f"/collection/loans/{loan_id}/open", data={"note": "再开一次"})
    assert again.status_code == 409
    with app.test_request_context():
        case = case_of("JJ0001")
        assert case.first_contact_due_at == china(DAY, 23, 59) and case.opened_by_id == user_by_name("mgr1").id
    assert login("mgr2").get(f"/collection/loans/{loan_id}/open").status_code == 404  # type: ignore[operator]
    assert login("reviewer1").get(f"/collection/loans/{loan_id}/open").status_code == 403  # type: ignore[operator]


def test_report_pages_attachments_and_pdf(app: Flask, world: World, login: object) -> None:
    case_id = setup_case(app)
    mgr1: LoggedIn = login("mgr1")  # type: ignore[operator]
    bad = mgr1.client.post(f"/collection/cases/{case_id}/report", headers={"HX-Request": "true"},
                           data={"csrf_token": mgr1.csrf, "cause": "", "situation": "", "proposal": "restructure"})
    assert bad.status_code == 422 and 'data-error-for="situation"' in bad.get_data(as_text=True)
    saved = mgr1.post(f"/collection/cases/{case_id}/report", data={
        "cause": "illness", "situation": "店主住院两周，店面由亲戚代管。", "proposal": "extension",
        "proposal_detail": "展期三个月", "submit": "no"})
    assert saved.status_code == 303
    with app.test_request_context():
        report_id = db.session.scalar(sa.select(OverdueReport.id))
    upload = mgr1.client.post(f"/collection/reports/{report_id}/attachments", content_type="multipart/form-data",
                              data={"csrf_token": mgr1.csrf, "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "诊断书.pdf")})
    assert upload.status_code == 303
    refused = mgr1.client.post(f"/collection/reports/{report_id}/attachments", content_type="multipart/form-data",
                               data={"csrf_token": mgr1.csrf, "file": (io.BytesIO(b"<script>"), "x.pdf")})
    assert refused.status_code == 415
    page = mgr1.get(f"/collection/cases/{case_id}/report").get_data(as_text=True)
    link = re.search(r'href="(/collection/reports/\d+/attachments/\d+)"', page)
    assert link and "诊断书.pdf" in page
    download = mgr1.get(link.group(1))
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment;" in download.headers["Content-Disposition"]
    assert mgr1.post(f"/collection/cases/{case_id}/report", data={
        "cause": "illness", "situation": "店主住院两周。", "proposal": "extension", "submit": "yes"}).status_code == 303
    lead1: LoggedIn = login("lead1")  # type: ignore[operator]
    review_page = lead1.get(f"/collection/cases/{case_id}/report").get_data(as_text=True)
    assert "data-review-form" in review_page
    assert lead1.post(f"/collection/reports/{report_id}/review", data={"decision": "return"}).status_code == 422
    assert lead1.post(f"/collection/reports/{report_id}/review", data={"decision": "accept"}).status_code == 303
    assert mgr1.post(f"/collection/reports/{report_id}/review", data={"decision": "accept"}).status_code == 403
    pdf = lead1.get(f"/collection/reports/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert re.match(r'attachment; filename="overdue-report-\d{4}-\d{2}-\d{2}-\d+\.pdf"',
                    pdf.headers["Content-Disposition"])
    assert login("mgr2").get(f"/collection/reports/{report_id}.pdf").status_code == 404  # type: ignore[operator]
    assert login("reviewerb").get(link.group(1)).status_code == 404  # type: ignore[operator]


def test_committee_pages_record_a_meeting_and_a_decision(app: Flask, world: World, login: object) -> None:
    case_id = setup_case(app)
    mgr1: LoggedIn = login("mgr1")  # type: ignore[operator]
    mgr1.post(f"/collection/cases/{case_id}/report", data={
        "cause": "unwilling_to_pay", "situation": "多次联系，拒绝还款。", "proposal": "legal_action", "submit": "yes"})
    with app.test_request_context():
        report_id = db.session.scalar(sa.select(OverdueReport.id))
    login("lead1").post(f"/collection/reports/{report_id}/review", data={"decision": "accept"})  # type: ignore[operator]
    reviewer: LoggedIn = login("reviewer1")  # type: ignore[operator]
    assert "data-ready-case" in reviewer.get("/collection/committee/").get_data(as_text=True)
    empty = reviewer.post("/collection/committee/new", data={"held_on": "2026-12-02"})
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert 'data-error-for="member_ids"' in html and 'data-error-for="report_ids"' in html
    with app.test_request_context():
        member = str(user_by_name("reviewer1").id)
    created = reviewer.post("/collection/committee/new", data={"held_on": "2026-12-02", "member_ids": member,
                                                              "report_ids": str(report_id)})
    assert created.status_code == 303
    meeting_url = created.headers["Location"]
    bad = reviewer.client.post(f"{meeting_url}/cases/{case_id}", headers={"HX-Request": "true"},
                               data={"csrf_token": reviewer.csrf, "outcome": "legal_action", "text": ""})
    assert bad.status_code == 422 and 'data-error-for="text"' in bad.get_data(as_text=True)
    done = reviewer.post(f"{meeting_url}/cases/{case_id}", data={"outcome": "legal_action", "text": "移交法务。"})
    assert done.status_code == 303
    assert 'data-decided="legal_action"' in reviewer.get(meeting_url).get_data(as_text=True)
    assert reviewer.post(f"{meeting_url}/cases/999999", data={"outcome": "continue"}).status_code == 404
    with app.test_request_context():
        assert db.session.get(CollectionCase, case_id).close_reason == "legal_action"  # type: ignore[union-attr]
    assert login("lead1").get(meeting_url).status_code == 403  # type: ignore[operator]
    assert login("reviewerb").get(meeting_url).status_code == 404  # type: ignore[operator]


def test_settings_set_the_head_and_the_grants(app: Flask, world: World, login: object) -> None:
    admin: LoggedIn = login("admin")  # type: ignore[operator]
    with app.test_request_context():
        lead1, reviewerb = user_by_name("lead1").id, user_by_name("reviewerb").id
        mgr1 = user_by_name("mgr1").id
    a1 = world.sub_branches["A1"]
    assert admin.post(f"/collection/settings/heads/{a1}", data={"head": str(lead1)}).status_code == 303
    assert admin.post(f"/collection/settings/heads/{a1}", data={"head": str(mgr1)}).status_code == 422
    assert admin.post(f"/collection/settings/heads/{world.sub_branches['B1']}", data={"head": ""}).status_code == 404
    with app.test_request_context():
        assert db.session.get(SubBranchHead, a1).user_id == lead1  # type: ignore[union-attr]
    assert admin.post(f"/collection/settings/grants/{lead1}", data={"choice": "grant"}).status_code == 303
    assert admin.post(f"/collection/settings/grants/{lead1}", data={"choice": "always"}).status_code == 422
    assert admin.post(f"/collection/settings/grants/{reviewerb}", data={"choice": "grant"}).status_code == 404
    page = admin.get("/collection/settings").get_data(as_text=True)
    assert 'data-person="lead1" data-records="yes"' in page
    assert login("lead1").get("/collection/committee/").status_code == 200  # type: ignore[operator]
    assert "/collection/settings" in admin.get("/admin/").get_data(as_text=True)


def test_the_register_neutralises_formulas_and_leaves_phones_out(app: Flask, world: World, login: object) -> None:
    with app.test_request_context():
        merchant = db.session.get(Merchant, world.merchants["a1_owned"])
        assert merchant is not None
        merchant.name = "=HYPERLINK(\"http://evil\",\"x\")"
        db.session.commit()
        case = open_by_book()
        log_call(case, china(NEXT, 9, 10))
        db.session.get(CollectionCase, case.id).close_note = "+1 call me"  # type: ignore[union-attr]
        db.session.commit()
    at(app, china(NEXT, 12))
    lead1: LoggedIn = login("lead1")  # type: ignore[operator]
    response = lead1.get("/collection/register.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="collection-register-2026-12-02.xlsx"'
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    values = [cell.value for cell in cells]
    assert "=HYPERLINK(\"http://evil\",\"x\")" in values and "+1 call me" in values
    # Stored as text, never as a formula: openpyxl reads a formula back as "=..." too, so the type tells.
    assert [cell.data_type for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=", "+"))] == ["s", "s"]
    assert not any(cell.data_type == "f" for cell in cells)
    assert not any(isinstance(v, str) and "13912345678" in v for v in values)
    mgr2_rows = list(load_workbook(io.BytesIO(login("mgr2").get("/collection/register.xlsx").data)).active.iter_rows())  # type: ignore[operator,union-attr]
    assert len(mgr2_rows) == 1  # the header only: mgr2 owns no case
