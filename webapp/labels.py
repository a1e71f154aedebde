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
}


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update({name: labeller(table) for name, table in TEMPLATE_LABELS.items()})
    app.jinja_env.globals["sweep_squad_name"] = sweep_squad_name
