"""What the visit pages show, gathered for their templates: the visit form, the visit page with its photos,
flags, confirmations and review block, the visit list, and the merchant page's recent visits.

Plain functions of the user and the records; the views in webapp.visits.routes only parse, call and render.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import joinedload, selectinload

from webapp.extensions import db
from webapp.integrity.evidence import CODES as INTEGRITY_CODES
from webapp.models import PHOTO_CATEGORIES, SQUAD_ROLES, VISIT_KINDS, Merchant, Photo, User, Visit, VisitFlag
from webapp.models.review import FlagReview, VisitReview
from webapp.pages import FormErrors
from webapp.postloan.visit_form import post_loan_form
from webapp.review.pages import visit_review
from webapp.roles import FIELD_ROLES, MANAGER
from webapp.scope import visible_users, visible_visits
from webapp.visits.confirmations import confirming_role
from webapp.visits.evidence_view import EvidenceReader
from webapp.visits.forms import CHECKIN_FIELDS, form_errors, unplaced_errors
from webapp.visits.keyset import Cursor, after_cursor, cursor_of, newest_first, split_page
from webapp.visits.payload import DEAL_PRODUCTS, FIXED_ASSET_STATES, INVENTORY_LEVELS, MAX_NOTE, OPERATING_STATES

PAGE_SIZE = 50
RECENT_ON_MERCHANT_PAGE = 10


def squad_choices(user: User, merchant: Merchant) -> list[User]:
    """Who may be in a squad at this merchant: the write path accepts exactly these."""
    return list(db.session.scalars(
        visible_users(user)
        .where(User.sub_branch_id == merchant.sub_branch_id, User.is_enabled.is_(True), User.role.in_(FIELD_ROLES))
        .order_by(User.username)
    ))


def checkin_config() -> dict[str, float]:
    """When the phone sends its fix (once it is this good, or after this long with the best it had), and the
    server's rule the phone rates it by while it waits (the radius, the worst accuracy that is verifiable)."""
    config = current_app.config
    return {"good_accuracy_m": float(config["CHECKIN_GOOD_ACCURACY_M"]), "wait_s": float(config["CHECKIN_WAIT_S"]),
            "radius_m": float(config["GEOFENCE_RADIUS_M"]), "max_accuracy_m": float(config["CHECKIN_MAX_ACCURACY_M"])}


def may_edit(user: User, visit: Visit) -> bool:
    """The write path lets the lead and the one who created the visit change it; the page offers no more."""
    return user.id in (visit.lead_id, visit.created_by_id)


def form_context(user: User, *, merchant: Merchant, visit_id: str, form: Mapping[str, str], editing: bool,
                 errors: FormErrors | None = None) -> dict[str, Any]:
    """The visit form; a refused save shows field errors beside their fields and a refusal as its banner."""
    field_errors = form_errors(errors.fields) if errors else {}
    return {
        "form": form,
        "errors": field_errors,
        "summary": unplaced_errors(field_errors),
        "conflict": errors.message if errors else None,
        "merchant": merchant,
        "visit_id": visit_id,
        "editing": editing,
        "action": url_for("visits.save", visit_id=visit_id),
        "reload_url": url_for("visits.edit" if editing else "visits.show", visit_id=visit_id),
        "squad_choices": squad_choices(user, merchant),
        "kinds": VISIT_KINDS,
        "squad_roles": SQUAD_ROLES,
        "deal_products": DEAL_PRODUCTS,
        "operating_states": OPERATING_STATES,
        "inventory_levels": INVENTORY_LEVELS,
        "fixed_asset_states": FIXED_ASSET_STATES,
        "checkin_fields": CHECKIN_FIELDS,
        "checkin_config": checkin_config(),
        "max_note": MAX_NOTE,
        "photo_categories": PHOTO_CATEGORIES,
        "post_loan": post_loan_form(user, merchant, form),
    }


@dataclass(frozen=True)
class FlagView:
    """A flag as the page shows it: its evidence as this reader may see it (ids of visits out of their scope
    are counted, not named), the photo it is about, and whether a corrected check-in superseded it."""

    flag: VisitFlag
    evidence: dict[str, Any]
    photo: Photo | None

    @property
    def superseded(self) -> bool:
        return self.flag.superseded_at is not None

    @property
    def earlier_photo_id(self) -> str | None:
        earlier = self.evidence.get("earlier_photo")
        return str(earlier) if earlier else None


def flag_views(user: User, visit: Visit) -> list[FlagView]:
    """Current flags first, then the superseded ones (kept as evidence, shown as such)."""
    photos = {p.id: p for p in visit.photos}
    evidence_for = EvidenceReader(user, visit.flags)
    ordered = sorted(visit.flags, key=lambda f: (f.superseded_at is not None, f.id))
    return [FlagView(flag=flag, evidence=evidence_for(flag), photo=photos.get(flag.photo_id or "")) for flag in ordered]


