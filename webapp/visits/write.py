"""The one idempotent write path for visits (squad confirmations: webapp.visits.confirmations).

The htmx form, the JSON API (and so the offline outbox that replays it) and the CLI all call these
functions. A record is keyed by the id its client made: the same body again changes nothing, a
different body is a conflict unless the writer names the version it changes (If-Match). An update never
erases evidence: every body stays as a version, a moved check-in is stored beside the one before
(webapp.visits.checkin_evidence), and a change after a review decision reopens the review.
The caller commits; nothing here commits, so a failure leaves nothing half-written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from webapp.collection.visits import link_collection_visit
from webapp.extensions import db
from webapp.integrity.notes import check_visit_notes
from webapp.metrics.facts import refresh_visit_metrics
from webapp.models import User, Visit, VisitVersion
from webapp.postloan.onsite import record_post_loan_visit
from webapp.review.decisions import reopen_after_change
from webapp.roles import FIELD_ROLES
from webapp.scope import get_merchant_or_404, visit_condition
from webapp.visits.checkin_evidence import add_flags, record_checkin, supersede_checkins
from webapp.visits.payload import body_times, check_time_window, parse_visit_body
from webapp.write_kernel import Conflict, Forbidden, Invalid, WriteContext, canonical_hash, insert_or_winner

WriteStatus = Literal["created", "unchanged", "updated"]


@dataclass(frozen=True)
class VisitWrite:
    status: WriteStatus
    visit: Visit


def _find_visit(visit_id: str) -> Visit | None:
    """The visit, row-locked until commit on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises):
    two If-Match updates of one version would otherwise both write version n+1 and one would fail as a 500."""
    return db.session.get(Visit, visit_id, populate_existing=True, with_for_update=True)


def _visible(ctx: WriteContext, visit_id: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
        Visit.id == visit_id, visit_condition(ctx.actor))) == 1


def put_visit(ctx: WriteContext, visit_id: str, raw_body: Any, *, if_match: str | None = None) -> VisitWrite:
    result = _write_visit(ctx, visit_id, raw_body, if_match=if_match)
    if result.status != "unchanged":
        refresh_visit_metrics(result.visit)  # the activity figures follow the visit (webapp.metrics.facts)
    return result


def _write_visit(ctx: WriteContext, visit_id: str, raw_body: Any, *, if_match: str | None) -> VisitWrite:
    # Times are checked against the clock only for what gets stored anew (below), not for a replay.
    body = parse_visit_body(raw_body, now=None)
    merchant = get_merchant_or_404(ctx.actor, body["merchant_id"])
    squad = _resolve_squad(ctx.actor, merchant.sub_branch_id, body["squad"])
    body_hash = canonical_hash(body)

    existing = _find_visit(visit_id)
    if existing is not None:
        return _against_existing(ctx, existing, body, body_hash, squad, if_match)

    check_time_window(body_times(body), now=ctx.now)
    visit = Visit(
        id=visit_id,
        merchant_id=merchant.id,
        sub_branch_id=merchant.sub_branch_id,
        created_by_id=ctx.actor.id,
        version=1,
        body_hash=body_hash,
        device_id=(ctx.device_id or None),
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    _apply_body(visit, body, squad)
    # Someone may write the same id at the same moment; the unique key decides, the loser is judged like a replay.
    winner = insert_or_winner(visit, lambda: _find_visit(visit_id))
    if winner is not None:
        return _against_existing(ctx, winner, body, body_hash, squad, if_match)
    db.session.add(VisitVersion(visit_id=visit.id, version=1, body=body, body_hash=body_hash,
                                written_by_id=ctx.actor.id, written_at=ctx.now))
    record_checkin(ctx, visit)
    add_flags(visit.id, check_visit_notes(visit))  # copied reports (webapp.integrity.notes)
    db.session.flush()
    record_post_loan_visit(ctx, visit, body)
    link_collection_visit(ctx, visit)
    return VisitWrite("created", visit)


def _against_existing(
    ctx: WriteContext, visit: Visit, body: dict[str, Any], body_hash: str, squad: dict[str, User | None],
    if_match: str | None,
) -> VisitWrite:
    if not _visible(ctx, visit.id):
        raise NotFound()
    if visit.body_hash == body_hash:
        return VisitWrite("unchanged", visit)
    if if_match is None or if_match.strip() != visit.etag:
        raise Conflict(etag=visit.etag, message=_("This visit was already saved with different content. "
                                     "Reload it to see the current version before changing it."))
    if ctx.actor.id not in (visit.lead_id, visit.created_by_id):
        raise Forbidden(_("Only the lead of the squad can change the visit."))
    if body["merchant_id"] != visit.merchant_id:
        raise Invalid({"merchant_id": _("A visit cannot move to another merchant.")})
    checkin_changed = _checkin_of(visit) != body["checkin"]
    changed_times: dict[str, str | None] = {}
    if body["started_at"] != visit.started_at.isoformat(timespec="seconds"):
        changed_times["started_at"] = body["started_at"]
    if checkin_changed and body["checkin"]:
        changed_times["checkin.captured_at"] = body["checkin"]["captured_at"]
    check_time_window(changed_times, now=ctx.now)
    notes_changed = (visit.notes or {}) != body["notes"]
    visit.version += 1
    visit.body_hash = body_hash
    visit.updated_at = ctx.now
    _apply_body(visit, body, squad)
    db.session.add(VisitVersion(visit_id=visit.id, version=visit.version, body=body, body_hash=body_hash,
                                written_by_id=ctx.actor.id, written_at=ctx.now))
    if checkin_changed:
        # The check-in before stays as evidence, with its flags and their judgements, marked superseded.
        supersede_checkins(visit, ctx.now)
        record_checkin(ctx, visit)
    if notes_changed:
        add_flags(visit.id, check_visit_notes(visit))  # copied reports (webapp.integrity.notes)
    reopen_after_change(ctx.actor, visit, "update", now=ctx.now, new_version=False)
    db.session.flush()
    record_post_loan_visit(ctx, visit, body)
    return VisitWrite("updated", visit)


def _checkin_of(visit: Visit) -> dict[str, Any] | None:
    if visit.checkin_lat is None or visit.checkin_lon is None:
        return None
    captured = visit.checkin_captured_at
    return {
        "lat": visit.checkin_lat,
        "lon": visit.checkin_lon,
        "accuracy_m": visit.checkin_accuracy_m,
        "captured_at": captured.isoformat(timespec="seconds") if captured else None,
    }


def _apply_body(visit: Visit, body: dict[str, Any], squad: dict[str, User | None]) -> None:
    visit.kind = body["kind"]
    visit.started_at = datetime.fromisoformat(body["started_at"])
    lead, support, observer = squad["lead"], squad["support"], squad["observer"]
    assert lead is not None
    visit.lead_id = lead.id
    visit.support_id = support.id if support else None
    visit.observer_id = observer.id if observer else None
    checkin = body["checkin"]
    if checkin is None:
        visit.checkin_lat = visit.checkin_lon = visit.checkin_accuracy_m = None
        visit.checkin_lat_e6 = visit.checkin_lon_e6 = None
        visit.checkin_captured_at = None
    else:
        visit.checkin_lat, visit.checkin_lon = checkin["lat"], checkin["lon"]
        visit.checkin_lat_e6 = round(checkin["lat"] * 1_000_000)
        visit.checkin_lon_e6 = round(checkin["lon"] * 1_000_000)
        visit.checkin_accuracy_m = checkin["accuracy_m"]
        visit.checkin_captured_at = datetime.fromisoformat(checkin["captured_at"])
    visit.outcome = body["outcome"]
    visit.notes = body["notes"]


def _resolve_squad(actor: User, sub_branch_id: int, names: dict[str, str | None]) -> dict[str, User | None]:
    """Members must be enabled managers or leads of the merchant's sub-branch, and the writer one of them."""
    wanted = {name for name in names.values() if name}
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(wanted)))}
    errors: dict[str, str] = {}
    squad: dict[str, User | None] = {}
    for role, name in names.items():
        if not name:
            squad[role] = None
            continue
        user = users.get(name)
        if user is None or not user.is_enabled or user.role not in FIELD_ROLES:
            errors[f"squad.{role}"] = _("No customer manager with this username.")
        elif user.sub_branch_id != sub_branch_id:
            errors[f"squad.{role}"] = _("This person belongs to another sub-branch.")
        squad[role] = user
    if not errors and actor.username not in wanted:
        errors["squad"] = _("You can only record a visit you take part in.")
    if errors:
        raise Invalid(errors)
    return squad


