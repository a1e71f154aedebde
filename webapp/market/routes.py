"""Market pages: peer records (recorded at a desk here, on a phone through the outbox), the peer summary and its
Excel file, and the product catalogue an admin keeps. Survey and analysis views live beside this module on the
same blueprint. Views parse, call the write path, commit once, render."""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today, clock_now
from webapp.channels.web import form_uuid, xlsx_response
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.market import analysis_routes, survey_routes  # noqa: F401 - register their views on bp
from webapp.market.catalogue import save_product
from webapp.market.export import build_summary, summary_filename
from webapp.market.peer_summary import districts_of, peer_summary
from webapp.market.peers import put_peer_record
from webapp.market.web import bp
from webapp.models import PEER_SOURCES, PRODUCT_CATEGORIES, REPAYMENT_METHODS, Merchant, OurProduct, PeerRecord
from webapp.pages import Page, finished, form_error
from webapp.roles import ADMIN, FIELD_ROLES
from webapp.scope import get_product_or_404, merchant_condition, peer_condition, product_condition, require_role
from webapp.visits.request_context import write_context

__all__ = ["bp"]

PEER_FIELDS = ("merchant_id", "district", "bank", "product", "category", "rate", "repayment_method",
               "entry_threshold", "max_amount", "max_term_months", "strengths", "weaknesses", "marketing_strategy",
               "source", "observed_on")
PRODUCT_FIELDS = ("name", "category", "rate", "repayment_method", "entry_threshold", "max_amount",
                  "max_term_months", "notes", "active")
LIST_LIMIT = 200


def merchant_districts() -> list[str]:
    """The districts of the user's merchants, offered while typing one."""
    return list(db.session.scalars(sa.select(Merchant.district).where(merchant_condition(current_user),
                                                                      Merchant.district != "")
                                   .distinct().order_by(Merchant.district).limit(300)))


@bp.get("/peers/")
@login_required
def peers() -> str:
    records = db.session.scalars(sa.select(PeerRecord).where(peer_condition(current_user))
                                 .order_by(PeerRecord.observed_on.desc(), PeerRecord.created_at.desc())
                                 .limit(LIST_LIMIT)).all()
    return render_template("market/peers.html", records=records, can_record=current_user.role in FIELD_ROLES)


def _peer_page(form: MultiDict[str, str], errors: dict[str, str], message: str | None, record_id: str) -> str:
    template = "market/_peer_form.html" if wants_partial() else "market/peer_form.html"
    return render_template(template, form=form, errors=errors, message=message, record_id=record_id,
                           categories=PRODUCT_CATEGORIES, sources=PEER_SOURCES, methods=REPAYMENT_METHODS,
                           districts=merchant_districts())


@bp.get("/peers/new")
@login_required
def new_peer() -> str:
    """The form a phone keeps offline (its script mints an id per record); ?merchant= fills the district."""
    require_role(current_user, *FIELD_ROLES)
    form = MultiDict({"observed_on": bank_today(clock_now()).isoformat(), "source": "customer",
                      "category": "credit"})
    merchant_id = request.args.get("merchant", "")
    if merchant_id.isdigit() and len(merchant_id) < 10:
        merchant = db.session.scalar(sa.select(Merchant).where(Merchant.id == int(merchant_id),
                                                               merchant_condition(current_user)))
        if merchant is not None:
            form.update({"merchant_id": str(merchant.id), "district": merchant.district})
    return _peer_page(form, {}, None, str(uuid.uuid4()))


@bp.post("/peers")
@login_required
def create_peer() -> Page:
    require_role(current_user, *FIELD_ROLES)
    record_id = form_uuid(request.form.get("record_id"))
    body = {name: request.form.get(name, "") for name in PEER_FIELDS}
    try:
        put_peer_record(write_context(), record_id, body)
    except AppError as error:
        return form_error(error, lambda e: _peer_page(request.form, e.by_form_field(), e.message, record_id))
    db.session.commit()
    return finished(url_for("market.peers"))


@bp.get("/peers/summary")
@login_required
def summary() -> str:
    district = request.args.get("district", "")[:60] or None
    return render_template("market/summary.html", cells=peer_summary(current_user, district), district=district,
                           districts=districts_of(current_user))


@bp.get("/peers/summary.xlsx")
@login_required
def summary_export() -> Response:
    products = list(db.session.scalars(sa.select(OurProduct).where(product_condition(current_user))
                                       .order_by(OurProduct.name)))
    data = build_summary(peer_summary(current_user), products)
    return xlsx_response(data, summary_filename(bank_today(clock_now())))


@bp.get("/products/")
@login_required
def products() -> str:
    found = db.session.scalars(sa.select(OurProduct).where(product_condition(current_user))
                               .order_by(OurProduct.active.desc(), OurProduct.category, OurProduct.name)).all()
    return render_template("market/products.html", products=found, can_edit=current_user.role == ADMIN)


def product_form(product: OurProduct | None) -> MultiDict[str, str]:
    if product is None:
        return MultiDict({"category": "credit", "active": "yes"})
    return MultiDict({
        "name": product.name, "category": product.category,
        "rate": "" if product.rate_bp is None else f"{product.rate_bp / 100:.2f}",
        "repayment_method": product.repayment_method or "", "entry_threshold": product.entry_threshold,
        "max_amount": "" if product.max_amount_cents is None else f"{product.max_amount_cents / 100:.2f}",
        "max_term_months": "" if product.max_term_months is None else str(product.max_term_months),
        "notes": product.notes, "active": "yes" if product.active else "no"})


def _product_page(product: OurProduct | None, form: MultiDict[str, str], errors: dict[str, str],
                  message: str | None = None) -> str:
    template = "market/_product_form.html" if wants_partial() else "market/product_form.html"
    return render_template(template, product=product, form=form, errors=errors, message=message,
                           categories=PRODUCT_CATEGORIES, methods=REPAYMENT_METHODS)


def _product_body(form: MultiDict[str, str]) -> dict[str, Any]:
    return {name: form.get(name, "no" if name == "active" else "") for name in PRODUCT_FIELDS}


@bp.get("/products/new")
@login_required
def new_product() -> str:
    require_role(current_user, ADMIN)
    return _product_page(None, product_form(None), {})


@bp.post("/products/new")
@login_required
def create_product() -> Page:
    require_role(current_user, ADMIN)
    try:
        save_product(write_context(), None, _product_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _product_page(None, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("market.products"))


@bp.get("/products/<int:product_id>/edit")
@login_required
def edit_product(product_id: int) -> str:
    require_role(current_user, ADMIN)
    product = get_product_or_404(current_user, product_id)
    return _product_page(product, product_form(product), {})


@bp.post("/products/<int:product_id>")
@login_required
def update_product(product_id: int) -> Page:
    require_role(current_user, ADMIN)
    product = get_product_or_404(current_user, product_id)
    try:
        save_product(write_context(), product, _product_body(request.form))
    except AppError as error:
        return form_error(error, lambda e: _product_page(product, request.form, e.by_form_field(), e.message))
    db.session.commit()
    return finished(url_for("market.products"))
