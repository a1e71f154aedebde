"""What the review pages show, gathered for their templates: the filter choices, one visit with its evidence
and decision forms, the sample list, and the review block on the manager's visit page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.integrity.evidence import shown_evidence
from webapp.models import FLAG_CODES, VISIT_KINDS, SubBranch, User, Visit
from webapp.models.review import REVIEW_STATES, ReviewSample
from webapp.review import states
from webapp.review.decisions import review_status
from webapp.review.queue import FLAG_FILTERS
from webapp.review.record import build_record
from webapp.roles import FIELD_ROLES, REVIEW_ROLES, TEAM_LEAD
from webapp.scope import visible_samples, visible_sub_branch_ids, visible_teams

SAMPLES_SHOWN = 50


def visit_review(user: User, visit: Visit) -> dict[str, Any]:
    """For ``review/_visit_review_status.html`` on the visit page: the state and what this user may do."""
    status = review_status(visit.id)
    return {
        "status": status,
        "may_resubmit": (status.state == "sent_back" and user.role in FIELD_ROLES
                         and user.id in (visit.lead_id, visit.created_by_id)),
        "may_review": user.role in REVIEW_ROLES,
    }


def filter_options(user: User) -> dict[str, Any]:
    """What the filter and sample forms offer: only what the user may see."""
    sub_branches = list(db.session.scalars(
        sa.select(SubBranch).where(SubBranch.id.in_(visible_sub_branch_ids(user))).order_by(SubBranch.code)))
    teams = list(db.session.scalars(visible_teams(user).order_by("name")))
    if user.role == TEAM_LEAD:
        teams = [t for t in teams if t.id == user.team_id]
    # Columns, not ORM objects: a big branch has hundreds of managers, and only three fields show.
    people = (sa.select(User.id, User.username, User.display_name)
              .where(User.sub_branch_id.in_(visible_sub_branch_ids(user)), User.role.in_(FIELD_ROLES))
              .order_by(User.username))
    if user.role == TEAM_LEAD:
        people = people.where(User.team_id == user.team_id)
    return {"sub_branches": sub_branches, "teams": teams, "managers": list(db.session.execute(people)),
            "kinds": VISIT_KINDS, "flag_codes": FLAG_CODES, "flag_filters": FLAG_FILTERS,
            "states": REVIEW_STATES}


def visit_context(user: User, visit: Visit, *, back_url: str, **extra: Any) -> dict[str, Any]:
    """One visit on the review page: its record, the decisions this user may take, and the forms' state."""
    record = build_record(user, visit)
    took_part = user.id in (visit.lead_id, visit.support_id, visit.observer_id, visit.created_by_id)
    actions = [] if took_part else [a for a in states.actions_for(record.status.state, user.role)
                                    if a != "resubmit"]
    context: dict[str, Any] = {
        "visit": visit, "record": record, "status": record.status, "actions": actions, "took_part": took_part,
        "may_dismiss": not took_part and states.may_decide_flag(user.role, "dismissed"),
        "may_confirm": not took_part and states.may_decide_flag(user.role, "confirmed"),
        "decision_errors": {}, "decision_message": None, "decision_form": {},
        "flag_errors": {}, "flag_form": {}, "flag_error_id": None,
        "integrity": shown_evidence(user, [item.flag for item in record.flags]),
        "back_url": back_url,
    }
    context.update(extra)
    return context


def samples_context(user: User, form: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, Any]:
    samples = list(db.session.scalars(visible_samples(user)
                                      .order_by(ReviewSample.drawn_at.desc(), ReviewSample.id.desc())
                                      .limit(SAMPLES_SHOWN)))
    return {"samples": samples, "form": form, "errors": errors, **filter_options(user)}
