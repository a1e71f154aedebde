"""The one write path for review decisions: state changes, resubmissions and flag judgements.

Each function checks the state machine, the actor's relation to the visit and the state the actor saw,
then writes the new state and an audit entry together. The caller commits; nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.errors import AppError
from webapp.extensions import db
from webapp.labels import REVIEW_STATE, label
from webapp.models import Photo, User, Visit, VisitFlag, VisitVersion
from webapp.models.review import FLAG_DECISIONS, FlagReview, ReviewAuditEntry, VisitReview
from webapp.review import states
from webapp.roles import TEAM_LEAD
from webapp.write_kernel import canonical_hash, insert_or_winner

MAX_REASON = 2000


class ReviewError(AppError):
    """A decision that cannot be recorded; ``status`` is the HTTP status, ``field`` the form field at fault."""

    code = "review_refused"

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message, status=status, fields={field: message} if field else None)


@dataclass(frozen=True)
class ReviewStatus:
    """What the pages show: a visit without a review row is 'received', round 1."""

    state: str
    round: int
    reason: str
    decided_by: User | None
    decided_at: datetime | None
    decided_version: int | None

    @property
    def token(self) -> str:
        """What the page saw; a decision posted from a stale page is refused instead of applied blindly."""
        return f"{self.state}:{self.round}"


def status_of(review: VisitReview | None) -> ReviewStatus:
    if review is None:
        return ReviewStatus("received", 1, "", None, None, None)
    return ReviewStatus(review.state, review.round, review.reason, review.decided_by, review.decided_at,
                        review.decided_version)


def review_status(visit_id: str) -> ReviewStatus:
    return status_of(db.session.get(VisitReview, visit_id))


def _locked_review(visit: Visit, now: datetime) -> VisitReview:
    """The visit's review row, locked until commit (PostgreSQL; SQLite writes already run one at a time),
    made on first use. Two first decisions at once: the primary key picks one, the other sees its state."""
    review = db.session.get(VisitReview, visit.id, with_for_update=True, populate_existing=True)
    if review is not None:
        return review
    review = VisitReview(visit_id=visit.id, state="received", round=1, reason="", updated_at=now)
    winner = insert_or_winner(
        review, lambda: db.session.get(VisitReview, visit.id, with_for_update=True, populate_existing=True))
    return winner if winner is not None else review


def _clean_reason(reason: str | None, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise ReviewError(422, _("Say why: the manager reads this on the phone, and the audit trail keeps it."),
                          field="reason")
    if len(text) > MAX_REASON:
        raise ReviewError(422, _("At most %(n)d characters.", n=MAX_REASON), field="reason")
    return text


def _check_role(role: str, action: str) -> None:
    if not states.role_may(role, action):
        if action in ("approve", "reject") and role == TEAM_LEAD:
            raise ReviewError(
                403, _("Team leads can send a visit back, but only a branch reviewer approves or rejects."))
        raise ReviewError(403, _("Your role does not allow this."))


def _took_part(actor: User, visit: Visit) -> bool:
    return actor.id in (visit.lead_id, visit.support_id, visit.observer_id, visit.created_by_id)


def _audit(visit: Visit, actor: User, action: str, from_state: str, to_state: str, round_: int, reason: str,
           now: datetime, *, flag_id: int | None = None, detail: dict[str, Any] | None = None) -> ReviewAuditEntry:
    entry = ReviewAuditEntry(visit_id=visit.id, actor_id=actor.id, action=action, from_state=from_state,
                             to_state=to_state, round=round_, visit_version=visit.version, reason=reason,
                             flag_id=flag_id, detail=detail or {}, created_at=now)
    db.session.add(entry)
    return entry


def _check_expected(review: VisitReview, expected: str | None) -> None:
    if expected is not None and expected != f"{review.state}:{review.round}":
        raise ReviewError(409, _("This visit's review changed since you opened it. Look at it again before deciding."))


def decide(actor: User, visit: Visit, action: str, reason: str | None, *, now: datetime,
           expected: str | None = None) -> VisitReview:
    """A reviewer's or team lead's decision: approve, send back or reject."""
    if action not in ("approve", "send_back", "reject"):
        raise ReviewError(422, _("Choose approve, send back or reject."), field="action")
    _check_role(actor.role, action)
    if _took_part(actor, visit):
        raise ReviewError(403, _("You took part in this visit, so someone else reviews it."))
    text = _clean_reason(reason, action in states.REASON_REQUIRED)
    review = _locked_review(visit, now)
    _check_expected(review, expected)
    before = review.state
    try:
        after = states.next_state(before, action, actor.role)
    except states.IllegalTransition:
        raise ReviewError(409, _("A visit that is %(state)s cannot be %(action)s.",
                                 state=_state_word(before), action=_action_word(action))) from None
    review.state = after
    review.reason = text if action in states.REASON_REQUIRED else review.reason
    review.decided_by_id = actor.id
    review.decided_at = now
    review.decided_version = visit.version
    review.updated_at = now
    photo_count = db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.visit_id == visit.id))
    _audit(visit, actor, action, before, after, review.round, text, now, detail={"photos": photo_count})
    db.session.flush()
    return review


def resubmit(actor: User, visit: Visit, note: str | None, *, now: datetime, expected: str | None = None) -> VisitReview:
    """The manager fixed a sent-back visit and hands it back: the next round, and a new visit version whose
    body is the current body plus the photos it has now, so the reviewer sees exactly what came back."""
    _check_role(actor.role, "resubmit")
    if actor.id not in (visit.lead_id, visit.created_by_id):
        raise ReviewError(403, _("Only the lead of the squad resubmits the visit."))
    text = _clean_reason(note, required=False)
    review = _locked_review(visit, now)
    _check_expected(review, expected)
    before = review.state
    try:
        after = states.next_state(before, "resubmit", actor.role)
    except states.IllegalTransition:
        raise ReviewError(409, _("Only a visit that was sent back can be resubmitted.")) from None
    locked = db.session.get(Visit, visit.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    version = _snapshot_version(locked, actor, now)
    review.state = after
    review.round += 1
    review.updated_at = now
    _audit(locked, actor, "resubmit", before, after, review.round, text, now,
           detail={"photos": len(version.body.get("photo_ids", [])), "version": version.version})
    db.session.flush()
    return review


def reopen_after_change(actor: User, visit: Visit, change: str, *, now: datetime, new_version: bool) -> bool:
    """Any change to a decided (approved or rejected) visit puts it back in front of the reviewer: the next
    round, an audit entry naming the change, and (``new_version``) a new visit version with the photos it has
    now, so the decision stays tied to the version it was about. True when the visit was reopened.

    ``change`` says what came in: ``photo``, ``update`` (a new body; that write made its version already)
    or ``confirmation``. A visit not yet decided, or sent back to be corrected, is left as it is."""
    review = db.session.get(VisitReview, visit.id, with_for_update=True, populate_existing=True)
    if review is None or review.state not in states.FINAL_STATES:
        return False
    before = review.state
    after = states.REOPENED_TO
    if new_version:
        _snapshot_version(visit, actor, now)
    review.state = after
    review.round += 1
    review.updated_at = now
    _audit(visit, actor, "reopen", before, after, review.round, "", now,
           detail={"change": change, "version": visit.version, "decided_version": review.decided_version})
    db.session.flush()
    return True


def _snapshot_version(visit: Visit, actor: User, now: datetime) -> VisitVersion:
    """visit.version + 1 with the current body and its photo ids. The visit's body hash stays the hash of
    what the manager wrote, so the phone's replay of that body is still answered 'unchanged'."""
    current = db.session.scalar(sa.select(VisitVersion).where(
        VisitVersion.visit_id == visit.id, VisitVersion.version == visit.version))
    body: dict[str, Any] = dict(current.body) if current is not None else {}
    body["photo_ids"] = list(db.session.scalars(
        sa.select(Photo.id).where(Photo.visit_id == visit.id).order_by(Photo.created_at, Photo.id)))
    visit.version += 1
    visit.updated_at = now
    version = VisitVersion(visit_id=visit.id, version=visit.version, body=body, body_hash=canonical_hash(body),
                           written_by_id=actor.id, written_at=now)
    db.session.add(version)
    return version


