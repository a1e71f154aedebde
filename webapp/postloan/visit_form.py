"""What the visit form shows for a post-loan check: the borrower's loans and open on-site checks to link, the
choices of the checklist, and the last check's inventory photos to hold beside the camera."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import PERSON_KINDS, Loan, Merchant, Photo, ScheduledCheck, User, Visit
from webapp.postloan.visit_payload import CONTACT_MODES, FORM_PERSON_ROWS, INVENTORY_COMPARISONS
from webapp.scope import loan_condition, visit_condition


@dataclass
class PostLoanForm:
    loans: list[Loan]
    checks: list[ScheduledCheck]
    selected_loan_id: str
    selected_check_id: str
    previous_inventory: list[Photo]
    choices: dict[str, Any] = field(default_factory=dict)


def post_loan_form(user: User, merchant: Merchant, form: Mapping[str, str]) -> PostLoanForm:
    loans = list(db.session.scalars(sa.select(Loan).where(
        Loan.borrower_id == merchant.id, Loan.status.in_(("normal", "overdue")), loan_condition(user))
        .order_by(Loan.disbursed_on.desc())))
    checks = list(db.session.scalars(sa.select(ScheduledCheck).where(
        ScheduledCheck.loan_id.in_([loan.id for loan in loans]), ScheduledCheck.mode == "onsite",
        sa.or_(ScheduledCheck.status == "open", ScheduledCheck.id == _int(form.get("post_loan_check_id"))))
        .order_by(ScheduledCheck.due_on))) if loans else []
    check_id = form.get("post_loan_check_id", "")
    loan_id = form.get("post_loan_loan_id", "")
    chosen = next((c for c in checks if str(c.id) == check_id), None)
    if not loan_id:
        loan_id = str(chosen.loan_id) if chosen else (str(loans[0].id) if len(loans) == 1 else "")
    return PostLoanForm(
        loans=loans, checks=checks, selected_loan_id=loan_id, selected_check_id=check_id if chosen else "",
        previous_inventory=_previous_inventory(user, merchant),
        choices={"inventory": INVENTORY_COMPARISONS, "contact": CONTACT_MODES, "persons": PERSON_KINDS,
                 "rows": range(FORM_PERSON_ROWS)},
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


def _previous_inventory(user: User, merchant: Merchant) -> list[Photo]:
    """The inventory photos of the merchant's last post-loan visit the user may see."""
    last = db.session.scalar(
        sa.select(Visit).where(visit_condition(user), Visit.merchant_id == merchant.id, Visit.kind == "post_loan",
                               Visit.id.in_(sa.select(Photo.visit_id).where(Photo.category == "inventory")))
        .order_by(Visit.started_at.desc()).limit(1))
    return [p for p in last.photos if p.category == "inventory"][:6] if last is not None else []
