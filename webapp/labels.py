"""Display names of the codes stored in the database, translated at render time: one table per code list.

``label(TABLE, code)`` is the one lookup (a code the table lacks shows as itself, never as an empty cell);
``labeller(TABLE)`` is the same as a callable for a template. ``LABELLED_CODES`` pairs every code list with
its table, and a test proves each code has a label in both languages.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import partial

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.meetings.hooks import FOCUS_KINDS, RISK_KINDS
from webapp.metrics.definitions import (
    BASE_METRICS,
    CONSULTATION_RULES,
    LOAN_DEAL_SOURCES,
    RATE_METRICS,
    SQUAD_CREDIT_RULES,
)
from webapp.models import (
    CHECKIN_STATUSES,
    FLAG_CODES,
    LOCATION_SOURCES,
    MERCHANT_STATUSES,
    PHOTO_CATEGORIES,
    PROPOSAL_STATUSES,
    SQUAD_ROLES,
    VISIT_KINDS,
    SweepSquad,
)
from webapp.models.meetings import ITEM_KINDS, MISS_REASONS, TARGET_PERIODS
from webapp.models.metrics import CREDITS
from webapp.models.people import HONOUR_CATEGORIES, RULE_TYPES, SCHEME_SCOPES, SCHEME_STATES, TALK_RATINGS
from webapp.models.review import AUDIT_ACTIONS, FLAG_DECISIONS, REVIEW_STATES
from webapp.roles import ROLES
from webapp.today.worklist import REASON_ORDER
from webapp.visits.payload import DEAL_PRODUCTS, FIXED_ASSET_STATES, INVENTORY_LEVELS, OPERATING_STATES

LabelTable = Mapping[str, str]

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


def label(table: LabelTable, code: str | None) -> str:
    """The display name of ``code``; the code itself when the table has none."""
    return str(table.get(code or "", code or ""))


def labeller(table: LabelTable) -> Callable[[str | None], str]:
    """``label`` bound to one table, for a template that shows codes of one list."""
    return partial(label, table)


def squad_name(number: int | None) -> str:
    """A sweep squad by its number, or the bucket of merchants no squad has yet."""
    return _("Squad %(number)d", number=number) if number is not None else _("Unassigned")


def sweep_squad_name(squad: SweepSquad | None) -> str:
    return squad_name(squad.number if squad is not None else None)


def metric_label(code: str | None) -> str:
    """A target metric: the three figures, the rates, or deals of one product ("deals.credit_card")."""
    if code and code.startswith("deals."):
        return label(DEAL_PRODUCT, code.split(".", 1)[1])
    return label(METRIC, code)


def weekday_label(day: int | str | None) -> str:
    """A weekday by its Python number (Monday is 0), as the boards' day columns show it."""
    return label(WEEKDAY, None if day is None else str(day))


# Every code list the database stores, with the table that names its codes.
LABELLED_CODES: dict[str, tuple[Collection[str], LabelTable]] = {
    "merchant status": (MERCHANT_STATUSES, MERCHANT_STATUS),
    "location source": (LOCATION_SOURCES, LOCATION_SOURCE),
    "role": (ROLES, ROLE),
    "visit kind": (VISIT_KINDS, VISIT_KIND),
    "squad role": (SQUAD_ROLES, SQUAD_ROLE),
    "check-in status": (CHECKIN_STATUSES, CHECKIN_STATUS),
    "flag code": (FLAG_CODES, FLAG_CODE),
    "photo category": (PHOTO_CATEGORIES, PHOTO_CATEGORY),
    "deal product": (DEAL_PRODUCTS, DEAL_PRODUCT),
    "operating state": (OPERATING_STATES, OPERATING_STATE),
    "inventory level": (INVENTORY_LEVELS, INVENTORY_LEVEL),
    "fixed assets": (FIXED_ASSET_STATES, FIXED_ASSETS),
    "proposal status": (PROPOSAL_STATUSES, PROPOSAL_STATUS),
    "review state": (REVIEW_STATES, REVIEW_STATE),
    "review action": (AUDIT_ACTIONS, REVIEW_ACTION),
    "flag decision": (FLAG_DECISIONS, FLAG_DECISION),
    "today reason": (REASON_ORDER, TODAY_REASON),
    "metric": (BASE_METRICS + RATE_METRICS, METRIC),
    "target period": (TARGET_PERIODS, TARGET_PERIOD),
    "miss reason": (MISS_REASONS, MISS_REASON),
    "meeting item kind": (ITEM_KINDS, MEETING_ITEM_KIND),
    "focus kind": (FOCUS_KINDS, FOCUS_KIND),
    "risk kind": (RISK_KINDS, RISK_KIND),
    "scheme state": (SCHEME_STATES, SCHEME_STATE),
    "scheme scope": (SCHEME_SCOPES, SCHEME_SCOPE),
    "incentive rule type": (RULE_TYPES, RULE_TYPE),
    "honour category": (HONOUR_CATEGORIES, HONOUR_CATEGORY),
    "talk rating": (TALK_RATINGS, TALK_RATING),
    "metric definition choice": (CONSULTATION_RULES + SQUAD_CREDIT_RULES + LOAN_DEAL_SOURCES, DEFINITION_CHOICE),
    "weekday": (tuple(str(day) for day in range(7)), WEEKDAY),
    "visit credit": (CREDITS, CREDIT),
}

# The label functions every template may call, registered on the app (not by any one blueprint).
TEMPLATE_LABELS: dict[str, LabelTable] = {
    "merchant_status_label": MERCHANT_STATUS,
    "location_source_label": LOCATION_SOURCE,
    "role_label": ROLE,
    "visit_kind_label": VISIT_KIND,
    "squad_role_label": SQUAD_ROLE,
    "checkin_status_label": CHECKIN_STATUS,
    "flag_label": FLAG_CODE,
    "photo_category_label": PHOTO_CATEGORY,
    "deal_product_label": DEAL_PRODUCT,
    "operating_state_label": OPERATING_STATE,
    "inventory_level_label": INVENTORY_LEVEL,
    "fixed_assets_label": FIXED_ASSETS,
    "proposal_status_label": PROPOSAL_STATUS,
    "inbox_kind_label": INBOX_KIND,
    "review_state_label": REVIEW_STATE,
    "review_action_label": REVIEW_ACTION,
    "flag_decision_label": FLAG_DECISION,
    "period_label": TARGET_PERIOD,
    "miss_reason_label": MISS_REASON,
    "item_kind_label": MEETING_ITEM_KIND,
    "focus_kind_label": FOCUS_KIND,
    "risk_kind_label": RISK_KIND,
    "scheme_state_label": SCHEME_STATE,
    "scheme_scope_label": SCHEME_SCOPE,
    "rule_type_label": RULE_TYPE,
    "honour_label": HONOUR_CATEGORY,
    "talk_rating_label": TALK_RATING,
    "definition_label": DEFINITION_CHOICE,
    "credit_label": CREDIT,
}


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update({name: labeller(table) for name, table in TEMPLATE_LABELS.items()})
    app.jinja_env.globals["sweep_squad_name"] = sweep_squad_name
    app.jinja_env.globals["metric_label"] = metric_label
    app.jinja_env.globals["weekday_label"] = weekday_label
