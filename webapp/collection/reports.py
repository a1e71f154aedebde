"""The overdue report (逾期报告): written by the case owner, submitted to the team lead, who returns it or
forwards it to the credit committee. Attachments (documents, photos) travel with it.

Plain functions on a ``WriteContext``: validate, write, flush, never commit.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from webapp.collection.cases import record_event
from webapp.collection.notify import notify, superiors_of
from webapp.errors import AppError, Conflict, Forbidden
from webapp.extensions import db
from webapp.integrity.reports import OVERDUE_REPORT, check_report
from webapp.models import (
    ARREARS_CAUSES,
    PROPOSALS,
    CollectionCase,
    OverdueReport,
    ReportAttachment,
    SubBranch,
    SubBranchHead,
)
from webapp.models.user import User
from webapp.scope import leads_case
from webapp.write_kernel import FieldErrors, WriteContext, choice_field, text_field

MAX_TEXT = 4000
MAX_REVIEW_NOTE = 1000
IN_PROGRESS = ("draft", "submitted", "returned", "accepted")
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"))
_UNSAFE_NAME = re.compile(r"[^\w.\- ()\u3000-\u9fff]+")


def report_in_progress(case: CollectionCase) -> OverdueReport | None:
    """The report not yet presented to a committee (a case has at most one)."""
    return db.session.scalar(sa.select(OverdueReport).where(OverdueReport.case_id == case.id,
                                                            OverdueReport.status.in_(IN_PROGRESS))
                             .order_by(OverdueReport.id.desc()).limit(1))


def parse_report(raw: Any) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    body = {
        "cause": choice_field(raw.get("cause"), "cause", errors, ARREARS_CAUSES, required=True),
        "situation": text_field(raw.get("situation"), "situation", errors, MAX_TEXT, required=True),
        "proposal": choice_field(raw.get("proposal"), "proposal", errors, PROPOSALS, required=True),
        "proposal_detail": text_field(raw.get("proposal_detail"), "proposal_detail", errors, MAX_TEXT),
    }
    errors.raise_if_any()
    return body


def save_report(ctx: WriteContext, case: CollectionCase, raw: Any, *, submit: bool) -> OverdueReport:
    """Write (or rewrite) the case's report; with ``submit`` it goes to the team lead."""
    if case.owner_id != ctx.actor.id:
        raise Forbidden(_("The case owner writes the overdue report."))
    if not case.is_open:
        raise Conflict(_("This case is closed."), code="case_closed")
    body = parse_report(raw)
    report = report_in_progress(case)
    if report is not None and not report.editable:
        raise Conflict(_("The report is with the team lead or the committee and cannot be changed now."),
                       code="report_locked")
    if report is None:
        report = OverdueReport(case_id=case.id, author_id=ctx.actor.id, status="draft", created_at=ctx.now,
                               review_note="")
        db.session.add(report)
    report.cause, report.situation = body["cause"], body["situation"]
    report.proposal, report.proposal_detail = body["proposal"], body["proposal_detail"]
    report.updated_at = ctx.now
    db.session.flush()
    _check_copied(case, report)
    if submit:
        report.status, report.submitted_at = "submitted", ctx.now
        record_event(case, "report_submitted", ctx.now, ctx.actor, report_id=report.id, proposal=report.proposal)
        notify(superiors_of(case), "report_submitted", case, now=ctx.now,
               key=f"report:{report.id}:{ctx.now.isoformat()}")
    else:
        record_event(case, "report_saved", ctx.now, ctx.actor, report_id=report.id)
    db.session.flush()
    return report


def report_text(report: OverdueReport) -> str:
    """The manager's own words in the report (the situation and the proposal's detail): what a copy copies."""
    return "\n".join(part for part in (report.situation, report.proposal_detail) if part and part.strip())


