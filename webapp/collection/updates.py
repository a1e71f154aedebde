"""Carrying out the committee's decision: progress updates on its rhythm, and actions reported done.

An update moves the next one's due time by the rhythm the decision set; a missing update falls due in the
owner's inbox (``webapp.collection.inbox``). Keyed by the id the form made, flushes, never commits.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.collection.cases import record_event
from webapp.errors import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import CollectionCase, CommitteeAction, ProgressUpdate
from webapp.scope import can_work_case
from webapp.write_kernel import FieldErrors, WriteContext, canonical_hash, text_field

MAX_TEXT = 2000


def _done_ids(raw: Any, case: CollectionCase, errors: FieldErrors) -> list[int]:
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    open_ids = set(db.session.scalars(sa.select(CommitteeAction.id).where(
        CommitteeAction.case_id == case.id, CommitteeAction.status == "open")))
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or int(text) not in open_ids:
            errors.add("done_action_ids", _("Not one of the case's open actions."))
            return []
        ids.append(int(text))
    return sorted(set(ids))


def post_update(ctx: WriteContext, case: CollectionCase, update_id: str, raw: dict[str, Any]) -> ProgressUpdate:
    if not can_work_case(ctx.actor, case):
        raise Forbidden(_("Only the case owner and their team lead post progress."))
    existing = db.session.get(ProgressUpdate, update_id)
    errors = FieldErrors()
    text = text_field(raw.get("text"), "text", errors, MAX_TEXT, required=True)
    done = _done_ids(raw.get("done_action_ids"), case, errors) if existing is None else []
    errors.raise_if_any()
    if existing is not None:
        if existing.case_id == case.id and existing.text == text:
            return existing
        raise Conflict(_("This update was already posted differently. Reload the case."), code="update_exists")
    if not case.is_open:
        raise Conflict(_("This case is closed."), code="case_closed")
    update = ProgressUpdate(id=update_id, case_id=case.id, author_id=ctx.actor.id, at=ctx.now, text=text,
                            detail={"done_action_ids": done, "hash": canonical_hash({"text": text, "done": done})})
    db.session.add(update)
    for action in db.session.scalars(sa.select(CommitteeAction).where(CommitteeAction.id.in_(done))):
        _mark_done(ctx, case, action, text)
    case.last_update_at = ctx.now
    if case.update_every_days:
        case.next_update_due_at = ctx.now + timedelta(days=case.update_every_days)
    record_event(case, "progress", ctx.now, ctx.actor, update_id=update_id, done_action_ids=done)
    db.session.flush()
    return update


def _mark_done(ctx: WriteContext, case: CollectionCase, action: CommitteeAction, note: str) -> None:
    action.status, action.done_at, action.done_note = "done", ctx.now, note[:1000]
    record_event(case, "action_done", ctx.now, ctx.actor, action_id=action.id, text=action.text[:200])


def complete_action(ctx: WriteContext, action: CommitteeAction, raw_note: Any) -> CommitteeAction:
    """The person the committee named (or the case owner and lead) reports an action done."""
    case = db.session.get(CollectionCase, action.case_id)
    assert case is not None
    if action.owner_id != ctx.actor.id and not can_work_case(ctx.actor, case):
        raise Forbidden(_("Only the person the committee named, the case owner or their lead reports this."))
    errors = FieldErrors()
    note = text_field(raw_note, "done_note", errors, 1000, required=True)
    errors.raise_if_any()
    if action.status == "done":
        raise Conflict(_("This action is already reported done."), code="action_done")
    _mark_done(ctx, case, action, note)
    db.session.flush()
    return action
