"""Display names of the codes stored in the database, translated at render time."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

MERCHANT_STATUS = {
    "prospect": _l("Prospect"),
    "applicant": _l("Applicant"),
    "customer": _l("Customer"),
    "borrower": _l("Borrower"),
}
LOCATION_SOURCE = {
    "import": _l("imported"),
    "checkin": _l("from a verified check-in"),
    "admin": _l("set by an admin"),
}
ROLE = {
    "manager": _l("Customer manager"),
    "team_lead": _l("Team lead"),
    "reviewer": _l("Reviewer"),
    "admin": _l("Admin"),
}

VISIT_KIND = {
    "marketing": _l("Marketing visit"),
    "post_loan": _l("Post-loan inspection"),
    "collection": _l("Collection contact"),
}
SQUAD_ROLE = {
    "lead": _l("Lead"),
    "support": _l("Support"),
    "observer": _l("Observer"),
}
CHECKIN_STATUS = {
    "verified": _l("Verified"),
    "outside_geofence": _l("Outside the geofence"),
    "unverifiable": _l("Unverifiable"),
}
FLAG_CODE = {
    "outside_geofence": _l("Check-in outside the geofence"),
    "low_accuracy": _l("Imprecise or missing location"),
    "mock_location_suspected": _l("Possibly a faked location"),
    "impossible_travel": _l("Impossible travel speed"),
    "clock_skew": _l("Phone clock differs from the server"),
    "photo_reused": _l("Photo seen before"),
    "photo_exif_far": _l("Photo taken far from the merchant"),
    "photo_old": _l("Photo taken long before the visit"),
    "squad_not_copresent": _l("Squad member not with the lead"),
    "squad_single_device": _l("One phone for several squad members"),
}
PHOTO_CATEGORY = {
    "premises": _l("Premises"),
    "inventory": _l("Inventory"),
    "residence": _l("Residence"),
    "related_person": _l("Related person"),
    "document": _l("Document"),
}
DEAL_PRODUCT = {
    "loan": _l("Loan"),
    "pension_account": _l("Personal pension account"),
    "credit_card": _l("Credit card"),
    "wealth_product": _l("Wealth product"),
    "bill_payment": _l("Bill payment"),
    "aggregated_qr": _l("Aggregated QR payment"),
    "merchant_acquiring": _l("Merchant acquiring"),
    "account_opening": _l("Account opening"),
}
OPERATING_STATE = {
    "normal": _l("Operating normally"),
    "reduced": _l("Reduced activity"),
    "suspended": _l("Suspended"),
    "closed": _l("Closed"),
}
INVENTORY_LEVEL = {
    "full": _l("Full"),
    "normal": _l("Normal"),
    "low": _l("Low"),
    "empty": _l("Empty"),
}
FIXED_ASSETS = {
    "unchanged": _l("Unchanged"),
    "increased": _l("Increased"),
    "decreased": _l("Decreased"),
}
PROPOSAL_STATUS = {
    "pending": _l("Waiting for the team lead"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
    "superseded": _l("Superseded"),
}


def _label(table: dict[str, object], code: str | None) -> str:
    return str(table.get(code or "", code or ""))


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        merchant_status_label=lambda code: _label(MERCHANT_STATUS, code),
        location_source_label=lambda code: _label(LOCATION_SOURCE, code),
        role_label=lambda code: _label(ROLE, code),
        visit_kind_label=lambda code: _label(VISIT_KIND, code),
        squad_role_label=lambda code: _label(SQUAD_ROLE, code),
        checkin_status_label=lambda code: _label(CHECKIN_STATUS, code),
        flag_label=lambda code: _label(FLAG_CODE, code),
        photo_category_label=lambda code: _label(PHOTO_CATEGORY, code),
        deal_product_label=lambda code: _label(DEAL_PRODUCT, code),
        operating_state_label=lambda code: _label(OPERATING_STATE, code),
        inventory_level_label=lambda code: _label(INVENTORY_LEVEL, code),
        fixed_assets_label=lambda code: _label(FIXED_ASSETS, code),
        proposal_status_label=lambda code: _label(PROPOSAL_STATUS, code),
        inbox_kind_label=lambda code: _label(INBOX_KIND, code),
        collection_label=lambda table, code: _label(COLLECTION_LABELS[table], code),
    )

# Why a stop is on a manager's Today list (webapp.today); used by the Today templates.
TODAY_REASON = {
    "sweep": _l("Sweep day"),
    "follow_up": _l("Follow-up due"),
    "post_loan": _l("Post-loan check due"),
}

# What an inbox item asks for (webapp.inbox): every source's kind has a label here.
INBOX_KIND = {
    "visit_sent_back": _l("Visit sent back"),
    "squad_confirmation": _l("Squad confirmation"),
    "collection_case_opened": _l("New collection case"),
    "collection_first_contact_missed": _l("First contact missed"),
    "collection_first_contact_late": _l("First contact late"),
    "collection_decision_recorded": _l("Committee decision"),
    "collection_case_closed": _l("Collection case closed"),
    "collection_first_contact": _l("First contact due"),
    "collection_follow_up": _l("Follow-up due"),
    "collection_report_review": _l("Overdue report to review"),
    "collection_report_returned": _l("Overdue report returned"),
    "collection_update_due": _l("Progress update due"),
    "collection_action": _l("Committee action"),
}

# Branch review (webapp.review): the review state of a visit, the actions in its audit trail, flag decisions.
REVIEW_STATE = {
    "received": _l("Received"),
    "approved": _l("Approved"),
    "sent_back": _l("Sent back"),
    "rejected": _l("Rejected"),
}
REVIEW_ACTION = {
    "approve": _l("Approved"),
    "send_back": _l("Sent back"),
    "reject": _l("Rejected"),
    "resubmit": _l("Resubmitted"),
    "dismiss_flag": _l("Flag dismissed"),
    "confirm_flag": _l("Flag confirmed"),
}
FLAG_DECISION = {
    "dismissed": _l("Dismissed"),
    "confirmed": _l("Confirmed"),
}

# Collection (webapp.collection): every code of a case, a contact, a promise, a report and a decision.
COLLECTION_LABELS: dict[str, dict[str, object]] = {
    "case_status": {"open": _l("Open"), "closed": _l("Closed")},
    "open_reason": {"book": _l("Opened by the loan book"), "manual": _l("Opened by hand")},
    "close_reason": {
        "current": _l("Loan current again"),
        "settled": _l("Loan settled"),
        "restructured": _l("Restructured (committee)"),
        "legal_action": _l("Transferred to legal action (committee)"),
        "written_off": _l("Written off"),
    },
    "loan_status": {"normal": _l("Current"), "overdue": _l("Overdue"), "repaid": _l("Repaid"),
                    "written_off": _l("Written off")},
    "channel": {"phone": _l("Phone call"), "visit": _l("Visit"), "message": _l("Message")},
    "person": {
        "borrower": _l("Borrower"),
        "spouse": _l("Spouse"),
        "co_borrower": _l("Co-borrower"),
        "guarantor": _l("Guarantor"),
        "market_manager": _l("Market manager"),
        "main_contact": _l("Main contact"),
        "other": _l("Someone else"),
    },
    "cause": {
        "business_downturn": _l("Business downturn"),
        "illness": _l("Illness"),
        "family_dispute": _l("Family dispute"),
        "fraud_suspected": _l("Fraud suspected"),
        "unwilling_to_pay": _l("Unwilling to pay"),
        "funds_delayed": _l("Funds delayed (customers paying late)"),
        "forgot": _l("Forgot the due date"),
        "other": _l("Other"),
    },
    "method": {
        "bank_transfer": _l("Bank transfer"),
        "counter": _l("At the counter"),
        "auto_debit": _l("Automatic debit"),
        "mobile_banking": _l("Mobile banking"),
        "other": _l("Other"),
    },
    "promise_status": {"open": _l("Waiting for the date"), "kept": _l("Kept"), "broken": _l("Broken")},
    "deadline": {"pending": _l("Due"), "on_time": _l("On time"), "late": _l("Late"), "missed": _l("Missed")},
    "report_status": {
        "draft": _l("Draft"),
        "submitted": _l("With the team lead"),
        "returned": _l("Returned for rework"),
        "accepted": _l("Ready for the committee"),
        "presented": _l("Presented to the committee"),
    },
    "proposal": {
        "reminder_plan": _l("Reminder plan"),
        "restructure": _l("Restructure"),
        "extension": _l("Extension"),
        "legal_action": _l("Legal action"),
        "write_off": _l("Write-off"),
    },
    "outcome": {
        "continue": _l("Continue collecting (reminder plan)"),
        "restructure": _l("Restructure"),
        "extension": _l("Extension"),
        "legal_action": _l("Transfer to legal action"),
        "write_off": _l("Write off"),
    },
    "action_status": {"open": _l("Open"), "done": _l("Done")},
    "warning_rule": {
        "business_reduced": _l("Business reduced"),
        "business_suspended": _l("Business suspended"),
        "business_closed": _l("Business closed"),
        "inventory_drop": _l("Inventory dropped"),
        "fixed_assets_decreased": _l("Fixed assets decreased"),
        "borrower_moved": _l("Borrower moved"),
        "person_unreachable": _l("Related person unreachable"),
        "funds_diverted": _l("Funds used otherwise"),
        "repayment_late": _l("Repayment late"),
        "adverse_web_finding": _l("Adverse information found online"),
    },
    "warning_level": {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")},
    "classification": {"normal": _l("Normal"), "special_mention": _l("Special mention"),
                       "substandard": _l("Substandard"), "doubtful": _l("Doubtful"), "loss": _l("Loss")},
    "event": {
        "opened": _l("Case opened"),
        "escalated": _l("Escalated to the superiors"),
        "contact": _l("Contact recorded"),
        "visit_linked": _l("Collection visit"),
        "promise_kept": _l("Promise kept"),
        "promise_broken": _l("Promise broken"),
        "owner_changed": _l("Owner changed by the loan book"),
        "report_saved": _l("Overdue report saved"),
        "report_submitted": _l("Overdue report submitted"),
        "report_returned": _l("Overdue report returned"),
        "report_accepted": _l("Overdue report forwarded to the committee"),
        "presented": _l("Presented to the credit committee"),
        "decision": _l("Committee decision"),
        "action_done": _l("Action done"),
        "progress": _l("Progress update"),
        "closed": _l("Case closed"),
        "noted": _l("Noted"),
    },
}
