"""The credit committee (审贷会) as records: a meeting with its members and the cases presented, a decision on
each case (text, outcome, the rhythm of progress updates) and the actions it assigns.

Only those who may record committee decisions (``webapp.scope.can_record_committee``: an admin's grant, by
default the branch reviewers) write here. A decision is final once recorded; a closing outcome closes the
case with the decision as its reason. Flushes, never commits.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.collection.cases import close_case, record_event
from webapp.collection.notify import notify
from webapp.collection.write import parse_day
from webapp.errors import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import (
    DECISION_OUTCOMES,
    CollectionCase,
    CommitteeAction,
    CommitteeDecision,
    CommitteeMeeting,
    OverdueReport,
    SubBranch,
    User,
)
from webapp.models.committee import CLOSING_OUTCOMES
from webapp.scope import can_record_committee
from webapp.write_kernel import FieldErrors, WriteContext, choice_field, text_field

MAX_ACTIONS = 5
MAX_MEMBERS = 30
MAX_RHYTHM_DAYS = 90
ACTION_HORIZON = timedelta(days=366)


def branch_people(branch_id: int) -> sa.Select[User]:
    """Enabled people of the branch: committee members and action owners are chosen among them."""
    return (sa.select(User).join(SubBranch, SubBranch.id == User.sub_branch_id)
            .where(SubBranch.branch_id == branch_id, User.is_enabled.is_(True)).order_by(User.username))


def ready_for_committee(branch_id: int) -> list[OverdueReport]:
    """Reports the team leads forwarded, of open cases of the branch, oldest first."""
    return list(db.session.scalars(
        sa.select(OverdueReport).join(CollectionCase, CollectionCase.id == OverdueReport.case_id)
        .join(SubBranch, SubBranch.id == CollectionCase.sub_branch_id)
        .where(SubBranch.branch_id == branch_id, OverdueReport.status == "accepted", CollectionCase.status == "open")
        .order_by(OverdueReport.reviewed_at, OverdueReport.id)))


def _require_recorder(user: User) -> None:
    if not can_record_committee(user):
        raise Forbidden(_("Recording committee decisions needs the admin's grant."))


def _ids(raw: Any, path: str, errors: FieldErrors, allowed: set[int]) -> list[int]:
    if raw in (None, ""):
        return []
    values = raw if isinstance(raw, list) else [raw]
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or int(text) not in allowed:
            errors.add(path, _("Not one of the allowed values."))
            return []
        if int(text) not in ids:
            ids.append(int(text))
    return ids


def record_meeting(ctx: WriteContext, raw: dict[str, Any]) -> CommitteeMeeting:
    """The meeting, its members present and the reports presented (each case gets an undecided decision)."""
    _require_recorder(ctx.actor)
    branch_id = ctx.actor.branch_id
    errors = FieldErrors()
    held_on = parse_day(raw.get("held_on"), "held_on", errors, required=True)
    today = bank_today(ctx.now)
    if held_on is not None and (held_on > today or held_on < today - timedelta(days=366)):
        errors.add("held_on", _("The meeting date must be within the last year, not in the future."))
    people = {user.id for user in db.session.scalars(branch_people(branch_id))}
    members = _ids(raw.get("member_ids"), "member_ids", errors, people)
    if not members and "member_ids" not in errors.items:
        errors.add("member_ids", _("Tick the members present."))
    elif len(members) > MAX_MEMBERS:
        errors.add("member_ids", _("At most %(limit)d members.", limit=MAX_MEMBERS))
    ready = {report.id: report for report in ready_for_committee(branch_id)}
    presented = _ids(raw.get("report_ids"), "report_ids", errors, set(ready))
    if not presented and "report_ids" not in errors.items:
        errors.add("report_ids", _("Tick the cases presented."))
    other_members = text_field(raw.get("other_members"), "other_members", errors, 300)
    note = text_field(raw.get("note"), "note", errors, 2000)
    errors.raise_if_any()
    assert held_on is not None
    meeting = CommitteeMeeting(branch_id=branch_id, held_on=held_on, member_ids=members, other_members=other_members,
                               note=note, recorded_by_id=ctx.actor.id, recorded_at=ctx.now)
    db.session.add(meeting)
    db.session.flush()
    for report_id in presented:
        report = ready[report_id]
        report.status, report.meeting_id = "presented", meeting.id
        db.session.add(CommitteeDecision(meeting_id=meeting.id, case_id=report.case_id, report_id=report.id, text=""))
        record_event(report.case, "presented", ctx.now, ctx.actor, meeting_id=meeting.id, report_id=report.id,
                     held_on=held_on.isoformat())
    db.session.flush()
    return meeting


def _rhythm(raw: Any, errors: FieldErrors, *, required: bool) -> int | None:
    if raw in (None, ""):
        if required:
            errors.add("update_every_days", _("Required."))
        return None
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_RHYTHM_DAYS:
        errors.add("update_every_days", _("A number of days from 1 to %(limit)d.", limit=MAX_RHYTHM_DAYS))
        return None
    return int(text)


def _actions(raw: Any, errors: FieldErrors, owners: dict[int, User], held_on: date) -> list[dict[str, Any]]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ACTIONS:
        errors.add("actions", _("At most %(limit)d actions.", limit=MAX_ACTIONS))
        return []
    actions = []
    for index, item in enumerate(raw):
        path = f"actions.{index}"
        if not isinstance(item, dict):
            errors.add(path, _("Expected an action as an object."))
            continue
        if not any(str(item.get(key) or "").strip() for key in ("text", "owner_id", "due_on")):
            continue  # an empty row of the form
        text = text_field(item.get("text"), f"{path}.text", errors, 500, required=True)
        owner = str(item.get("owner_id") or "").strip()
        if not owner.isdigit() or int(owner) not in owners:
            errors.add(f"{path}.owner_id", _("Choose who carries it out."))
        due_on = parse_day(item.get("due_on"), f"{path}.due_on", errors, required=True)
        if due_on is not None and not held_on <= due_on <= held_on + ACTION_HORIZON:
            errors.add(f"{path}.due_on", _("Due within a year of the meeting."))
        actions.append({"text": text, "owner_id": int(owner) if owner.isdigit() else None, "due_on": due_on})
    return actions


def decide(ctx: WriteContext, decision: CommitteeDecision, raw: dict[str, Any]) -> CommitteeDecision:
    """The committee's decision on one presented case, with its actions; final once recorded."""
    _require_recorder(ctx.actor)
    meeting = decision.meeting
    errors = FieldErrors()
    outcome = choice_field(raw.get("outcome"), "outcome", errors, DECISION_OUTCOMES, required=True)
    text = text_field(raw.get("text"), "text", errors, 2000, required=True)
    closing = outcome in CLOSING_OUTCOMES
    rhythm = _rhythm(raw.get("update_every_days"), errors, required=outcome is not None and not closing)
    owners = {user.id: user for user in db.session.scalars(branch_people(meeting.branch_id))}
    actions = _actions(raw.get("actions"), errors, owners, meeting.held_on)
    errors.raise_if_any()
    if decision.outcome is not None:
        raise Conflict(_("The committee's decision on this case is already recorded."), code="decided")
    case = decision.case
    if not case.is_open:
        raise Conflict(_("This case is closed."), code="case_closed")
    assert outcome is not None
    decision.outcome, decision.text, decision.decided_at, decision.decided_by_id = outcome, text, ctx.now, ctx.actor.id
    decision.update_every_days = None if closing else rhythm
    for item in actions:
        db.session.add(CommitteeAction(decision_id=decision.id, case_id=case.id, text=item["text"],
                                       owner_id=item["owner_id"], due_on=item["due_on"], status="open", done_note=""))
    record_event(case, "decision", ctx.now, ctx.actor, meeting_id=meeting.id, outcome=outcome, text=text[:300],
                 actions=len(actions), update_every_days=decision.update_every_days)
    notify([case.owner], "decision_recorded", case, now=ctx.now, key=f"decision:{decision.id}", detail=text)
    if closing:
        close_case(case, CLOSING_OUTCOMES[outcome], now=ctx.now, actor=ctx.actor, note=text)
    elif rhythm is not None:
        case.update_every_days = rhythm
        case.next_update_due_at = ctx.now + timedelta(days=rhythm)
    db.session.flush()
    return decision
