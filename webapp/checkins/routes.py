"""Location proposals for team leads: the list, and confirm or reject one."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.checkins.proposals import (
    Decision,
    confirm_proposal,
    pending_proposals,
    proposing_flags,
    reject_proposal,
    require_deciding_lead,
)
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import LocationProposal, User
from webapp.redirects import local_path_or
from webapp.roles import TEAM_LEAD
from webapp.scope import get_proposal_or_404, require_role

bp = Blueprint("checkins", __name__)


@bp.get("/location-proposals")
@login_required
def proposals() -> str:
    require_role(current_user, TEAM_LEAD)
    return render_template("checkins/proposals.html", proposals=pending_proposals(current_user),
                           proposing_flags=proposing_flags, next_url=url_for("checkins.proposals"))


def _message(decision: Decision) -> str:
    if not decision.changed:
        return _("This proposal was already decided.")
    return {
        "confirmed": _("Location confirmed: check-ins at this merchant are now rated against it."),
        "rejected": _("Proposal rejected."),
        "superseded": _("The merchant got a location meanwhile; this proposal was set aside."),
    }.get(decision.status, "")


def _decided(proposal: LocationProposal, decision: Decision) -> str | Response:
    message = _message(decision)
    next_url = local_path_or(request.form.get("next"), url_for("checkins.proposals"))
    if wants_partial():
        return render_template("checkins/_proposal.html", proposal=proposal, decision_message=message,
                               proposing_flags=proposing_flags, next_url=next_url)
    flash(message, "info")
    return redirect(next_url, code=303)


def _decide(proposal_id: int, decide: Callable[[User, LocationProposal, datetime], Decision]) -> str | Response:
    proposal = get_proposal_or_404(current_user, proposal_id)
    require_deciding_lead(current_user, proposal)
    decision = decide(current_user, proposal, datetime.now(UTC))
    db.session.commit()
    return _decided(proposal, decision)


@bp.post("/location-proposals/<int:proposal_id>/confirm")
@login_required
def confirm(proposal_id: int) -> str | Response:
    return _decide(proposal_id, confirm_proposal)


@bp.post("/location-proposals/<int:proposal_id>/reject")
@login_required
def reject(proposal_id: int) -> str | Response:
    return _decide(proposal_id, reject_proposal)
