"""What collection's views share: the blueprint (with its settings checked at start) and the datetime fields."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from webapp.bank_time import BANK_ZONE
from webapp.collection.deadlines import rules_from_config

bp = Blueprint("collection", __name__, url_prefix="/collection")


def _check_settings(state: BlueprintSetupState) -> None:
    """A mistyped deadline setting stops the app at start, not at the first case."""
    rules_from_config(state.app.config)


bp.record_once(_check_settings)


def local_input(moment: datetime) -> str:
    """A stored instant as a datetime-local field's value in China time."""
    return moment.astimezone(BANK_ZONE).strftime("%Y-%m-%dT%H:%M")