def decide_flag(actor: User, visit: Visit, flag: VisitFlag, decision: str, reason: str | None, *,
                now: datetime) -> FlagReview:
    """Dismiss (with a reason) or confirm an integrity flag. A later decision replaces the earlier one on the
    flag; the audit trail keeps both."""
    if decision not in FLAG_DECISIONS or flag.visit_id != visit.id:
        raise ReviewError(422, _("Choose dismiss or confirm."), field="decision")
    if not states.may_decide_flag(actor.role, decision):
        if decision == "dismissed" and actor.role == TEAM_LEAD:
            raise ReviewError(403, _("Team leads can confirm a flag; only a branch reviewer dismisses one."))
        raise ReviewError(403, _("Your role does not allow this."))
    if _took_part(actor, visit):
        raise ReviewError(403, _("You took part in this visit, so someone else reviews it."))
    text = _clean_reason(reason, decision in states.FLAG_REASON_REQUIRED)
    status = review_status(visit.id)
    existing = db.session.scalar(sa.select(FlagReview).where(FlagReview.flag_id == flag.id).with_for_update())
    previous = existing.decision if existing is not None else None
    if existing is None:
        existing = FlagReview(flag_id=flag.id, visit_id=visit.id)
        db.session.add(existing)
    existing.decision = decision
    existing.reason = text
    existing.decided_by_id = actor.id
    existing.decided_at = now
    action = "dismiss_flag" if decision == "dismissed" else "confirm_flag"
    _audit(visit, actor, action, status.state, status.state, status.round, text, now, flag_id=flag.id,
           detail={"code": flag.code, "photo": flag.photo_id, "previous": previous})
    db.session.flush()
    return existing


def _state_word(state: str) -> str:
    return label(REVIEW_STATE, state).lower()


def _action_word(action: str) -> str:
    words = {"approve": _("approved"), "send_back": _("sent back"), "reject": _("rejected"),
             "resubmit": _("resubmitted")}
    return words.get(action, action)
