"""Reviewers' page of flag precision: confirmed versus dismissed per code, sub-branch and month."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.integrity.evidence import polygon_points, segments
from webapp.integrity.precision import MAX_MONTHS, month_starts, precision_table
from webapp.labels import FLAG_CODE
from webapp.models import SubBranch
from webapp.scope import require_reviewer, visible_sub_branch_ids

bp = Blueprint("integrity", __name__, url_prefix="/review/integrity")
DEFAULT_MONTHS = 6


@bp.record_once
def _register_helpers(state: BlueprintSetupState) -> None:
    """Helpers of templates/integrity/_evidence.html, which the visit and review pages include."""
    state.app.jinja_env.globals.update(integrity_points=polygon_points, integrity_segments=segments)


def _month(value: str | None, fallback: date, errors: dict[str, str], name: str) -> date:
    if not value:
        return fallback
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        errors[name] = _("Expected a month such as 2026-11.")
        return fallback


@bp.get("/precision")
@login_required
def precision() -> tuple[str, int]:
    """The table, filtered by period (months), sub-branch and code; 422 with the errors for bad filters."""
    require_reviewer(current_user)
    today = bank_today()
    errors: dict[str, str] = {}
    last = _month(request.args.get("to"), today.replace(day=1), errors, "to")
    default_first = _months_before(last, DEFAULT_MONTHS - 1)
    first = _month(request.args.get("from"), default_first, errors, "from")
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span < 1:
        errors["from"] = _("The period starts after it ends.")
    elif span > MAX_MONTHS:
        errors["from"] = _("Choose a period of at most %(months)d months.", months=MAX_MONTHS)
    sub_branches = list(db.session.scalars(sa.select(SubBranch).where(
        SubBranch.id.in_(visible_sub_branch_ids(current_user))).order_by(SubBranch.code)))
    sub_branch_id = _choice(request.args.get("sub_branch"), {s.id for s in sub_branches}, errors, "sub_branch")
    code = request.args.get("code") or None
    if code is not None and code not in FLAG_CODE:
        errors["code"] = _("Choose one from the list.")
        code = None
    months = month_starts(first, last) if "from" not in errors else month_starts(default_first, last)
    table = precision_table(current_user, months, sub_branch_id=sub_branch_id, code=code)
    context: dict[str, Any] = {
        "table": table, "errors": errors, "sub_branches": {s.id: s for s in sub_branches},
        "form": {"from": first.strftime("%Y-%m"), "to": last.strftime("%Y-%m"),
                 "sub_branch": sub_branch_id or "", "code": code or ""},
        "flag_codes": tuple(FLAG_CODE),
    }
    template = "integrity/_precision_table.html" if wants_partial() else "integrity/precision.html"
    return render_template(template, **context), 422 if errors else 200


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _choice(value: str | None, allowed: set[int], errors: dict[str, str], name: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) not in allowed:
        errors[name] = _("Choose one from the list.")
        return None
    return int(value)
