"""Labels of customer relations' codes (webapp.relations): screening populations, target outcomes and the kinds
of a merchant's timeline entries."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

SCREENING_POPULATION = {
    "loans": _l("The loan book"),
    "merchants": _l("Merchants"),
}
TARGET_OUTCOME = {
    "new": _l("Not contacted yet"),
    "contacted": _l("Contacted"),
    "interested": _l("Interested"),
    "applied": _l("Applied"),
    "won": _l("Won"),
    "declined": _l("Declined"),
}
TIMELINE_KIND = {
    "visit": _l("Visit"),
    "application": _l("Application"),
    "deal": _l("Deal"),
    "loan": _l("Loan"),
    "check": _l("Post-loan check"),
    "collection": _l("Collection"),
    "contact": _l("Contact"),
    "lead": _l("Lead"),
    "screening": _l("Screening"),
    "survey": _l("Survey"),
}
TIMELINE_KINDS = tuple(TIMELINE_KIND)
