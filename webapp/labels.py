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
        metric_label=lambda code: metric_label(code),
        period_label=lambda code: _label(TARGET_PERIOD, code),
        miss_reason_label=lambda code: _label(MISS_REASON, code),
        item_kind_label=lambda code: _label(MEETING_ITEM_KIND, code),
        focus_kind_label=lambda code: _label(FOCUS_KIND, code),
        risk_kind_label=lambda code: _label(RISK_KIND, code),
        scheme_state_label=lambda code: _label(SCHEME_STATE, code),
        scheme_scope_label=lambda code: _label(SCHEME_SCOPE, code),
        rule_type_label=lambda code: _label(RULE_TYPE, code),
        honour_label=lambda code: _label(HONOUR_CATEGORY, code),
        talk_rating_label=lambda code: _label(TALK_RATING, code),
        definition_label=lambda code: _label(DEFINITION_CHOICE, code),
        weekday_label=lambda code: _label(WEEKDAY, str(code)),
        credit_label=lambda code: _label(CREDIT, code),
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
    "talk_action": _l("Action agreed at a talk"),
    "talk_suggested": _l("Performance talk suggested"),
}

# Meetings and metrics (webapp.meetings, webapp.metrics).
METRIC = {
    "consultations": _l("Consultations"),
    "applications": _l("Applications"),
    "deals": _l("Deals"),
    "application_rate": _l("Applications / consultations"),
    "deal_rate": _l("Deals / applications"),
}
TARGET_PERIOD = {"day": _l("Day"), "week": _l("Week"), "month": _l("Month")}
MISS_REASON = {
    "merchants_absent": _l("Merchants closed or owners away"),
    "weather": _l("Weather"),
    "internal_work": _l("Internal work or meetings"),
    "on_duty": _l("On duty at the branch"),
    "leave": _l("Leave"),
    "long_visits": _l("In-depth visits took the day"),
    "target_too_high": _l("Target too high"),
    "other": _l("Other"),
}
MEETING_ITEM_KIND = {
    "news": _l("Business news and regulations"),
    "policy": _l("Our latest policy"),
    "success_story": _l("Success story"),
    "tip": _l("Tip of the day"),
    "role_play": _l("Role-play topic"),
    "experience": _l("What worked today"),
    "market_news": _l("Market and peer news"),
    "lesson": _l("Lesson of the day"),
    "recognition": _l("Recognition"),
    "success_case": _l("Success case"),
    "plan": _l("Next week's plan"),
}
FOCUS_KIND = {"sweep_day": _l("Sweep day"), "follow_up": _l("Follow-ups"),
              "post_loan": _l("Post-loan checks due"), "collection": _l("Collection deadlines")}
RISK_KIND = {"post_loan_finding": _l("Post-loan finding"), "risk_warning": _l("Risk warning"),
             "collection": _l("Collection case")}
SCHEME_STATE = {"draft": _l("Draft"), "proposed": _l("Waiting for the branch"), "approved": _l("Approved"),
                "rejected": _l("Rejected")}
SCHEME_SCOPE = {"branch": _l("The whole branch"), "sub_branch": _l("The sub-branch"), "team": _l("The team")}
RULE_TYPE = {"points": _l("Points per unit"), "threshold": _l("Bonus at a threshold"),
             "team_bonus": _l("Team bonus")}
HONOUR_CATEGORY = {"most_consultations": _l("Most consultations"), "best_conversion": _l("Best conversion"),
                   "most_cross_sold": _l("Most cross-sold services")}
TALK_RATING = {"knowledge_ours": _l("Knowledge of our products"),
               "knowledge_peers": _l("Knowledge of competitors' products"),
               "sales_skill": _l("Sales-skill maturity"), "morale": _l("Morale")}
DEFINITION_CHOICE = {
    "effective": _l("Visits marked effective"),
    "verified_effective": _l("Effective visits with a verified check-in"),
    "any_visit": _l("Every visit"),
    "confirmed": _l("Lead, and members who confirmed"),
    "lead_only": _l("Lead only"),
    "named": _l("Everyone named in the squad"),
    "auto": _l("The loan book once installed, else the visits"),
    "visits": _l("What the visits recorded"),
    "loan_book": _l("The loan book"),
}
WEEKDAY = {"0": _l("Mon"), "1": _l("Tue"), "2": _l("Wed"), "3": _l("Thu"), "4": _l("Fri"), "5": _l("Sat"),
           "6": _l("Sun")}
CREDIT = {"lead": _l("Lead"), "confirmed": _l("Confirmed member"), "named": _l("Named, not confirmed")}


def metric_label(code: str | None) -> str:
    """A target metric: the three figures, the rates, or deals of one product ("deals.credit_card")."""
    if code and code.startswith("deals."):
        return str(DEAL_PRODUCT.get(code.split(".", 1)[1], code))
    return _label(METRIC, code)

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
