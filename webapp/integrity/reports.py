"""Copied-report checks for reports that are not a visit's note: post-loan reports and overdue reports.

Their write paths (webapp.postloan.report.put_report, webapp.collection.reports.save_report) call
`check_report` in the same transaction as the report: the text is compared with every indexed report of
the branch (visit notes, post-loan and overdue reports, of any manager and time) through
webapp.integrity.copies, a `report_copied` ReportFlag is kept (or removed) with both texts and the shared
passages, and the text joins the index. Pages show the flag through `shown_report_flag`, which leaves out
the other text when the reader may not open the record it belongs to (webapp.integrity.evidence).
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for

from webapp.extensions import db
from webapp.integrity.copies import TextCopy, find_copies, index_text
from webapp.integrity.evidence import report_evidence_for, segments
from webapp.models import CheckReport, OverdueReport, ReportFlag, User

POST_LOAN_REPORT = "post_loan_report"
OVERDUE_REPORT = "overdue_report"
CODE = "report_copied"


def copy_evidence(text: str, copies: list[TextCopy]) -> dict[str, Any]:
    """What a report_copied flag keeps: both texts as they were, the shared passages, the other record."""
    best = copies[0]
    return {
        "similarity": best.similarity, "shared": best.shared,
        "this_text": text, "this_spans": [list(span) for span in best.this_spans],
        "other": {"kind": best.kind, "record": best.record_id, "visit": best.visit_id, "author": best.author_id,
                  "written_at": best.written_at.isoformat()},
        "other_text": best.other_text, "other_spans": [list(span) for span in best.other_spans],
        "matches": [{"kind": c.kind, "record": c.record_id, "visit": c.visit_id, "similarity": c.similarity}
                    for c in copies[:10]],
    }


def check_report(kind: str, record_id: str, text: str, *, branch_id: int, written_at: datetime,
                 sub_branch_id: int | None, author_id: int | None, visit_id: str | None = None,
                 exclude: Collection[tuple[str, str]] = ()) -> ReportFlag | None:
    """Flag the report if it nearly copies another indexed report (not those in `exclude`, nor the notes of
    its own visit), then index it. Rewriting the report checks it again; flushes, never commits."""
    db.session.execute(sa.delete(ReportFlag).where(ReportFlag.kind == kind, ReportFlag.record_id == record_id,
                                                   ReportFlag.code == CODE))
    found = find_copies(kind, record_id, text, branch_id=branch_id, exclude_visit_id=visit_id,
                        limit=5 + len(exclude)) if text.strip() else []
    skip = set(exclude)
    copies = [c for c in found if (c.kind, c.record_id) not in skip][:5]
    flag = None
    if copies:
        flag = ReportFlag(kind=kind, record_id=record_id, code=CODE, branch_id=branch_id,
                          evidence=copy_evidence(text, copies), created_at=written_at)
        db.session.add(flag)
    index_text(kind, record_id, text, branch_id=branch_id, sub_branch_id=sub_branch_id, author_id=author_id,
               visit_id=visit_id, written_at=written_at)
    db.session.flush()
    return flag


def shown_report_flag(user: User, kind: str, record_id: str) -> dict[str, Any] | None:
    """The report_copied evidence of one report as `user` may see it (None when it is not flagged)."""
    flag = db.session.scalar(sa.select(ReportFlag).where(ReportFlag.kind == kind, ReportFlag.record_id == record_id,
                                                         ReportFlag.code == CODE))
    if flag is None:
        return None
    shown = report_evidence_for(user, flag.evidence)
    shown["this_segments"] = segments(str(shown.get("this_text") or ""), shown.get("this_spans") or [])
    other = shown.get("other") if isinstance(shown.get("other"), dict) else {}
    if not shown.get("other_hidden", True) and isinstance(other, dict):
        shown["other_segments"] = segments(str(shown.get("other_text") or ""), shown.get("other_spans") or [])
        shown["other_url"] = _record_url(str(other.get("kind")), str(other.get("record")), other.get("visit"))
    return shown


def _record_url(kind: str, record_id: str, visit_id: Any) -> str | None:
    """Where the other report is read (the caller has checked that the reader may open it)."""
    if kind == POST_LOAN_REPORT and record_id.isdigit():
        check_id = db.session.scalar(sa.select(CheckReport.check_id).where(CheckReport.id == int(record_id)))
        return url_for("postloan.check_page", check_id=check_id, _anchor="report") if check_id else None
    if kind == OVERDUE_REPORT and record_id.isdigit():
        case_id = db.session.scalar(sa.select(OverdueReport.case_id).where(OverdueReport.id == int(record_id)))
        return url_for("collection.report_page", case_id=case_id) if case_id else None
    return url_for("visits.show", visit_id=str(visit_id)) if visit_id else None
