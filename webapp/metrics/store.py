"""A branch's metric definitions: the defaults of config (METRIC_DEFINITIONS), then what its admin set."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.metrics.definitions import Definitions, definitions_from
from webapp.models import MetricDefinitionSet
from webapp.roles import ADMIN
from webapp.write_kernel import FieldErrors, Forbidden, WriteContext


def default_definitions() -> Definitions:
    """The installation's defaults: the guide's, overridden by FLASK_METRIC_DEFINITIONS (a JSON object)."""
    configured = current_app.config.get("METRIC_DEFINITIONS") or {}
    definitions, _problems = definitions_from(configured if isinstance(configured, dict) else {})
    return definitions


def definitions_for(branch_id: int) -> Definitions:
    stored = db.session.get(MetricDefinitionSet, branch_id)
    base = default_definitions()
    if stored is None:
        return base
    definitions, _problems = definitions_from(stored.values or {}, base)
    return definitions


def save_definitions(ctx: WriteContext, values: dict[str, Any]) -> Definitions:
    """An admin sets the branch's definitions (all of them, as the form shows them); the caller commits."""
    if ctx.actor.role != ADMIN:
        raise Forbidden(_("Only an admin sets the metric definitions."))
    branch_id = ctx.actor.sub_branch.branch_id
    definitions, problems = definitions_from(values, default_definitions())
    errors = FieldErrors()
    for name, problem in problems.items():
        errors.add(name, _("Choose at least one value.") if problem == "list" else _("Not one of the allowed values."))
    errors.raise_if_any()
    stored = db.session.get(MetricDefinitionSet, branch_id)
    if stored is None:
        stored = MetricDefinitionSet(branch_id=branch_id, updated_by_id=ctx.actor.id)
        db.session.add(stored)
    stored.values = definitions.as_json()
    stored.updated_by_id = ctx.actor.id
    stored.updated_at = ctx.now
    db.session.flush()
    return definitions
