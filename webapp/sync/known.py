"""Which records the server has, by the ids a phone names: the check behind "items recorded on this phone
are missing" (static/js/journal.js) and behind queuing photos left beside a visit the server has.

Ids in, ids out, and only of what the user may see: their visits (webapp.scope), the photos of those
visits or photos the server holds for them while their visit is on its way, their own confirmations, and
the leads, peer records and survey answers they recorded.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import HeldPhoto, Lead, PeerRecord, Photo, SquadConfirmation, SurveyResponse, User, Visit
from webapp.scope import visit_condition
from webapp.write_kernel import parse_uuid

KINDS = ("visits", "photos", "confirmations", "leads", "peer_records", "survey_responses")
# A phone asks about what its outbox held: a few days of work. More is not a phone's question.
MAX_IDS = 1000


def requested_ids(body: Any) -> dict[str, list[str]]:
    """{"visits": [...], "photos": [...], "confirmations": [visit ids], "leads", "peer_records",
    "survey_responses"}: lists of UUIDs, each kind optional."""
    if not isinstance(body, dict):
        raise Invalid({"body": _("Send a JSON object with lists of ids.")})
    errors: dict[str, str] = {}
    ids: dict[str, list[str]] = {}
    for kind in KINDS:
        values = body.get(kind, [])
        if not isinstance(values, list) or len(values) > MAX_IDS:
            errors[kind] = _("A list of at most %(n)d ids.", n=MAX_IDS)
            continue
        parsed = [parse_uuid(value) for value in values]
        if any(value is None for value in parsed):
            errors[kind] = _("Not a UUID.")
            continue
        ids[kind] = sorted({value for value in parsed if value is not None})
    if errors:
        raise Invalid(errors)
    return ids


def known_records(user: User, body: Any) -> dict[str, list[str]]:
    ids = requested_ids(body)
    visits = ids["visits"]
    photos = ids["photos"]
    confirmations = ids["confirmations"]
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    if visits:
        found["visits"] = sorted(db.session.scalars(
            sa.select(Visit.id).where(Visit.id.in_(visits), visit_condition(user))))
    if photos:
        attached = db.session.scalars(sa.select(Photo.id).join(Visit, Photo.visit_id == Visit.id)
                                      .where(Photo.id.in_(photos), visit_condition(user)))
        held = db.session.scalars(sa.select(HeldPhoto.id).where(
            HeldPhoto.id.in_(photos), HeldPhoto.uploaded_by_id == user.id))
        found["photos"] = sorted({*attached, *held})
    if confirmations:
        found["confirmations"] = sorted(db.session.scalars(sa.select(SquadConfirmation.visit_id).where(
            SquadConfirmation.visit_id.in_(confirmations), SquadConfirmation.user_id == user.id)))
    # The field records of webapp.channels and webapp.market: the user's own.
    for kind, model, author in (("leads", Lead, Lead.captured_by_id), ("peer_records", PeerRecord,
                                                                        PeerRecord.recorded_by_id),
                                ("survey_responses", SurveyResponse, SurveyResponse.answered_by_id)):
        if ids[kind]:
            found[kind] = sorted(db.session.scalars(sa.select(model.id).where(model.id.in_(ids[kind]),
                                                                             author == user.id)))
    return found
