"""Credit committee pages: the meetings, recording one with the cases presented, and a decision per case.
Only committee recorders (the admin's grant; by default branch reviewers) use them."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from webapp.bank_time import bank_today, clock_now
from webapp.collection.committee import (
    branch_people,
    decide,
    ready_for_committee,
    record_meeting,
)
from webapp.collection.web import bp
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import DECISION_OUTCOMES, CommitteeMeeting, User
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.scope import get_meeting_decision_or_404, get_meeting_or_404, require_committee_recorder
from webapp.visits.request_context import write_context

FORM_ACTION_ROWS = 3
MEETINGS_SHOWN = 50


@bp.get("/committee/")
@login_required
def committee() -> str:
    require_committee_recorder(current_user)
    branch_id = current_user.branch_id
    meetings = db.session.scalars(sa.select(CommitteeMeeting).where(CommitteeMeeting.branch_id == branch_id)
                                  .order_by(CommitteeMeeting.held_on.desc(), CommitteeMeeting.id.desc())
                                  .limit(MEETINGS_SHOWN)).all()
    return render_template("collection/committee.html", meetings=meetings, ready=ready_for_committee(branch_id))


def _meeting_form(form: MultiDict[str, str], errors: dict[str, str], message: str | None) -> dict[str, Any]:
    branch_id = current_user.branch_id
    return {"form": form, "errors": errors, "message": message, "people": db.session.scalars(
        branch_people(branch_id)).all(), "ready": ready_for_committee(branch_id)}


@bp.get("/committee/new")
@login_required
def meeting_new() -> str:
    require_committee_recorder(current_user)
    form = MultiDict({"held_on": bank_today(clock_now()).isoformat()})
    return render_template("collection/meeting_new.html", **_meeting_form(form, {}, None))


@bp.post("/committee/new")
@login_required
def meeting_create() -> Page:
    require_committee_recorder(current_user)
    form = request.form
    raw = {"held_on": form.get("held_on", ""), "member_ids": form.getlist("member_ids"),
           "report_ids": form.getlist("report_ids"), "other_members": form.get("other_members", ""),
           "note": form.get("note", "")}
    try:
        meeting = record_meeting(write_context(), raw)
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/meeting_new.html", **_meeting_form(form, errors.by_form_field(), errors.message)))
    db.session.commit()
    return finished(url_for("collection.meeting_page", meeting_id=meeting.id))


def _meeting_context(meeting: CommitteeMeeting, **extra: Any) -> dict[str, Any]:
    members = db.session.scalars(sa.select(User).where(User.id.in_(meeting.member_ids or [])).order_by(User.username))
    default_due = (meeting.held_on + timedelta(days=14)).isoformat()
    context: dict[str, Any] = {
        "meeting": meeting, "members": members.all(), "outcomes": DECISION_OUTCOMES,
        "people": db.session.scalars(branch_people(meeting.branch_id)).all(), "rows": range(FORM_ACTION_ROWS),
        "forms": {}, "errors": {}, "messages": {}, "default_due": default_due,
    }
    context.update(extra)
    return context


@bp.get("/committee/<int:meeting_id>")
@login_required
def meeting_page(meeting_id: int) -> str:
    meeting = get_meeting_or_404(current_user, meeting_id)
    return render_template("collection/meeting.html", **_meeting_context(meeting))


def decision_body(form: MultiDict[str, str]) -> dict[str, Any]:
    actions = [{"text": form.get(f"actions_{i}_text", ""), "owner_id": form.get(f"actions_{i}_owner_id", ""),
                "due_on": form.get(f"actions_{i}_due_on", "")} for i in range(FORM_ACTION_ROWS)]
    return {"outcome": form.get("outcome", ""), "text": form.get("text", ""),
            "update_every_days": form.get("update_every_days", ""), "actions": actions}


@bp.post("/committee/<int:meeting_id>/cases/<int:case_id>")
@login_required
def decide_post(meeting_id: int, case_id: int) -> Page:
    meeting = get_meeting_or_404(current_user, meeting_id)
    decision = get_meeting_decision_or_404(meeting, case_id)
    try:
        decide(write_context(), decision, decision_body(request.form))
    except AppError as error:
        def again(errors: FormErrors) -> str:
            context = _meeting_context(meeting, forms={case_id: request.form},
                                       errors={case_id: errors.by_form_field()}, messages={case_id: errors.message})
            if wants_partial():
                return render_template("collection/_decision_form.html", decision=decision, **context)
            return render_template("collection/meeting.html", **context)
        return form_error(error, again)
    db.session.commit()
    return finished(url_for("collection.meeting_page", meeting_id=meeting_id, _anchor=f"case-{case_id}"))
