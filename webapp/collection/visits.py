"""Collection visits: the ordinary offline visit of kind ``collection`` (check-in, photos, the outbox), linked
to the open case of its borrower when it reaches the server.

The visit body needs nothing new, so a visit queued on a phone before collection existed, or saved offline
from the case page's "collection visit" button, replays unchanged; the link is made here from the merchant.
A visit that started after the case opened counts as a contact for the first-contact deadline.
"""
from __future__ import annotations

import sqlalchemy as sa

from webapp.collection.cases import record_event
from webapp.collection.write import count_first_contact
from webapp.extensions import db
from webapp.models import CaseVisit, CollectionCase, Loan, Visit
from webapp.scope import case_condition
from webapp.write_kernel import WriteContext


def link_collection_visit(ctx: WriteContext, visit: Visit) -> list[int]:
    """Link a new collection visit to the open cases of its merchant the writer may see; the case ids."""
    if visit.kind != "collection":
        return []
    cases = db.session.scalars(
        sa.select(CollectionCase).join(Loan, Loan.id == CollectionCase.loan_id)
        .where(Loan.borrower_id == visit.merchant_id, CollectionCase.status == "open", case_condition(ctx.actor))
        .order_by(CollectionCase.id)).all()
    for case in cases:
        exists = db.session.scalar(sa.select(CaseVisit.case_id).where(CaseVisit.case_id == case.id,
                                                                      CaseVisit.visit_id == visit.id))
        if exists is not None:
            continue
        db.session.add(CaseVisit(case_id=case.id, visit_id=visit.id, linked_at=ctx.now))
        record_event(case, "visit_linked", ctx.now, ctx.actor, visit_id=visit.id,
                     started_at=visit.started_at.isoformat())
        db.session.flush()
        if visit.started_at >= case.opened_at:
            count_first_contact(case, visit.started_at, ctx.now)
    return [case.id for case in cases]
