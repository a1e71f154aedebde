"""The daily loan import: encodings and formats, row-numbered errors with nothing stored, idempotent re-imports,
the summary of changes and its hooks, the admin page and the CLI command."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import sqlalchemy as sa
from flask import Flask
from openpyxl import Workbook

from tests.factories import World, user_by_name
from tests.loan_helpers import HEADER, d, loan_by_number, loan_csv, loan_row, run_import
from webapp.extensions import db
from webapp.loans.importer import import_loans
from webapp.loans.reader import read_loan_file
from webapp.models import Loan, LoanHistory, LoanImport, LoanPerson, Merchant, RiskWarning
from webapp.text_files import FileProblem
from webapp.write_kernel import WriteContext

AS_OF = d("2026-12-01")


def count(model: Any) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_gbk_file_with_chinese_headers_is_read_and_imported(app: Flask, world: World) -> None:
    with app.app_context():
        data = loan_csv([loan_row(), loan_row("JJ0002", merchant="A1-NEW", borrower="张记早餐店")], encoding="gbk")
        for encoding in ("auto", "gbk"):
            sheet = read_loan_file(data, encoding)
            assert sheet.encoding == "gb18030" and sheet.cell(sheet.rows[1], "借款人") == "张记早餐店"
        outcome = run_import([loan_row(), loan_row("JJ0002", merchant="A1-NEW", borrower="张记早餐店")],
                             as_of=AS_OF, encoding="gbk")
        assert outcome.ok and outcome.summary is not None
        assert outcome.summary.counts()["new_loans"] == 2
        new_borrower = db.session.scalar(sa.select(Merchant).where(Merchant.code == "A1-NEW"))
        assert new_borrower is not None and new_borrower.status == "borrower" and new_borrower.name == "张记早餐店"
        assert new_borrower.owner_id == user_by_name("mgr1").id
        existing = db.session.get(Merchant, world.merchants["a1_owned"])
        assert existing is not None and existing.status == "borrower"
        loan = loan_by_number("JJ0001")
        assert (loan.amount_cents, loan.balance_cents, loan.term_months, loan.repayment_method) == (
            20_000_000, 18_000_000, 12, "equal_installment")
        assert [(p.relation, p.name, p.phone) for p in loan.persons] == [("spouse", "李娟", "13912345678")]


def test_utf8_read_as_gbk_is_refused_as_a_whole_file(app: Flask, world: World) -> None:
    with app.app_context():
        try:
            read_loan_file("借据号\n".encode() + b"\xff\xfe\xfa", "utf-8")
        except FileProblem as error:
            assert error.code == "undecodable"
        else:
            raise AssertionError("expected FileProblem")


def test_an_xlsx_workbook_imports_like_the_csv(app: Flask, world: World) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADER))
    row = loan_row()
    values: list[Any] = [row[h] for h in HEADER]
    values[HEADER.index("放款日期")] = datetime(2026, 11, 20)  # Excel dates arrive as datetimes
    values[HEADER.index("贷款金额")] = 200000
    sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    with app.app_context():
        admin = user_by_name("admin")
        outcome = import_loans(WriteContext(actor=admin, now=datetime.now(UTC)), world.branch_id,
                               read_loan_file(out.getvalue()), AS_OF, source="page")
        db.session.commit()
        assert outcome.ok, outcome.problems
        loan = loan_by_number("JJ0001")
        assert loan.disbursed_on == d("2026-11-20") and loan.amount_cents == 20_000_000


def test_bad_rows_are_reported_by_row_number_and_nothing_is_stored(app: Flask, world: World) -> None:
    rows = [
        loan_row(),  # good: still not stored while others are bad
        loan_row("JJ0002", amount="二十万"),
        loan_row("JJ0003", disbursed="2026-13-01"),
        loan_row("JJ0004", manager="nobody"),
        loan_row("JJ0005", sub="ZZ"),
        loan_row("JJ0006", status="逾期"),  # overdue without days or amount
        loan_row("JJ0001"),  # the same loan number again
        loan_row("JJ0007", merchant="A1-NEW", borrower=""),  # a new borrower needs a name
        loan_row("JJ0008", spouse_phone="not-a-phone"),
        loan_row("JJ0009", disbursed="2026-11-20", matures="2026-11-01"),
    ]
    with app.app_context():
        outcome = run_import(rows, as_of=AS_OF)
        problems = {(p.row, p.column) for p in outcome.problems}
        assert problems == {(3, "贷款金额"), (4, "放款日期"), (5, "客户经理"), (6, "支行"), (7, "状态"), (8, "借据号"),
                            (9, "借款人"), (10, "配偶电话"), (11, "到期日期")}
        assert count(Loan) == count(LoanPerson) == count(LoanHistory) == count(LoanImport) == 0
        assert db.session.scalar(sa.select(Merchant).where(Merchant.code == "A1-NEW")) is None


def test_a_file_without_a_required_column_is_refused(app: Flask, world: World) -> None:
    data = "借据号,支行\nJJ0001,A1\n".encode()
    with app.app_context():
        admin = user_by_name("admin")
        try:
            import_loans(WriteContext(actor=admin, now=datetime.now(UTC)), world.branch_id, read_loan_file(data),
                         AS_OF, source="cli")
        except FileProblem as error:
            assert error.code == "missing_column" and error.params["field"] == "merchant_code"
        else:
            raise AssertionError("expected FileProblem")


def test_the_same_file_twice_changes_nothing_the_second_time(app: Flask, world: World) -> None:
    rows = [loan_row(), loan_row("JJ0002", merchant="A1-002", manager="mgr2")]
    with app.app_context():
        first = run_import(rows, as_of=AS_OF)
        assert first.summary is not None and first.summary.counts()["new_loans"] == 2
        checks = count(__import__("webapp.models", fromlist=["ScheduledCheck"]).ScheduledCheck)
        second = run_import(rows, as_of=AS_OF)
        assert second.summary is not None
        assert second.summary.counts() == {"rows": 2, "unchanged": 2, "new_loans": 0, "changed": 0,
                                           "newly_overdue": 0, "repaid": 0, "written_off": 0, "manager_changed": 0}
        assert count(Loan) == 2 and count(LoanHistory) == 2 and count(LoanPerson) == 2
        assert count(__import__("webapp.models", fromlist=["ScheduledCheck"]).ScheduledCheck) == checks


def test_the_summary_names_new_overdue_repaid_and_reassigned_loans(app: Flask, world: World) -> None:
    with app.app_context():
        run_import([loan_row(), loan_row("JJ0002"), loan_row("JJ0003")], as_of=AS_OF)
        outcome = run_import([
            loan_row(status="逾期", dpd="4", overdue="5600.50", last_paid="2026-10-28"),
            loan_row("JJ0002", status="结清", balance="0"),
            loan_row("JJ0003", manager="mgr3"),
            loan_row("JJ0004", merchant="A1-002"),
        ], as_of=d("2026-12-02"))
        summary = outcome.summary
        assert summary is not None
        assert summary.new_loans == ["JJ0004"]
        assert summary.newly_overdue == ["JJ0001"] and summary.repaid == ["JJ0002"]
        assert summary.manager_changed == [("JJ0003", user_by_name("mgr1").id, user_by_name("mgr3").id)]
        assert sorted(summary.changed) == ["JJ0001", "JJ0002", "JJ0003"]
        record = db.session.scalar(sa.select(LoanImport).order_by(LoanImport.id.desc()))
        assert record is not None and record.summary["counts"]["newly_overdue"] == 1
        overdue = loan_by_number("JJ0001")
        assert (overdue.days_past_due, overdue.overdue_cents, overdue.overdue_since) == (4, 560050, d("2026-11-28"))
        # Repayment history: one row per book date on which the figures changed.
        history = db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == overdue.id)
                                     .order_by(LoanHistory.as_of)).all()
        assert [(h.as_of, h.status, h.days_past_due) for h in history] == [
            (AS_OF, "normal", 0), (d("2026-12-02"), "overdue", 4)]
        reassigned = loan_by_number("JJ0003")
        assert db.session.scalar(sa.select(LoanHistory.id).where(LoanHistory.loan_id == reassigned.id,
                                                                 LoanHistory.as_of == d("2026-12-02"))) is None
        # The post-loan hook warned about the newly overdue loan, once, in the import's transaction.
        warnings = db.session.scalars(sa.select(RiskWarning).where(RiskWarning.loan_id == overdue.id)).all()
        assert [(w.rule, w.level) for w in warnings] == [("repayment_late", "medium")]
        run_import([loan_row(status="逾期", dpd="5", overdue="5600.50", last_paid="2026-10-28")],
                   as_of=d("2026-12-03"))
        assert count(RiskWarning) == 1


def test_the_admin_page_imports_and_reports_problems(app: Flask, world: World, login: Any) -> None:
    admin = login("admin")
    page = admin.get("/loans/import")
    assert page.status_code == 200 and "loan-import" in page.get_data(as_text=True)
    bad = admin.post("/loans/import", data={"as_of": "2026-12-01", "encoding": "auto",
                                             "file": (io.BytesIO(loan_csv([loan_row(amount="x")])), "book.csv")},
                     headers={"HX-Request": "true"}, content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-row="2"' in html
    assert admin.post("/loans/import", data={"as_of": "someday", "encoding": "auto"}).status_code == 422
    binary = admin.post("/loans/import", data={"as_of": "2026-12-01", "encoding": "auto",
                                                "file": (io.BytesIO(b"\xd0\xcf\x11\xe0old"), "book.xls")},
                        content_type="multipart/form-data")
    assert binary.status_code == 422 and "loan-import-file-error" in binary.get_data(as_text=True)
    good = admin.post("/loans/import", data={"as_of": "2026-12-01", "encoding": "gbk",
                                              "file": (io.BytesIO(loan_csv([loan_row()], "gbk")), "book.csv")},
                      content_type="multipart/form-data")
    assert good.status_code == 200 and 'data-count="new_loans">1<' in good.get_data(as_text=True)
    assert login("mgr1").get("/loans/import").status_code == 403


def test_the_cli_command_imports_the_nightly_file(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(loan_csv([loan_row(), loan_row("JJ0002", merchant="A1-002", manager="mgr2")], "gbk"))
    runner = app.test_cli_runner()
    with mock.patch("logging.config.fileConfig"):
        result = runner.invoke(args=["import-loans", str(path), "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "new_loans=2" in result.output
    again = runner.invoke(args=["import-loans", str(path), "--as-of", "2026-12-01"])
    assert "unchanged=2" in again.output
    path.write_bytes(loan_csv([loan_row(manager="nobody")]))
    bad = runner.invoke(args=["import-loans", str(path), "--as-of", "2026-12-01"])
    assert bad.exit_code == 1 and "row 2" in bad.output
    assert runner.invoke(args=["import-loans", str(path), "--as-of", "12/01"]).exit_code == 2
    scheduled = runner.invoke(args=["postloan-schedule"])
    assert scheduled.exit_code == 0 and "created=" in scheduled.output


def test_related_persons_phones_are_masked_for_those_who_do_not_call_them(app: Flask, world: World,
                                                                         login: Any) -> None:
    with app.app_context():
        run_import([loan_row()], as_of=AS_OF)
        loan_id = loan_by_number("JJ0001").id
    for username, shown in (("mgr1", "13912345678"), ("lead1", "13912345678"), ("reviewer1", "139****5678"),
                            ("admin", "139****5678")):
        html = login(username).get(f"/loans/{loan_id}").get_data(as_text=True)
        assert shown in html, username
        if shown != "13912345678":
            assert "13912345678" not in html
    assert login("mgr2").get(f"/loans/{loan_id}").status_code == 404  # another manager's loan


def test_an_unchanged_row_is_still_refused_when_its_manager_left(app: Flask, world: World) -> None:
    rows = [loan_row(), loan_row("JJ0002", merchant="A1-002", manager="mgr2")]
    with app.app_context():
        assert run_import(rows, as_of=AS_OF).ok
        user_by_name("mgr2").is_enabled = False
        db.session.commit()
        again = run_import(rows, as_of=d("2026-12-02"))
        assert [(p.row, p.column) for p in again.problems] == [(3, "客户经理")]


def test_the_admin_changes_a_products_rules_and_the_schedules_follow(app: Flask, world: World, login: Any) -> None:
    from webapp.postloan.rules import RULE_FIELDS

    with app.app_context():
        run_import([loan_row(disbursed="2026-11-20", matures="2027-11-20")], as_of=AS_OF)
    admin = login("admin")
    page = admin.get("/postloan/rules").get_data(as_text=True)
    assert 'data-product="经营贷"' in page
    form = dict.fromkeys(RULE_FIELDS, "0")
    assert admin.post("/postloan/rules", data={"product": "经营贷", **form}).status_code == 422
    form = {"first_onsite_days": "7", "short_term_max_months": "6", "short_interval_months": "1",
            "long_interval_months": "3", "use_of_funds_days": "60", "offsite_interval_months": "1",
            "trigger_days": "3", "window_days": "7"}
    assert admin.post("/postloan/rules", data={"product": "经营贷", **form}).status_code == 303
    with app.app_context():
        from tests.loan_helpers import checks_of

        checks = checks_of("JJ0001")
        assert checks["first"].due_on == d("2026-11-27") and checks["funds"].due_on == d("2027-01-19")
    assert login("mgr1").post("/postloan/rules", data={"product": "经营贷", **form}).status_code == 403
