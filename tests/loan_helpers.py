"""Loan files and loans for tests: a CSV as the core banking system writes it, imported through the one path."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tests.factories import user_by_name
from webapp.extensions import db
from webapp.loans.importer import ImportOutcome, import_loans
from webapp.loans.reader import read_loan_file
from webapp.models import Loan, ScheduledCheck
from webapp.write_kernel import WriteContext

HEADER = ("借据号", "支行", "商户编号", "借款人", "产品", "贷款金额", "贷款余额", "放款日期", "到期日期", "期限(月)",
          "还款方式", "用途", "客户经理", "状态", "逾期天数", "逾期金额", "最近还款日", "配偶姓名", "配偶电话")


def loan_row(number: str = "JJ0001", *, sub: str = "A1", merchant: str = "A1-001", borrower: str = "老王面馆",
             product: str = "经营贷", amount: str = "200000.00", balance: str = "180000.00",
             disbursed: str = "2026-11-20", matures: str = "2027-11-20", term: str = "12",
             method: str = "等额本息", purpose: str = "进货", manager: str = "mgr1", status: str = "正常",
             dpd: str = "", overdue: str = "", last_paid: str = "", spouse: str = "李娟",
             spouse_phone: str = "13912345678") -> dict[str, str]:
    return dict(zip(HEADER, (number, sub, merchant, borrower, product, amount, balance, disbursed, matures, term,
                             method, purpose, manager, status, dpd, overdue, last_paid, spouse, spouse_phone)))


def loan_csv(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(HEADER))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run_import(rows: list[dict[str, str]], *, as_of: date, actor: str = "admin", encoding: str = "utf-8",
               now: datetime | None = None) -> ImportOutcome:
    admin = user_by_name(actor)
    moment = now or datetime.combine(as_of, datetime.min.time(), UTC).replace(hour=2)
    outcome = import_loans(WriteContext(actor=admin, now=moment), admin.sub_branch.branch_id,
                           read_loan_file(loan_csv(rows, encoding)), as_of, source="cli", file_name="test.csv")
    db.session.commit()
    return outcome


def loan_by_number(number: str) -> Loan:
    loan = db.session.scalar(sa.select(Loan).where(Loan.loan_number == number))
    assert loan is not None
    return loan


def checks_of(number: str) -> dict[str, ScheduledCheck]:
    loan = loan_by_number(number)
    return {c.key: c for c in db.session.scalars(sa.select(ScheduledCheck).where(ScheduledCheck.loan_id == loan.id))}


def d(text: str) -> date:
    return date.fromisoformat(text)


def any_value(**kwargs: Any) -> dict[str, Any]:
    return kwargs


def book_loan(number: str = "JJ0001", *, disbursed_days_ago: int = 5, **overrides: str) -> int:
    """One loan in the book through the import, disbursed some days before today (China time); its id."""
    from datetime import timedelta

    from webapp.bank_time import bank_today
    from webapp.postloan.schedule import add_months

    today = bank_today()
    disbursed = today - timedelta(days=disbursed_days_ago)
    row = loan_row(number, disbursed=disbursed.isoformat(), matures=add_months(disbursed, 12).isoformat(),
                   **overrides)
    outcome = run_import([row], as_of=today, now=datetime.now(UTC))
    assert outcome.ok, outcome.problems
    return loan_by_number(number).id
