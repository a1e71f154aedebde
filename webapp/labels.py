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


def _label(table: dict[str, object], code: str | None) -> str:
    return str(table.get(code or "", code or ""))


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        merchant_status_label=lambda code: _label(MERCHANT_STATUS, code),
        location_source_label=lambda code: _label(LOCATION_SOURCE, code),
        role_label=lambda code: _label(ROLE, code),
    )
