"""Copied post-loan and overdue reports: `report_copied` on the page where the report is shown, with the other
text beside it only for a reader who may open that report; stock phrases alone are never a copy."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.collection_helpers import DAY, at, china, open_by_book
from tests.factories import World
from tests.loan_helpers import book_loan, checks_of
from tests.test_integrity_flags import COPY, NOTE
from webapp.extensions import db
from webapp.models import OverdueReport, ReportFlag, ScheduledCheck, User

ROUTINE = "经营正常，库存充足。一切正常，继续跟进。还款正常，无异常。"
OTHER = "今天老板不在，约了下周二再来。店里在装修，暂停营业两天，下次检查时再看库存和流水。"


def done_checks(app: Flask) -> tuple[int, int]:
    """The first check of mgr1's loan and of mgr2's loan, done (how they were done does not matter here)."""
    with app.app_context():
        book_loan("JJ0001")
        book_loan("JJ0002", merchant="A1-002", borrower="周记五金", manager="mgr2")
        ids = []
        for number, manager in (("JJ0001", "mgr1"), ("JJ0002", "mgr2")):
            check = checks_of(number)["first"]
            check.status = "done"
            check.done_by_id = db.session.scalar(sa.select(User.id).where(User.username == manager))
            ids.append(check.id)
        db.session.commit()
        return ids[0], ids[1]


def report(client: Any, check_id: int, text: str) -> None:
    response = client.post(f"/postloan/checks/{check_id}/report",
                           data={"conclusion": text, "classification": "normal"})
    assert response.status_code == 303, response.get_data(as_text=True)


def flags(app: Flask, kind: str) -> list[ReportFlag]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ReportFlag).where(ReportFlag.kind == kind)))


def test_a_copied_post_loan_report_is_flagged_and_its_other_text_shown_only_to_its_readers(
        app: Flask, world: World, login: Any) -> None:
    first, second = done_checks(app)
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    report(mgr1, first, ROUTINE)
    report(mgr2, second, ROUTINE)
    assert flags(app, "post_loan_report") == []  # the phrase book alone is no copy

    report(mgr1, first, NOTE)
    report(mgr2, second, COPY)
    [flag] = flags(app, "post_loan_report")
    assert flag.code == "report_copied" and flag.evidence["other"]["kind"] == "post_loan_report"
    assert flag.evidence["similarity"] >= 0.65 and flag.evidence["other_text"] == NOTE
    assert "report_copied" not in mgr1.get(f"/postloan/checks/{first}").get_data(as_text=True)  # the original

    # mgr2 may not open mgr1's loan: the flag and this text, never the other text nor a way to it.
    page = mgr2.get(f"/postloan/checks/{second}").get_data(as_text=True)
    assert 'data-integrity="report_copied"' in page and "data-copied-hidden" in page
    assert 'data-copied-text="other"' not in page and "鑫源" not in page and f"/checks/{first}" not in page
    assert "<mark>" in page
    # Their team lead may: both texts side by side, the shared passages marked, a link to the other check.
    lead = login("lead1").get(f"/postloan/checks/{second}").get_data(as_text=True)
    assert 'data-copied-text="this"' in lead and 'data-copied-text="other"' in lead and "鑫源" in lead
    assert f"/postloan/checks/{first}#report" in lead and "王芳" in lead

    report(mgr2, second, OTHER)  # rewritten in the manager's own words: the flag goes
    assert flags(app, "post_loan_report") == []


def test_a_copied_overdue_report_is_flagged_and_its_other_text_shown_only_to_its_readers(
        app: Flask, world: World, login: Any) -> None:
    with app.test_request_context():
        mine = open_by_book("JJ0001").id
        theirs = open_by_book("JJ0002", merchant="A1-002", borrower="周记五金", manager="mgr2").id
    at(app, china(DAY + timedelta(days=1), 9, 12))
    mgr1, mgr2 = login("mgr1"), login("mgr2")

    def write(client: Any, case_id: int, situation: str, *, submit: str = "no") -> None:
        response = client.post(f"/collection/cases/{case_id}/report", data={
            "cause": "illness", "situation": situation, "proposal": "extension", "submit": submit})
        assert response.status_code == 303, response.get_data(as_text=True)

    write(mgr1, mine, ROUTINE)
    write(mgr2, theirs, ROUTINE)
    assert flags(app, "overdue_report") == []

    write(mgr1, mine, NOTE, submit="yes")
    write(mgr2, theirs, COPY)
    [flag] = flags(app, "overdue_report")
    with app.app_context():
        other_id = db.session.scalar(sa.select(OverdueReport.id).where(OverdueReport.case_id == mine))
    assert flag.evidence["other"] == {**flag.evidence["other"], "kind": "overdue_report", "record": str(other_id)}

    page = mgr2.get(f"/collection/cases/{theirs}/report").get_data(as_text=True)
    assert 'data-integrity="report_copied"' in page and "data-copied-hidden" in page
    assert "鑫源" not in page and f"/collection/cases/{mine}/" not in page
    lead = login("lead1").get(f"/collection/cases/{theirs}/report").get_data(as_text=True)
    assert 'data-copied-text="other"' in lead and "鑫源" in lead and f"/collection/cases/{mine}/report" in lead
    assert "data-copied-hidden" not in lead


def test_a_visit_note_copied_from_a_post_loan_report_names_it_by_the_reports_scope(
        app: Flask, world: World, login: Any) -> None:
    """One index across kinds: a visit note copying a post-loan report is flagged, and the visit note's
    evidence shows the report's text only to those who may open the report."""
    from tests.test_integrity_flags import point_at, put_visit, visit_body, visit_flag

    first, _second = done_checks(app)
    report(login("mgr1"), first, NOTE)
    copied = put_visit(login("mgr2"), visit_body(world.merchants["a1_other"], lead="mgr2", notes={"lead": COPY},
                                                 lat=point_at(90)[0], lon=point_at(90)[1]))
    e = visit_flag(copied, "report_copied")["evidence"]  # type: ignore[index]
    assert e["other_hidden"] is True and "other_text" not in e
    shown = visit_flag(login("lead1").get(f"/api/v1/visits/{copied['id']}").get_json(), "report_copied")
    assert shown["evidence"]["other"]["kind"] == "post_loan_report" and shown["evidence"]["other_text"] == NOTE
    with app.app_context():
        assert db.session.get(ScheduledCheck, first) is not None
