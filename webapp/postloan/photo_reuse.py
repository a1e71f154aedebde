"""贷前照片用于贷后检查: a photo of a post-loan check that repeats a photo of the same borrower's earlier
marketing or survey visit is flagged with its own message, both photos side by side (the flag's evidence
names the earlier photo, which the visit and review pages show beside it), and raises a high risk warning.

The photo write path belongs to the photo pipeline; this module watches for new photos in the session (a
SQLAlchemy ``after_flush`` listener) and judges them just before the transaction commits, so it adds its flag
in the same transaction as the photo without the photo path knowing about loans. The earlier photos are
judged by the one reuse search, ``webapp.photos.reuse.reuse_lookup``, among the photos of the borrower's
pre-loan visits: keypoints survive crops, turns and screenshots, and only a copy of the same exposure counts
(the same shop photographed again at the check is what a check is for, never a reuse).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import Loan, Photo, ScheduledCheck, Visit, VisitFlag
from webapp.photos.reuse import ReuseMatch, reuse_lookup
from webapp.postloan.risk import Finding, raise_warning
from webapp.write_kernel import WriteContext

FLAG_CODE = "preloan_photo_reused"
PRELOAN_KINDS = ("marketing",)
_PENDING = "postloan_new_photo_ids"


def preloan_matches(photo: Photo, visit: Visit) -> list[tuple[ReuseMatch, Visit]]:
    """Copies, in this photo, of photos of the same borrower's earlier marketing (survey) visits, best first."""
    visits = {v.id: v for v in db.session.scalars(sa.select(Visit).where(
        Visit.merchant_id == visit.merchant_id, Visit.kind.in_(PRELOAN_KINDS), Visit.id != visit.id,
        Visit.started_at <= visit.started_at))}
    if not visits:
        return []
    among = list(db.session.scalars(sa.select(Photo.id).where(Photo.visit_id.in_(list(visits)))))
    if not among:
        return []
    return [(m, visits[m.visit_id]) for m in reuse_lookup(photo.id, among=among)
            if m.kind == "reused" and m.visit_id in visits]


def _loan_of(visit: Visit) -> Loan | None:
    check = db.session.scalar(sa.select(ScheduledCheck).where(ScheduledCheck.visit_id == visit.id).limit(1))
    if check is not None:
        return check.loan
    return db.session.scalar(sa.select(Loan).where(Loan.borrower_id == visit.merchant_id,
                                                   Loan.status.in_(("normal", "overdue"))).order_by(Loan.id).limit(1))


def judge_photo(photo_id: str) -> VisitFlag | None:
    """Flag the photo (once) if it repeats a pre-loan photo of the same borrower; None otherwise."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.visit.kind != "post_loan":
        return None
    already = db.session.scalar(sa.select(VisitFlag).where(VisitFlag.photo_id == photo.id, VisitFlag.code == FLAG_CODE))
    if already is not None:
        return already
    found = preloan_matches(photo, photo.visit)
    if not found:
        return None
    best, earlier_visit = found[0]
    evidence: dict[str, Any] = {
        **{key: best.evidence[key] for key in ("why", "transform", "figures") if key in best.evidence},
        "earlier_photo": best.photo_id, "earlier_visit": best.visit_id, "same_bytes": best.same_bytes,
        "earlier_visit_started_at": earlier_visit.started_at.isoformat(),
    }
    flag = VisitFlag(visit_id=photo.visit_id, photo_id=photo.id, code=FLAG_CODE,
                     detail="A photo of this post-loan check repeats a photo of the borrower's pre-loan visit.",
                     evidence=evidence)
    db.session.add(flag)
    loan = _loan_of(photo.visit)
    if loan is not None:
        ctx = WriteContext(actor=photo.uploaded_by, now=photo.created_at)
        raise_warning(ctx, loan, Finding(FLAG_CODE, "high", "", {**evidence, "photo": photo.id}),
                      f"photo:{photo.id}:{FLAG_CODE}", visit_id=photo.visit_id)
    return flag


def _collect(session: Session, _context: object) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, Photo)]
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


def _judge_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for photo_id in pending or ():
        judge_photo(photo_id)


def _forget(session: Session, previous_transaction: Any) -> None:
    """A rolled-back request stored no photo; a savepoint rolled back inside it keeps the others pending."""
    if getattr(previous_transaction, "parent", None) is None:
        session.info.pop(_PENDING, None)


def watch_photos() -> None:
    """Install the listeners once (the session object outlives every app the tests create)."""
    target = db.session
    if not event.contains(target, "after_flush", _collect):
        event.listen(target, "after_flush", _collect)
        event.listen(target, "before_commit", _judge_pending)
        event.listen(target, "after_soft_rollback", _forget)
