"""The one write path for the state of a scheduled check: done (by a visit or an off-site record) or waived
by a lead with a reason. Flushes, never commits; every change recounts the completion tally of its day."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import ScheduledCheck
from webapp.postloan import tally
from webapp.roles import TEAM_LEAD
from webapp.write_kernel import FieldErrors, Forbidden, WriteContext

MAX_REASON = 500


def complete_check(ctx: WriteContext, check: ScheduledCheck, *, done_at: datetime, visit_id: str | None = None) -> None:
    """Mark the check done (on time when its bank day is on or before the due date). Done stays done."""
    if check.status == "done":
        return
    check.status = "done"
    check.done_at = done_at
    check.done_on = bank_today(done_at)
    check.done_by_id = ctx.actor.id
    check.visit_id = visit_id
    db.session.flush()
    tally.recount([(check.sub_branch_id, check.due_on)])


def waive_check(ctx: WriteContext, check: ScheduledCheck, form: dict[str, Any]) -> None:
    """A team lead waives an open check of their team, saying why; a waived check survives every recompute."""
    if ctx.actor.role != TEAM_LEAD:
        raise Forbidden(_("Only a team lead waives a check."))
    errors = FieldErrors()
    reason = form.get("reason")
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or "\x00" in text:
        errors.add("reason", _("Say why the check is waived."))
    elif len(text) > MAX_REASON:
        errors.add("reason", _("At most %(limit)d characters.", limit=MAX_REASON))
    errors.raise_if_any()
    if check.status != "open":
        errors.fail("reason", _("Only an open check can be waived."))
    check.status = "waived"
    check.waived_by_id = ctx.actor.id
    check.waived_at = ctx.now
    check.waive_reason = text
    db.session.flush()
    tally.recount([(check.sub_branch_id, check.due_on)])
