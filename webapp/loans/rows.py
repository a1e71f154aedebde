"""The columns of the daily loan file and the check of one row: cell text in, a clean loan row or errors out.

Headers may be written in Chinese as the core system exports them, or in English. Amounts are yuan with
up to two decimals (thousands separators allowed) and become whole fen.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from webapp.models import PERSON_RELATIONS

# Header text -> field.
HEADER_ALIASES: dict[str, str] = {
    "借据号": "loan_number", "借据编号": "loan_number", "loan_number": "loan_number",
    "支行": "sub_branch", "支行编号": "sub_branch", "sub_branch": "sub_branch",
    "商户编号": "merchant_code", "客户编号": "merchant_code", "merchant_code": "merchant_code",
    "借款人": "borrower_name", "客户名称": "borrower_name", "borrower_name": "borrower_name",
    "借款人电话": "borrower_phone", "联系电话": "borrower_phone", "borrower_phone": "borrower_phone",
    "产品": "product", "产品名称": "product", "product": "product",
    "贷款金额": "amount", "合同金额": "amount", "amount": "amount",
    "贷款余额": "balance", "余额": "balance", "balance": "balance",
    "放款日期": "disbursed_on", "发放日期": "disbursed_on", "disbursed_on": "disbursed_on",
    "到期日期": "matures_on", "到期日": "matures_on", "matures_on": "matures_on",
    "期限(月)": "term_months", "期限（月）": "term_months", "期限": "term_months",
    "term_months": "term_months",
    "还款方式": "repayment_method", "repayment_method": "repayment_method",
    "用途": "purpose", "贷款用途": "purpose", "purpose": "purpose",
    "客户经理": "manager", "manager": "manager",
    "状态": "status", "贷款状态": "status", "status": "status",
    "逾期天数": "days_past_due", "days_past_due": "days_past_due",
    "逾期金额": "overdue_amount", "overdue_amount": "overdue_amount",
    "最近还款日": "last_repayment_on", "最近还款日期": "last_repayment_on",
    "last_repayment_on": "last_repayment_on",
    "配偶姓名": "spouse_name", "spouse_name": "spouse_name",
    "配偶电话": "spouse_phone", "spouse_phone": "spouse_phone",
    "共同借款人": "co_borrower_name", "co_borrower_name": "co_borrower_name",
    "共同借款人电话": "co_borrower_phone", "co_borrower_phone": "co_borrower_phone",
    "担保人": "guarantor_name", "guarantor_name": "guarantor_name",
    "担保人电话": "guarantor_phone", "guarantor_phone": "guarantor_phone",
    "市场管理方": "market_manager_name", "market_manager_name": "market_manager_name",
    "市场管理方电话": "market_manager_phone", "market_manager_phone": "market_manager_phone",
    "主要联系人": "main_contact_name", "main_contact_name": "main_contact_name",
    "主要联系人电话": "main_contact_phone", "main_contact_phone": "main_contact_phone",
}
# Every field a row can have, in a fixed order: the raw row hash covers them all.
HASHED_FIELDS = tuple(dict.fromkeys(HEADER_ALIASES.values()))
REQUIRED = ("loan_number", "sub_branch", "merchant_code", "product", "amount", "balance", "disbursed_on",
            "matures_on", "term_months", "repayment_method", "manager", "status")
STATUS_WORDS = {"正常": "normal", "逾期": "overdue", "结清": "repaid", "已结清": "repaid",
                "核销": "written_off",
                "已核销": "written_off"}
METHOD_WORDS = {"等额本息": "equal_installment", "等额本金": "equal_principal", "先息后本": "interest_first",
                "按月付息到期还本": "interest_first", "到期一次还本付息": "bullet", "利随本清": "bullet",
                "其他": "other"}
LIMITS = {"loan_number": 40, "merchant_code": 40, "borrower_name": 100, "product": 40, "purpose": 200,
          "person_name": 40, "phone": 20}
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
MAX_CENTS = 10**14


@dataclass(frozen=True)
class PersonRow:
    relation: str
    name: str
    phone: str


@dataclass(frozen=True)
class LoanRow:
    row: int
    loan_number: str
    sub_branch: str
    merchant_code: str
    borrower_name: str
    borrower_phone: str
    product: str
    amount_cents: int
    balance_cents: int
    disbursed_on: date
    matures_on: date
    term_months: int
    repayment_method: str
    purpose: str
    manager: str
    status: str
    days_past_due: int
    overdue_cents: int
    last_repayment_on: date | None
    persons: tuple[PersonRow, ...] = field(default_factory=tuple)
    digest: str = ""  # the raw row hash (webapp.loans.importer.raw_hash)


def header_field(label: str) -> str | None:
    return HEADER_ALIASES.get(label) or HEADER_ALIASES.get(label.lower())


def aliases_of(name: str) -> str:
    return ", ".join(label for label, key in HEADER_ALIASES.items() if key == name)


_DATE = re.compile(r"^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})$")


def parse_date(text: str) -> date | None:
    """2026-03-15, 2026/3/15, 2026.03.15 or 20260315 (a nightly file has a few hundred thousand of them)."""
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_cents(text: str) -> int | None:
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    cents = int(value * 100)
    return cents if cents < MAX_CENTS else None


def _int(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def check_row(number: int, values: dict[str, str], errors: list[tuple[int, str, str]]) -> LoanRow | None:
    """A clean row, or None with its problems appended as (row, field, message)."""
    found: list[tuple[int, str, str]] = []

    def bad(name: str, message: str) -> None:
        found.append((number, name, message))

    def text(name: str, limit: int | None = None) -> str:
        value = values.get(name, "")
        if name in REQUIRED and not value:
            bad(name, _("Missing."))
        elif limit is not None and len(value) > limit:
            bad(name, _("Longer than %(limit)s characters.", limit=limit))
        return value

    loan_number = text("loan_number", LIMITS["loan_number"])
    sub_branch, merchant_code = text("sub_branch", 32), text("merchant_code", LIMITS["merchant_code"])
    borrower_name, product = text("borrower_name", LIMITS["borrower_name"]), text("product", LIMITS["product"])
    borrower_phone = text("borrower_phone", LIMITS["phone"])
    if borrower_phone and not PHONE_RE.match(borrower_phone):
        bad("borrower_phone", _("Not a phone number."))
    purpose, manager = text("purpose", LIMITS["purpose"]), text("manager", 64).lower()
    cents: dict[str, int] = {}
    for name in ("amount", "balance", "overdue_amount"):
        raw = text(name)
        if not raw:
            cents[name] = 0
            continue
        parsed = parse_cents(raw)
        if parsed is None:
            bad(name, _("Not an amount in yuan (up to two decimals)."))
        cents[name] = parsed or 0
    if cents["amount"] == 0 and values.get("amount"):
        bad("amount", _("The loan amount must be more than zero."))
    days: dict[str, date | None] = {}
    for name in ("disbursed_on", "matures_on", "last_repayment_on"):
        raw = text(name)
        days[name] = parse_date(raw) if raw else None
        if raw and days[name] is None:
            bad(name, _("Not a date such as 2026-03-15."))
    if days["disbursed_on"] and days["matures_on"] and days["matures_on"] <= days["disbursed_on"]:
        bad("matures_on", _("Matures before it was disbursed."))
    term = _int(text("term_months"), 1, 360) if values.get("term_months") else None
    if values.get("term_months") and term is None:
        bad("term_months", _("Not a term of 1 to 360 months."))
    method_word = text("repayment_method")
    method = METHOD_WORDS.get(method_word, method_word.lower())
    if method_word and method not in METHOD_WORDS.values():
        bad("repayment_method",
            _("Not a known repayment method. Use one of: %(words)s.", words=", ".join(METHOD_WORDS)))
    status_word = text("status")
    status = STATUS_WORDS.get(status_word, status_word.lower())
    if status_word and status not in STATUS_WORDS.values():
        bad("status", _("Not a known status. Use one of: %(words)s.", words="正常, 逾期, 结清, 核销"))
    dpd = 0
    if values.get("days_past_due"):
        parsed_dpd = _int(values["days_past_due"], 0, 100_000)
        if parsed_dpd is None:
            bad("days_past_due", _("Not a number of days."))
        dpd = parsed_dpd or 0
    if status == "overdue" and dpd == 0 and cents["overdue_amount"] == 0:
        bad("status", _("An overdue loan needs its days past due or overdue amount."))
    persons = _persons(values, bad)
    if found:
        errors.extend(found)
        return None
    assert days["disbursed_on"] and days["matures_on"] and term is not None
    return LoanRow(
        row=number, loan_number=loan_number, sub_branch=sub_branch, merchant_code=merchant_code,
        borrower_name=borrower_name, borrower_phone=borrower_phone, product=product,
        amount_cents=cents["amount"], balance_cents=cents["balance"], disbursed_on=days["disbursed_on"],
        matures_on=days["matures_on"], term_months=term, repayment_method=method, purpose=purpose, manager=manager,
        status=status, days_past_due=dpd if status == "overdue" else 0,
        overdue_cents=cents["overdue_amount"] if status == "overdue" else 0,
        last_repayment_on=days["last_repayment_on"], persons=persons,
    )


def _persons(values: dict[str, str], report: Callable[[str, str], None]) -> tuple[PersonRow, ...]:
    persons = []
    for relation in PERSON_RELATIONS:
        name, phone = values.get(f"{relation}_name", ""), values.get(f"{relation}_phone", "")
        if not name and not phone:
            continue
        if not name:
            report(f"{relation}_name", _("A phone without a name."))
            continue
        if len(name) > LIMITS["person_name"]:
            report(f"{relation}_name", _("Longer than %(limit)s characters.", limit=LIMITS["person_name"]))
        if phone and not PHONE_RE.match(phone):
            report(f"{relation}_phone", _("Not a phone number."))
        persons.append(PersonRow(relation, name, phone))
    return tuple(persons)
