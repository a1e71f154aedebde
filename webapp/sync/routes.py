"""The sync status page, and the small JSON answers the phone's outbox and service worker ask for.

- /sync: what waits on this phone (drawn from IndexedDB by static/js/sync-page.js) and what the server
  keeps for the user outside a visit (held photos, refused ones).
- /sync/session: who is logged in and their CSRF token. The outbox asks before each replay: only items
  whose author is that user are sent, with a token of the live session (a page cached hours ago has a
  stale one, and the service worker has no page at all).
- /sync/offline-pages: the pages to keep on the phone for this user (Today, their merchants, today's
  stops, the visit forms) and the static files those pages need.
- /sync/known (POST): which of the ids the phone names the server has for this user (webapp.sync.known).
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import ActivityPerson, MarketingActivity, Merchant, Survey
from webapp.roles import FIELD_ROLES
from webapp.scope import activity_condition, merchant_condition, survey_condition
from webapp.sync.held import held_photos_of
from webapp.sync.known import known_records
from webapp.today.worklist import workday

bp = Blueprint("sync", __name__, url_prefix="/sync")

# A phone keeps at most this many pages of a user; each is a few kilobytes of HTML.
MAX_OFFLINE_PAGES = 240
STATIC_KINDS = (".js", ".css", ".png", ".svg", ".woff2")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@login_required
def index() -> str:
    return render_template("sync/index.html", held_photos=held_photos_of(current_user.id))


@bp.get("/session")
def session_info() -> Response:
    """200 in both cases (never a redirect to the login page, which a queue could take for an answer)."""
    if not current_user.is_authenticated:
        return _no_store(jsonify(user=None, csrf_token=None))
    return _no_store(jsonify(user=current_user.username, csrf_token=generate_csrf()))


def offline_merchant_ids() -> list[int]:
    """The merchants a manager is likely to visit: today's stops first, then those they own."""
    ids: list[int] = []
    if current_user.role in FIELD_ROLES:
        day = workday(current_user, bank_today(), datetime.now(UTC))
        ids.extend(stop.merchant.id for stop in day.stops)
    owned = db.session.scalars(
        sa.select(Merchant.id).where(merchant_condition(current_user), Merchant.owner_id == current_user.id)
        .order_by(Merchant.id))
    ids.extend(owned)
    return list(dict.fromkeys(ids))


def offline_record_forms() -> list[str]:
    """The field records' forms a manager may fill offline: the lead form of each activity they go to in the
    coming week (or went to yesterday), the peer record form, and the answer form of each open survey."""
    if current_user.role not in FIELD_ROLES:
        return []
    today = bank_today()
    mine = sa.or_(MarketingActivity.created_by_id == current_user.id, MarketingActivity.people.any(
        ActivityPerson.user_id == current_user.id))
    activities = db.session.scalars(sa.select(MarketingActivity.id).where(
        activity_condition(current_user), mine, MarketingActivity.day.between(today - timedelta(days=1),
                                                                              today + timedelta(days=7)))
        .order_by(MarketingActivity.day))
    surveys = db.session.scalars(sa.select(Survey.id).where(survey_condition(current_user), Survey.state == "open",
                                                           Survey.sub_branch_id == current_user.sub_branch_id))
    return [*(url_for("channels.new_lead", activity_id=a) for a in activities), url_for("market.new_peer"),
            *(url_for("market.answer", survey_id=s) for s in surveys)]


def offline_page_urls() -> list[str]:
    urls = [url_for("sync.index"), url_for("merchants.index")]
    if current_user.role in FIELD_ROLES:
        urls[:0] = [url_for("today.index"), url_for("visits.index"), *offline_record_forms()]
    for merchant_id in offline_merchant_ids():
        urls.append(url_for("merchants.show", merchant_id=merchant_id))
        if current_user.role in FIELD_ROLES:
            # Without ?kind=: the service worker answers any kind from this copy and the page picks the kind.
            urls.append(url_for("visits.new", merchant_id=merchant_id))
    return urls[:MAX_OFFLINE_PAGES]


def static_urls() -> list[str]:
    """Every script, style and icon the pages may load (so a page opened offline is whole), by content-hashed
    URL: a changed file is a new URL, and so a new listing version the phone fetches."""
    root = Path(current_app.static_folder or "static")
    found = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix in STATIC_KINDS and not p.name.startswith(".") and p.name != "sw.js")
    return [url_for("static", filename=p.relative_to(root).as_posix()) for p in found]


@bp.get("/offline-pages")
def offline_pages() -> tuple[Response, int] | Response:
    if not current_user.is_authenticated:
        return _no_store(jsonify(error="unauthenticated", user=None, urls=[], assets=[])), 401
    urls = offline_page_urls()
    assets = static_urls()
    stamp = "\n".join([current_user.username, *urls, *assets])
    version = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    return _no_store(jsonify(user=current_user.username, urls=urls, assets=assets, version=version))


@bp.post("/known")
@login_required
def known() -> Response:
    """Which of the ids the phone names the server has for this user: its visits, their photos (or photos it
    holds for a visit to come), the user's own confirmations. Ids in, ids out: the phone checks what it queued
    against this after its storage was wiped, and queues photos left beside a visit the server has."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # a body nested thousands deep is not a list of ids
        body = None
    return _no_store(jsonify(known_records(current_user, body)))
