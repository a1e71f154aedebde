"""Labels of the field work's codes: merchants, roles, visits and their check-ins, flags and photos, location
proposals, Today's reasons, inbox items, and the branch review."""
from __future__ import annotations

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
    "preloan_photo_reused": _l("Pre-loan photo used for a post-loan check"),
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
    "location_proposal": _l("Location proposal"),
    "sweep_day": _l("Sweep day"),
    "talk_action": _l("Action agreed at a talk"),
    "talk_suggested": _l("Performance talk suggested"),
    "postloan_check": _l("Post-loan check"),
    "risk_warning": _l("Risk warning"),
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
    "lead_assigned": _l("New lead to contact"),
    "fading_customer": _l("Fading customer"),
    "screening_target": _l("Screening target"),
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
    "reopen": _l("Changed after the decision: back in review"),
    "dismiss_flag": _l("Flag dismissed"),
    "confirm_flag": _l("Flag confirmed"),
}
FLAG_DECISION = {
    "dismissed": _l("Dismissed"),
    "confirmed": _l("Confirmed"),
}

# Photos the server holds outside a visit (webapp.sync.held), as the admin's held-photo page names them.
HELD_PHOTO_STATE = {
    "held": _l("Waiting for its visit"),
    "attached": _l("Attached"),
    "rejected": _l("Not attached"),
    "superseded": _l("Superseded by another upload"),
    "expired": _l("Expired"),
}
