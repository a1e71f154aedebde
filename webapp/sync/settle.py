"""A held photo whose photo id was then stored directly (its visit arrived, and the phone sent it again): the
held copy is done with. Part of the direct write's own transaction, so the two never disagree."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import HeldPhoto


def settle_held_copy(photo_id: str, sha256: str, now: datetime) -> list[str]:
    """Mark the held copy of this photo id attached (same bytes) or superseded (other bytes); the names of
    files to remove once the caller has committed."""
    held = db.session.get(HeldPhoto, photo_id, populate_existing=True)
    if held is None or held.state != "held":
        return []
    if held.sha256 == sha256:
        held.state = "attached"
    else:
        held.state, held.reason = "superseded", _("A different photo was already saved under this id.")
    held.settled_at = now
    return [held.storage_name]
