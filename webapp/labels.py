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
    "photo_reused": _l("Reused photo (a copy)"),
    "photo_same_scene": _l("Same scene photographed before"),
    "photo_camera_changed": _l("Photos from another camera the same day"),
    "checkin_accuracy_repeated": _l("Check-in accuracy repeated to the decimal"),
    "report_copied": _l("Copied report"),
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