def _check_copied(case: CollectionCase, report: OverdueReport) -> None:
    """A near copy of another report is flagged (webapp.integrity.reports); the case's own earlier reports are
    drafts of the same story and never count."""
    own = db.session.scalars(sa.select(OverdueReport.id).where(OverdueReport.case_id == case.id,
                                                               OverdueReport.id != report.id))
    branch_id = db.session.scalar(sa.select(SubBranch.branch_id).where(SubBranch.id == case.sub_branch_id))
    check_report(OVERDUE_REPORT, str(report.id), report_text(report), branch_id=branch_id or 0,
                 written_at=report.updated_at, sub_branch_id=case.sub_branch_id, author_id=report.author_id,
                 exclude=[(OVERDUE_REPORT, str(i)) for i in own])


def can_review(user: User, case: CollectionCase) -> bool:
    """The owner's team lead, or the sub-branch head; never the report's own author."""
    if user.id == case.owner_id:
        return False
    if leads_case(user, case):
        return True
    return db.session.scalar(sa.select(SubBranchHead.user_id).where(
        SubBranchHead.sub_branch_id == case.sub_branch_id, SubBranchHead.user_id == user.id)) is not None


def review_report(ctx: WriteContext, report: OverdueReport, raw_decision: Any, raw_note: Any) -> OverdueReport:
    """The lead forwards the report to the committee ("accept") or returns it with what to change."""
    case = report.case
    if not can_review(ctx.actor, case):
        raise Forbidden(_("The owner's team lead or the sub-branch head reviews the report."))
    errors = FieldErrors()
    decision = choice_field(raw_decision, "decision", errors, ("accept", "return"), required=True)
    note = text_field(raw_note, "review_note", errors, MAX_REVIEW_NOTE, required=decision == "return")
    errors.raise_if_any()
    if report.status != "submitted":
        raise Conflict(_("This report is not waiting for review."), code="report_not_submitted")
    report.status = "accepted" if decision == "accept" else "returned"
    report.reviewed_by_id, report.reviewed_at, report.review_note = ctx.actor.id, ctx.now, note
    record_event(case, f"report_{report.status}", ctx.now, ctx.actor, report_id=report.id, note=note)
    if decision == "return":
        notify([case.owner], "report_returned", case, now=ctx.now, key=f"returned:{report.id}:{ctx.now.isoformat()}",
               detail=note)
    db.session.flush()
    return report


def clean_file_name(name: str, extension: str) -> str:
    """A name to show and to offer on download: no path, no control characters, the true extension."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = _UNSAFE_NAME.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")[:100]
    return f"{stem or 'attachment'}.{extension}"


def add_attachment(ctx: WriteContext, report: OverdueReport, file_name: str, data: bytes) -> ReportAttachment:
    if report.case.owner_id != ctx.actor.id:
        raise Forbidden(_("The case owner attaches documents to the report."))
    if not report.editable:
        raise Conflict(_("The report is with the team lead or the committee and cannot be changed now."),
                       code="report_locked")
    limit = int(current_app.config["COLLECTION_ATTACHMENT_MAX_BYTES"])
    if not data:
        raise AppError(_("Choose a file to attach."), status=422, code="invalid", fields={"file": _("Required.")})
    if len(data) > limit:
        raise AppError(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), status=413,
                       code="too_large", fields={"file": _("The file is too large.")})
    kind = next(((mime, ext) for magic, mime, ext in SIGNATURES if data.startswith(magic)), None)
    if kind is None:
        raise AppError(_("Attach a PDF, JPEG or PNG file."), status=415, code="unsupported_type",
                       fields={"file": _("Attach a PDF, JPEG or PNG file.")})
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ReportAttachment)
                              .where(ReportAttachment.report_id == report.id)) or 0
    if count >= int(current_app.config["COLLECTION_ATTACHMENTS_PER_REPORT"]):
        raise Conflict(_("This report has as many attachments as it may have."), code="too_many_attachments")
    attachment = ReportAttachment(report_id=report.id, file_name=clean_file_name(file_name, kind[1]),
                                  content_type=kind[0], size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                  data=data, uploaded_by_id=ctx.actor.id, uploaded_at=ctx.now)
    db.session.add(attachment)
    db.session.flush()
    return attachment
