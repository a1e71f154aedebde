"""Performance talks: a lead's list and record of talks with the team, a manager's own talks, the agreed
actions. Only the two people of a talk see it (webapp.scope.talk_condition); other roles get 403."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from webapp.bank_time import bank_today
from webapp.errors import AppError
from webapp.extensions import db
from webapp.meetings.talk_inbox import talks_to_suggest
from webapp.meetings.talks import complete_action, last_talk_on, record_talk, talk_figures
from webapp.meetings.views import form_again
from webapp.metrics.store import definitions_for
from webapp.models import PerformanceTalk, User
from webapp.models.people import TALK_RATINGS
from webapp.pages import Page, finished
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import board_people, get_talk_action_or_404, get_talk_or_404, one_or_404, require_role, talk_condition
from webapp.visits.request_context import write_context

bp = Blueprint("talks", __name__, url_prefix="/meetings/talks")


@bp.get("/")
@login_required
def index() -> str:
    require_role(current_user, *FIELD_ROLES)
    talks = list(db.session.scalars(
        sa.select(PerformanceTalk).where(talk_condition(current_user))
        .order_by(PerformanceTalk.held_on.desc(), PerformanceTalk.id.desc())
        .options(selectinload(PerformanceTalk.actions), selectinload(PerformanceTalk.manager)).limit(200)))
    people: list[User] = []
    suggested: list[Any] = []
    if current_user.role == TEAM_LEAD and current_user.team is not None:
        people = [p for p in db.session.scalars(board_people(current_user.team)) if p.id != current_user.id]
        suggested = talks_to_suggest(current_user.team, definitions_for(current_user.sub_branch.branch_id),
                                     bank_today())
    return render_template("talks/index.html", talks=talks, people=people, suggested=suggested,
                           last_talk={p.id: last_talk_on(p.id) for p in people})


def _team_member_or_404(manager_id: int) -> User:
    require_role(current_user, TEAM_LEAD)
    if current_user.team is None:
        abort(404)
    person = one_or_404(board_people(current_user.team).where(User.id == manager_id, User.id != current_user.id))
    return person


def _new_context(person: User) -> dict[str, Any]:
    today = bank_today()
    return {"person": person, "today": today, "ratings": TALK_RATINGS,
            "figures": talk_figures(person, definitions_for(person.sub_branch.branch_id), today)}


@bp.get("/new")
@login_required
def new() -> str:
    raw = request.args.get("manager_id", "")
    if not raw.isdigit() or len(raw) > 9:
        require_role(current_user, TEAM_LEAD)
        abort(404)
    person = _team_member_or_404(int(raw))
    return render_template("talks/new.html", values={"held_on": bank_today().isoformat()}, errors={},
                           **_new_context(person))


@bp.post("/new")
@login_required
def create() -> Page:
    raw = request.form.get("manager_id", "")
    if not raw.isdigit() or len(raw) > 9:
        require_role(current_user, TEAM_LEAD)
        abort(404)
    person = _team_member_or_404(int(raw))
    try:
        talk = record_talk(write_context(), person, request.form)
    except AppError as error:
        return form_again(error, "talks/new.html", None, {**_new_context(person), "values": request.form})
    db.session.commit()
    flash(_("The talk was recorded; its actions are in both inboxes."), "info")
    return finished(url_for("talks.show", talk_id=talk.id))


@bp.get("/<int:talk_id>")
@login_required
def show(talk_id: int) -> str:
    talk = get_talk_or_404(current_user, talk_id)
    return render_template("talks/show.html", talk=talk, ratings=TALK_RATINGS, today=bank_today())


@bp.post("/actions/<int:action_id>/done")
@login_required
def action_done(action_id: int) -> Page:
    action = get_talk_action_or_404(current_user, action_id)
    complete_action(write_context(), action)
    db.session.commit()
    return finished(url_for("talks.show", talk_id=action.talk_id, _anchor=f"action-{action.id}"))
