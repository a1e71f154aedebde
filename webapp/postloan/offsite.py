"""The one write path for off-site checks (非现场检查): the repayment record reviewed from the book, phone
interviews (reached or not, what was said), a web search of the key facts. Recorded from a phone or a desk,
without a check-in; keyed by the id the form made, so a double submit finds the record it already made."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp.extensions import db
from webapp.models import PERSON_KINDS, OffsiteCheck, ScheduledCheck
from webapp.models.postloan import REPAYMENT_VIEWS, WEB_SUBJECTS
from webapp.postloan.auto_warnings import offsite_findings
from webapp.postloan.risk import raise_warning
from webapp.postloan.write import complete_check
from webapp.roles import FIELD_ROLES, MANAGER
from webapp.write_kernel import (
    Conflict,
    FieldErrors,
    Forbidden,
    WriteContext,
    canonical_hash,
    insert_or_winner,
    text_field,
)

MAX_ITEMS = 10
FORM_INTERVIEWS = 3
FORM_WEB = 2
MAX_TEXT = 500
LINK_RE = re.compile(r"^https?://[^\s]{3,300}$")


@dataclass(frozen=True)
class OffsiteWrite:
    status: Literal["created", "unchanged"]
    record: OffsiteCheck


def _text(value: Any, path: str, errors: FieldErrors, *, required: bool = False) -> str:
    return text_field(value, path, errors, MAX_TEXT, required=required)


def _bool(value: Any, path: str, errors: FieldErrors) -> bool:
    if not isinstance(value, bool):
        errors.add(path, _("Expected yes or no."))
        return False
    return value


def _items(raw: Any, path: str, errors: FieldErrors) -> list[Any]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        errors.add(path, _("Expected a list."))
        return []
    if len(raw) > MAX_ITEMS:
        errors.add(path, _("At most %(limit)d entries.", limit=MAX_ITEMS))
        return []
    return raw


def parse_offsite_body(raw: Any) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected an object."))
    repayment = raw.get("repayment")
    if repayment not in REPAYMENT_VIEWS:
        errors.add("repayment", _("Say how the repayment record looks."))
    interviews = []
    for index, item in enumerate(_items(raw.get("interviews"), "interviews", errors)):
        path = f"interviews.{index}"
        if not isinstance(item, dict):
            errors.add(path, _("Expected an object."))
            continue
        person = item.get("person")
        if person not in PERSON_KINDS:
            errors.add(f"{path}.person", _("Choose whom you called."))
        reached = _bool(item.get("reached"), f"{path}.reached", errors)
        summary = _text(item.get("summary"), f"{path}.summary", errors, required=reached)
        interviews.append({"person": person, "reached": reached, "summary": summary})
    if not interviews and "interviews" not in errors.items:
        errors.add("interviews", _("Record at least one phone interview, reached or not."))
    findings = []
    for index, item in enumerate(_items(raw.get("web_findings"), "web_findings", errors)):
        path = f"web_findings.{index}"
        if not isinstance(item, dict):
            errors.add(path, _("Expected an object."))
            continue
        subject = item.get("subject")
        if subject not in WEB_SUBJECTS:
            errors.add(f"{path}.subject", _("Choose what you searched for."))
        link = _text(item.get("link"), f"{path}.link", errors)
        if link and not LINK_RE.match(link):
            errors.add(f"{path}.link", _("A link starts with http:// or https://."))
        findings.append({"subject": subject, "adverse": _bool(item.get("adverse"), f"{path}.adverse", errors),
                         "note": _text(item.get("note"), f"{path}.note", errors, required=True), "link": link})
    body = {"repayment": repayment, "repayment_note": _text(raw.get("repayment_note"), "repayment_note", errors),
            "interviews": interviews, "web_findings": findings}
    errors.raise_if_any()
    return body


def offsite_body_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's flat fields as the body: interview rows and search rows left empty are dropped."""
    def text(name: str) -> str:
        return (form.get(name) or "").strip()

    def yes_no(name: str) -> bool | str:
        return {"yes": True, "no": False}.get(text(name), text(name))

    interviews = [{"person": text(f"interviews_{i}_person"), "reached": yes_no(f"interviews_{i}_reached"),
                   "summary": text(f"interviews_{i}_summary")}
                  for i in range(FORM_INTERVIEWS)
                  if text(f"interviews_{i}_person") or text(f"interviews_{i}_summary")]
    findings = [{"subject": text(f"web_findings_{i}_subject"), "adverse": yes_no(f"web_findings_{i}_adverse"),
                 "note": text(f"web_findings_{i}_note"), "link": text(f"web_findings_{i}_link")}
                for i in range(FORM_WEB) if text(f"web_findings_{i}_note") or text(f"web_findings_{i}_link")]
    return {"repayment": text("repayment") or None, "repayment_note": text("repayment_note"),
            "interviews": interviews, "web_findings": findings}


def put_offsite(ctx: WriteContext, record_id: str, check: ScheduledCheck, raw: Any) -> OffsiteWrite:
    """Record the off-site check and mark its scheduled check done; a replay of the same body changes nothing."""
    if ctx.actor.role not in FIELD_ROLES or (
            ctx.actor.role == MANAGER and ctx.actor.id not in (check.assignee_id, check.loan.manager_id)):
        raise Forbidden(_("Only the loan's customer manager or their team lead records its checks."))
    body = parse_offsite_body(raw)
    body_hash = canonical_hash(body)
    existing = db.session.get(OffsiteCheck, record_id)
    if existing is not None:
        return _replayed(existing, check, body_hash)
    errors = FieldErrors()
    if check.mode != "offsite":
        errors.fail("check", _("This is an on-site check: record it with a post-loan visit."))
    if check.status == "waived":
        errors.fail("check", _("This check was waived by the team lead."))
    if check.status == "done":
        errors.fail("check", _("This check is already done."))
    record = OffsiteCheck(id=record_id, check_id=check.id, loan_id=check.loan_id, recorded_by_id=ctx.actor.id,
                          recorded_at=ctx.now, repayment=body["repayment"], repayment_note=body["repayment_note"],
                          interviews=body["interviews"], web_findings=body["web_findings"], body_hash=body_hash)
    winner = insert_or_winner(record, lambda: db.session.get(OffsiteCheck, record_id, populate_existing=True))
    if winner is not None:
        return _replayed(winner, check, body_hash)
    complete_check(ctx, check, done_at=ctx.now)
    for finding in offsite_findings(body["repayment"], body["interviews"], body["web_findings"]):
        raise_warning(ctx, check.loan, finding, f"offsite:{record_id}:{finding.rule}")
    return OffsiteWrite("created", record)


def _replayed(existing: OffsiteCheck, check: ScheduledCheck, body_hash: str) -> OffsiteWrite:
    """The same record sent again (a phone's replay) changes nothing; other content under its id is a conflict."""
    if existing.body_hash == body_hash and existing.check_id == check.id:
        return OffsiteWrite("unchanged", existing)
    raise Conflict(_("This off-site check was already saved with different content."))


def offsite_records(check_ids: list[int]) -> dict[int, OffsiteCheck]:
    if not check_ids:
        return {}
    rows = db.session.scalars(sa.select(OffsiteCheck).where(OffsiteCheck.check_id.in_(check_ids)))
    return {row.check_id: row for row in rows}
