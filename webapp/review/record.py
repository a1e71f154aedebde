"""Everything the review page and the PDF record show about one visit, gathered in one place."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import User, Visit, VisitVersion
from webapp.models.review import ReviewAuditEntry
from webapp.review.decisions import ReviewStatus, review_status
from webapp.review.evidence import PhotoEvidence, photo_evidence, photo_matches
from webapp.review.queue import FlagWithDecision, rows_for


@dataclass(frozen=True)
class VisitRecord:
    visit: Visit
    status: ReviewStatus
    flags: list[FlagWithDecision]
    evidence: list[PhotoEvidence]
    versions: list[VisitVersion]
    audit: list[ReviewAuditEntry]
    # Photos added since the visit was last sent back: what the manager brought in the new round.
    new_photo_ids: frozenset[str]

    @property
    def visit_flags(self) -> list[FlagWithDecision]:
        return [f for f in self.flags if f.flag.photo_id is None]

    @property
    def open_flags(self) -> int:
        """Current flags nobody has judged yet (a superseded flag is history, not work)."""
        return sum(1 for f in self.flags if f.decision is None and f.flag.superseded_at is None)


def build_record(user: User, visit: Visit, *, with_matches: bool = True) -> VisitRecord:
    row = rows_for([visit])[0]
    matches = (photo_matches(user, row.photos, row.flags, max_bits=int(current_app.config["PHOTO_REUSE_BITS"]))
               if with_matches else {})
    evidence = [photo_evidence(visit, p, row.flags, matches.get(p.id)) for p in row.photos]
    versions = list(db.session.scalars(
        sa.select(VisitVersion).where(VisitVersion.visit_id == visit.id).order_by(VisitVersion.version)))
    audit = list(db.session.scalars(
        sa.select(ReviewAuditEntry).where(ReviewAuditEntry.visit_id == visit.id)
        .options(joinedload(ReviewAuditEntry.actor)).order_by(ReviewAuditEntry.created_at, ReviewAuditEntry.id)))
    last_send_back = next((e for e in reversed(audit) if e.action == "send_back"), None)
    new_ids: frozenset[str] = frozenset()
    if last_send_back is not None:
        new_ids = frozenset(p.id for p in row.photos if p.created_at > last_send_back.created_at)
    return VisitRecord(visit=visit, status=review_status(visit.id), flags=row.flags, evidence=evidence,
                       versions=versions, audit=audit, new_photo_ids=new_ids)

