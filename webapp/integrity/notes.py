"""Visit notes as reports: each squad role's note is checked for near copies of earlier reports, then indexed.

webapp.visits.write calls `check_visit_notes` when a visit is stored and when its notes change.
"""
from __future__ import annotations

import sqlalchemy as sa

from webapp.extensions import db
from webapp.integrity.copies import find_copies, index_text
from webapp.models import SQUAD_ROLES, Visit, VisitFlag
from webapp.visits import integrity
from webapp.visits.integrity import Flag

KIND = "visit_note"


def record_id(visit_id: str, role: str) -> str:
    return f"{visit_id}:{role}"


def check_visit_notes(visit: Visit) -> list[Flag]:
    """report_copied flags for the visit's notes (one per role whose note is a copy); the notes join the
    index. A visit's own notes are never compared with each other: the squad writes them together."""
    db.session.execute(sa.delete(VisitFlag).where(VisitFlag.visit_id == visit.id, VisitFlag.code == "report_copied"))
    branch_id = visit.merchant.sub_branch.branch_id
    flags: list[Flag] = []
    for role in SQUAD_ROLES:
        text = (visit.notes or {}).get(role) or ""
        record = record_id(visit.id, role)
        copies = find_copies(KIND, record, text, branch_id=branch_id, exclude_visit_id=visit.id) if text else []
        flag = integrity.report_copied_flag(role, text, copies)
        if flag is not None:
            flags.append(flag)
        index_text(KIND, record, text, branch_id=branch_id, sub_branch_id=visit.sub_branch_id,
                   author_id=visit.created_by_id, visit_id=visit.id, written_at=visit.started_at)
    return flags
