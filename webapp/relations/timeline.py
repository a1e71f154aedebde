"""A merchant's timeline: visits (with the applications and deals they recorded), post-loan checks, loans,
collection cases and contacts, leads, screening targets and survey answers, newest first, in one list.

Each kind is read through its own scope: a manager who may open the merchant but not its loans (another
manager's borrower) sees the visits, not the loan book.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.labels import CHECK_KIND, CONTACT_CHANNEL, DEAL_PRODUCT, TARGET_OUTCOME, VISIT_KIND, label
from webapp.models import (
    CollectionCase,
    CollectionContact,
    Lead,
    Loan,
    Merchant,
    OffsiteCheck,
    ScheduledCheck,
    ScreeningTarget,
    SurveyResponse,
    User,
    Visit,
)
from webapp.money import yuan
from webapp.scope import (
    case_condition,
    check_condition,
    lead_condition,
    loan_condition,
    target_condition,
    visit_condition,
)

LIMIT = 300


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    url: str | None = None


def _day(value: object) -> datetime:
    """A bank day as the moment it began, so days and instants sort together."""
    return datetime.combine(value, time(0), BANK_ZONE)  # type: ignore[arg-type]


def _visits(user: User, merchant: Merchant) -> list[Entry]:
    entries = []
    for visit in db.session.scalars(sa.select(Visit).where(Visit.merchant_id == merchant.id, visit_condition(user))
                                    .order_by(Visit.started_at.desc()).limit(LIMIT)):
        outcome = visit.outcome or {}
        parts = [outcome.get("next_step") or ""]
        if outcome.get("application"):
            parts.append(_("Application: %(product)s", product=str(outcome["application"].get("product", ""))))
        if outcome.get("deals"):
            parts.append(_("Deals: %(deals)s", deals=", ".join(label(DEAL_PRODUCT, d) for d in outcome["deals"])))
        kind = "deal" if outcome.get("deals") else "application" if outcome.get("application") else "visit"
        entries.append(Entry(visit.started_at, kind, f"{label(VISIT_KIND, visit.kind)} · {visit.lead.display_name}",
                             " · ".join(p for p in parts if p), url_for("visits.show", visit_id=visit.id)))
    return entries


def _loans(user: User, merchant: Merchant) -> list[Entry]:
    entries = []
    loans = list(db.session.scalars(sa.select(Loan).where(Loan.borrower_id == merchant.id, loan_condition(user))))
    for loan in loans:
        url = url_for("loans.show", loan_id=loan.id)
        entries.append(Entry(_day(loan.disbursed_on), "loan", _("Loan %(number)s disbursed", number=loan.loan_number),
                             f"{loan.product} · {yuan(loan.amount_cents)}", url))
        if loan.status == "repaid" and loan.last_repayment_on is not None:
            entries.append(Entry(_day(loan.last_repayment_on), "loan", _("Loan %(number)s repaid",
                                                                        number=loan.loan_number), "", url))
    checks = db.session.scalars(sa.select(ScheduledCheck).join(Loan, Loan.id == ScheduledCheck.loan_id).where(
        Loan.borrower_id == merchant.id, check_condition(user), ScheduledCheck.done_at.is_not(None)))
    for check in checks:
        assert check.done_at is not None
        title = _("Post-loan check done: %(kind)s", kind=label(CHECK_KIND, check.kind))
        entries.append(Entry(check.done_at, "check", title, "", url_for("postloan.check_page", check_id=check.id)))
    offsite = db.session.scalars(sa.select(OffsiteCheck).join(Loan, Loan.id == OffsiteCheck.loan_id).where(
        Loan.borrower_id == merchant.id, loan_condition(user)))
    for record in offsite:
        entries.append(Entry(record.recorded_at, "check", _("Off-site check"), record.repayment_note,
                             url_for("postloan.check_page", check_id=record.check_id)))
    return entries


def _collection(user: User, merchant: Merchant) -> list[Entry]:
    entries = []
    cases = list(db.session.scalars(sa.select(CollectionCase).join(Loan, Loan.id == CollectionCase.loan_id).where(
        Loan.borrower_id == merchant.id, case_condition(user))))
    for case in cases:
        url = url_for("collection.case_page", case_id=case.id)
        entries.append(Entry(case.opened_at, "collection", _("Collection case opened"), case.loan.loan_number, url))
        if case.closed_at is not None:
            entries.append(Entry(case.closed_at, "collection", _("Collection case closed"), case.loan.loan_number, url))
    ids = [case.id for case in cases]
    for contact in db.session.scalars(sa.select(CollectionContact).where(CollectionContact.case_id.in_(ids))):
        entries.append(Entry(contact.contacted_at, "contact", _("Collection contact: %(channel)s",
                                                                channel=label(CONTACT_CHANNEL, contact.channel)),
                             contact.answer, url_for("collection.case_page", case_id=contact.case_id)))
    return entries


def _relations(user: User, merchant: Merchant) -> list[Entry]:
    entries = []
    for lead in db.session.scalars(sa.select(Lead).where(Lead.merchant_id == merchant.id, lead_condition(user))):
        entries.append(Entry(lead.captured_at, "lead", _("Lead at %(activity)s", activity=lead.activity.title),
                             lead.need, url_for("channels.activity", activity_id=lead.activity_id)))
    for target in db.session.scalars(sa.select(ScreeningTarget).where(ScreeningTarget.merchant_id == merchant.id,
                                                                      target_condition(user))):
        entries.append(Entry(target.run.run_at, "screening", _("Screened by %(model)s", model=target.run.model.name),
                             label(TARGET_OUTCOME, target.outcome) + (f" · {target.note}" if target.note else ""),
                             url_for("relations.model", model_id=target.run.model_id)))
    for response in db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.merchant_id == merchant.id)):
        if response.round.survey.sub_branch_id == merchant.sub_branch_id:
            entries.append(Entry(response.answered_at, "survey", _("Survey answered: %(title)s",
                                                                   title=response.round.survey.title), "",
                                 url_for("market.survey", survey_id=response.survey_id)))
    return entries


def timeline(user: User, merchant: Merchant) -> list[Entry]:
    """Everything the user may see about the merchant, newest first."""
    entries = [*_visits(user, merchant), *_loans(user, merchant), *_collection(user, merchant),
               *_relations(user, merchant)]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:LIMIT]
