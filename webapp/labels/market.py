"""Labels of market and peer intelligence's codes (webapp.market)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PRODUCT_CATEGORY = {
    "credit": _l("Credit loan"),
    "secured": _l("Secured loan"),
    "guaranteed": _l("Guaranteed loan"),
    "supply_chain": _l("Supply-chain finance"),
    "other": _l("Other"),
}
PEER_SOURCE = {
    "customer": _l("A customer"),
    "website": _l("The bank's website"),
    "staff": _l("The bank's staff"),
    "other": _l("Other"),
}
SURVEY_STATE = {
    "draft": _l("Draft"),
    "open": _l("Open"),
    "closed": _l("Closed"),
}
QUESTION_KIND = {
    "choice": _l("One choice"),
    "choices": _l("Several choices"),
    "number": _l("A number"),
    "text": _l("Text"),
    "months": _l("Months of the year"),
}
