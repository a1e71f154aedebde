"""The phone-first merchant list with search, and the merchant page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.checkins.proposals import pending_proposals, proposing_flags
from webapp.extensions import db
from webapp.geo.navigation import navigation_links
from webapp.htmx_utils import wants_partial
from webapp.merchants.search import MerchantFilters, search_merchants
from webapp.models import VISIT_KINDS, Merchant
from webapp.pages import page_number
from webapp.roles import FIELD_ROLES
from webapp.scope import get_merchant_or_404, merchant_condition, merchant_phone_for
from webapp.visits.pages import recent_visits

bp = Blueprint("merchants", __name__, url_prefix="/merchants")

PAGE_SIZE = 30


@bp.get("/")
@login_required
def index() -> str:
    filters = MerchantFilters.from_args(request.args)
    page = page_number(request.args)
    merchants, has_more = search_merchants(current_user, filters, page=page, page_size=PAGE_SIZE)
    context = {
        "merchants": merchants,
        "filters": filters,
        "page": page,
        "has_more": has_more,
        "phone_for": lambda m: merchant_phone_for(current_user, m),
    }
    if wants_partial():
        return render_template("merchants/_rows.html", **context)
    districts = db.session.scalars(
        sa.select(Merchant.district).where(merchant_condition(current_user)).distinct()
    ).all()
    context["districts"] = sorted(d for d in districts if d)
    return render_template("merchants/index.html", **context)


@bp.get("/<int:merchant_id>")
@login_required
def show(merchant_id: int) -> str:
    merchant = get_merchant_or_404(current_user, merchant_id)
    return render_template(
        "merchants/show.html",
        merchant=merchant,
        phone=merchant_phone_for(current_user, merchant),
        may_start_visit=current_user.role in FIELD_ROLES,
        visit_kinds=VISIT_KINDS,
        proposals=pending_proposals(current_user, merchant.id),
        proposing_flags=proposing_flags,
        merchant_visits=recent_visits(current_user, merchant),
        navigation=(navigation_links(merchant.lat, merchant.lon, _("Merchant"))
                    if merchant.lat is not None and merchant.lon is not None else []),
    )
