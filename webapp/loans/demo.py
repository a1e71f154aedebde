"""Demo loans: about 150 loans on the demo's borrowers and customers, disbursed over the last 18 months, put in
through the daily import like a real book, then a history of checks: older ones done (most on time, some late),
recent ones left open, so the demo shows new loans with a first check due, overdue checks and overdue loans."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from webapp.bank_time import BANK_ZONE, bank_today
from webapp.extensions import db
from webapp.loans.importer import import_loans
from webapp.loans.reader import Sheet, SheetRow
from webapp.loans.rows import HEADER_ALIASES
from webapp.models import Merchant, ScheduledCheck, SubBranch, User
from webapp.postloan import tally
from webapp.postloan.schedule import add_months
from webapp.roles import ADMIN, MANAGER
from webapp.write_kernel import WriteContext

TARGET_LOANS = 150
PRODUCTS = ("经营快贷", "商户e贷", "创业担保贷")
PURPOSES = ("进货", "装修门店", "购置设备", "补充流动资金", "支付房租")
METHODS = ("等额本息", "等额本金", "先息后本", "到期一次还本付息")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("芳", "伟", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超")
# Checks due more than this many days ago are history (done), except a share of the last weeks' left overdue.
SETTLED_AFTER_DAYS = 2
LEFT_OVERDUE_SHARE = 0.12
LEFT_OVERDUE_DAYS = 45
FIELDS = ("loan_number", "sub_branch", "merchant_code", "borrower_name", "product", "amount", "balance",
          "disbursed_on", "matures_on", "term_months", "repayment_method", "purpose", "manager", "status",
          "days_past_due", "overdue_amount", "last_repayment_on", "spouse_name", "spouse_phone", "guarantor_name",
          "guarantor_phone", "market_manager_name", "market_manager_phone")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _borrowers() -> list[tuple[Merchant, User]]:
    rows = db.session.execute(
        sa.select(Merchant, User).join(User, User.id == Merchant.owner_id)
        .where(Merchant.status.in_(("borrower", "customer")), Merchant.code.is_not(None), User.role == MANAGER)
        .order_by(Merchant.status.desc(), Merchant.code)).all()
    return [(m, u) for m, u in rows]


def _row(number: str, merchant: Merchant, manager: User, disbursed: date, today: date,
         rng: random.Random, *, force_status: str | None = None) -> dict[str, str]:
    term = rng.choice((6, 6, 12, 12, 12, 24))
    matures = add_months(disbursed, term)
    amount = rng.randrange(5, 51) * 10_000
    elapsed = max(0.0, min(1.0, (today - disbursed).days / max(1, (matures - disbursed).days)))
    status, dpd, overdue = "正常", 0, 0
    if matures <= today:
        status = "结清"
    elif force_status == "overdue" or (force_status is None and rng.random() < 0.06):
        status, dpd = "逾期", rng.choice((3, 8, 15, 35, 62))
        overdue = round(amount / term * max(1, dpd // 30 + 1))
    balance = 0 if status == "结清" else round(amount * (1 - elapsed * 0.9))
    last_paid = min(today, disbursed + timedelta(days=30 * max(1, int(elapsed * term)))) - timedelta(days=dpd)
    sub_code = merchant.sub_branch.code
    values = {
        "loan_number": number, "sub_branch": sub_code, "merchant_code": merchant.code or "",
        "borrower_name": merchant.name, "product": rng.choice(PRODUCTS), "amount": f"{amount:.2f}",
        "balance": f"{balance:.2f}", "disbursed_on": disbursed.isoformat(), "matures_on": matures.isoformat(),
        "term_months": str(term), "repayment_method": rng.choice(METHODS), "purpose": rng.choice(PURPOSES),
        "manager": manager.username, "status": status, "days_past_due": str(dpd) if dpd else "",
        "overdue_amount": f"{overdue:.2f}" if overdue else "",
        "last_repayment_on": last_paid.isoformat() if last_paid > disbursed else "",
        "spouse_name": "", "spouse_phone": "", "guarantor_name": "", "guarantor_phone": "",
        "market_manager_name": "", "market_manager_phone": "",
    }
    for relation, share in (("spouse", 0.6), ("guarantor", 0.3), ("market_manager", 0.2)):
        if rng.random() < share:
            values[f"{relation}_name"], values[f"{relation}_phone"] = _person(rng), _phone(rng)
    return values


def _sheet(rows: list[dict[str, str]]) -> Sheet:
    header = {field: next(label for label, name in HEADER_ALIASES.items() if name == field and label != field)
              for field in FIELDS}
    return Sheet(kind="csv", encoding="utf-8", headers=list(header.values()),
                 rows=[SheetRow(i + 2, [row[field] for field in FIELDS]) for i, row in enumerate(rows)])


def seed_demo_loans(now: datetime | None = None, seed: int = 11) -> int:
    """Import the demo book and settle its older checks; the caller commits. Returns the number of loans."""
    now = now or datetime.now(UTC)
    today = bank_today(now)
    rng = random.Random(seed)
    pairs = _borrowers()
    if not pairs:
        return 0
    rows: list[dict[str, str]] = []
    first_due_for = {u.username for _m, u in pairs}  # every manager gets one new loan with its first check due
    index = 0
    while len(rows) < TARGET_LOANS:
        merchant, manager = pairs[index % len(pairs)]
        index += 1
        if manager.username in first_due_for:
            first_due_for.discard(manager.username)
            disbursed = today - timedelta(days=rng.randrange(2, 9))
            rows.append(_row(f"DK{len(rows) + 1:06d}", merchant, manager, disbursed, today, rng, force_status="normal"))
            continue
        disbursed = today - timedelta(days=rng.randrange(10, 540))
        rows.append(_row(f"DK{len(rows) + 1:06d}", merchant, manager, disbursed, today, rng))
    admin = db.session.scalar(sa.select(User).where(User.role == ADMIN).order_by(User.id).limit(1))
    branch_id = db.session.scalar(sa.select(SubBranch.branch_id).limit(1))
    assert admin is not None and branch_id is not None
    outcome = import_loans(WriteContext(actor=admin, now=now), branch_id, _sheet(rows), today, source="demo",
                           file_name="demo")
    if not outcome.ok:
        raise RuntimeError(f"demo loans: {outcome.problems[:3]}")
    _settle_history(today, rng)
    return len(rows)


def _settle_history(today: date, rng: random.Random) -> None:
    """Checks due well before today are history: most done on time, some late, a few waived."""
    cutoff = today - timedelta(days=SETTLED_AFTER_DAYS)
    checks = list(db.session.scalars(sa.select(ScheduledCheck).where(ScheduledCheck.status == "open",
                                                                     ScheduledCheck.due_on < cutoff)))
    recent = today - timedelta(days=LEFT_OVERDUE_DAYS)
    for check in checks:
        if check.kind != "trigger" and check.due_on > recent and rng.random() < LEFT_OVERDUE_SHARE:
            continue
        roll = rng.random()
        if roll < 0.04:
            check.status, check.waive_reason = "waived", "客户外出务工，已电话核实经营正常"
            check.waived_at = datetime.combine(check.due_on, time(10), BANK_ZONE).astimezone(UTC)
            check.waived_by_id = check.assignee_id
            continue
        late = roll > 0.85
        done_on = min(today, check.due_on + timedelta(days=rng.randrange(1, 12))) if late else \
            max(check.window_start, check.due_on - timedelta(days=rng.randrange(0, 6)))
        check.status, check.done_on, check.done_by_id = "done", done_on, check.assignee_id
        check.done_at = datetime.combine(done_on, time(15), BANK_ZONE).astimezone(UTC)
    db.session.flush()
    tally.recount({(c.sub_branch_id, c.due_on) for c in checks})
