"""The one write path for the bank's product catalogue: an admin of the branch adds and changes products; each
saved state is kept as a version, so the peer summary can show our terms as they were and how they moved."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from webapp.errors import Forbidden
from webapp.extensions import db
from webapp.models import PRODUCT_CATEGORIES, REPAYMENT_METHODS, OurProduct, OurProductVersion
from webapp.record_fields import int_field, rate_field, yuan_field
from webapp.roles import ADMIN
from webapp.write_kernel import FieldErrors, WriteContext, choice_field, text_field

TERMS = ("rate_bp", "repayment_method", "entry_threshold", "max_amount_cents", "max_term_months", "active")


def parse_product(raw: Any) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    active = raw.get("active", "yes")
    body: dict[str, Any] = {
        "name": text_field(raw.get("name"), "name", errors, 60, required=True),
        "category": choice_field(raw.get("category"), "category", errors, PRODUCT_CATEGORIES, required=True),
        "rate_bp": rate_field(raw.get("rate"), "rate", errors, required=True),
        "repayment_method": choice_field(raw.get("repayment_method"), "repayment_method", errors, REPAYMENT_METHODS),
        "entry_threshold": text_field(raw.get("entry_threshold"), "entry_threshold", errors, 300),
        "max_amount_cents": yuan_field(raw.get("max_amount"), "max_amount", errors, allow_zero=False),
        "max_term_months": int_field(raw.get("max_term_months"), "max_term_months", errors, low=1, high=360),
        "notes": text_field(raw.get("notes"), "notes", errors, 500),
        "active": active in (True, "yes", "on", "1"),
    }
    errors.raise_if_any()
    return body


def save_product(ctx: WriteContext, product: OurProduct | None, raw: Any) -> OurProduct:
    if ctx.actor.role != ADMIN:
        raise Forbidden(_("Only an admin keeps the product catalogue."))
    body = parse_product(raw)
    if product is None:
        product = OurProduct(branch_id=ctx.actor.sub_branch.branch_id)
        db.session.add(product)
    changed = product.id is None or any(getattr(product, name) != body[name] for name in TERMS)
    for name, value in body.items():
        setattr(product, name, value)
    product.updated_at = ctx.now
    db.session.flush()
    if changed:
        db.session.add(OurProductVersion(product_id=product.id, valid_from=ctx.now, changed_by_id=ctx.actor.id,
                                         **{name: body[name] for name in TERMS}))
        db.session.flush()
    return product