def previous_inspection(user: User, visit: Visit) -> Visit | None:
    """The last earlier post-loan inspection of this merchant with inventory photos, among the visits the
    user may see (a photo of a visit out of scope would not load anyway)."""
    if visit.kind != "post_loan":
        return None
    with_inventory = sa.select(Photo.visit_id).where(Photo.category == "inventory")
    return db.session.scalar(
        visible_visits(user)
        .where(Visit.merchant_id == visit.merchant_id, Visit.kind == "post_loan", Visit.id != visit.id,
               Visit.started_at <= visit.started_at, Visit.id.in_(with_inventory))
        .order_by(Visit.started_at.desc())
        .limit(1)
    )


def photos_context(user: User, visit: Visit) -> dict[str, Any]:
    by_category: dict[str, list[Photo]] = {code: [] for code in PHOTO_CATEGORIES}
    for photo in visit.photos:
        by_category.setdefault(photo.category, []).append(photo)
    previous = previous_inspection(user, visit)
    previous_inventory = [p for p in previous.photos if p.category == "inventory"] if previous else []
    # A photo is "flagged" while one of its flags stands: not superseded, not dismissed by a reviewer.
    dismissed = set(db.session.scalars(sa.select(FlagReview.flag_id).where(
        FlagReview.visit_id == visit.id, FlagReview.decision == "dismissed")))
    flagged = {f.photo_id for f in visit.flags if f.photo_id and f.superseded_at is None and f.id not in dismissed}
    return {"visit": visit, "photos_by_category": by_category, "previous": previous,
            "previous_inventory": previous_inventory, "flagged_photo_ids": flagged}


def confirm_form_context(visit: Visit, form: Mapping[str, str] | None = None,
                         errors: FormErrors | None = None) -> dict[str, Any]:
    """The support's or observer's confirmation form, with what a refused confirmation said."""
    field_errors = form_errors(errors.fields) if errors else {}
    return {
        "visit": visit,
        "confirm_form": form if form is not None else {},
        "confirm_errors": field_errors,
        "confirm_summary": unplaced_errors(field_errors),
        "confirm_message": errors.message if errors else None,
        "checkin_fields": CHECKIN_FIELDS,
        "checkin_config": checkin_config(),
        "max_note": MAX_NOTE,
    }


def visit_page_context(user: User, visit: Visit, form: Mapping[str, str] | None = None,
                       errors: FormErrors | None = None) -> dict[str, Any]:
    role = visit.role_of(user.id)
    confirmations = {c.user_id: c for c in visit.confirmations}
    views = flag_views(user, visit)
    return {
        "visit": visit,
        "my_role": role,
        "can_upload": role is not None,
        "can_edit": may_edit(user, visit),
        "confirmations": confirmations,
        # A refused confirmation shows its form again even to someone the page would not offer it to.
        "confirm_pending": errors is not None or (confirming_role(visit, user.id) is not None
                                                  and user.id not in confirmations),
        "flags": views,
        "integrity": {view.flag.id: view.evidence for view in views if view.flag.code in INTEGRITY_CODES},
        "photo_categories": PHOTO_CATEGORIES,
        "deal_products": DEAL_PRODUCTS,
        "review": visit_review(user, visit),
        **photos_context(user, visit),
        **confirm_form_context(visit, form, errors),
    }


def _flag_codes(visit_ids: list[str]) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {vid: [] for vid in visit_ids}
    if visit_ids:
        for vid, code in db.session.execute(
            sa.select(VisitFlag.visit_id, VisitFlag.code)
            .where(VisitFlag.visit_id.in_(visit_ids), VisitFlag.superseded_at.is_(None)).order_by(VisitFlag.id)
        ):
            codes[vid].append(code)
    return codes


def visit_list_context(user: User, cursor: Cursor | None) -> dict[str, Any]:
    """My visits, newest first; for a team lead the team's, with their flags. Keyset pages of 50."""
    query = after_cursor(newest_first(visible_visits(user).options(joinedload(Visit.merchant),
                                                                  joinedload(Visit.lead))), cursor)
    visits, has_more = split_page(db.session.scalars(query.limit(PAGE_SIZE + 1)).unique().all(), PAGE_SIZE)
    return {
        "visits": visits,
        "flag_codes": _flag_codes([v.id for v in visits]),
        "review_states": review_states([v.id for v in visits]),
        "show_flag_names": user.role != MANAGER,
        "next_cursor": cursor_of(visits[-1]) if has_more and visits else None,
        "first_page": cursor is None,
    }


def review_states(visit_ids: list[str]) -> dict[str, str]:
    """visit id -> its review state; a visit nobody decided yet is 'received' (webapp.models.review)."""
    if not visit_ids:
        return {}
    decided: dict[str, str] = {visit_id: state for visit_id, state in db.session.execute(
        sa.select(VisitReview.visit_id, VisitReview.state).where(VisitReview.visit_id.in_(visit_ids)))}
    return {visit_id: decided.get(visit_id, "received") for visit_id in visit_ids}


def recent_visits(user: User, merchant: Merchant, limit: int = RECENT_ON_MERCHANT_PAGE) -> list[Visit]:
    """The merchant's latest visits the user may see, for the merchant page."""
    return list(db.session.scalars(
        newest_first(visible_visits(user).where(Visit.merchant_id == merchant.id))
        .options(selectinload(Visit.flags), joinedload(Visit.lead))
        .limit(limit)
    ).unique())
