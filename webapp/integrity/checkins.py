"""Check-in signals across visits: an accuracy figure that repeats to the decimal."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.models import Visit
from webapp.visits import integrity
from webapp.visits.integrity import Flag


def accuracy_repeated(visit: Visit) -> Flag | None:
    """checkin_accuracy_repeated when the lead's other check-ins within CHECKIN_ACCURACY_REPEAT_DAYS (either
    side) report exactly this accuracy, in at least CHECKIN_ACCURACY_REPEAT_MIN visits in all."""
    accuracy, at = visit.checkin_accuracy_m, visit.checkin_captured_at
    if accuracy is None or at is None or float(accuracy).is_integer():
        return None
    config = current_app.config
    days = int(config["CHECKIN_ACCURACY_REPEAT_DAYS"])
    window = timedelta(days=days)
    others = list(db.session.scalars(
        sa.select(Visit.id).where(Visit.lead_id == visit.lead_id, Visit.id != visit.id,
                                  Visit.checkin_captured_at >= at - window, Visit.checkin_captured_at <= at + window,
                                  Visit.checkin_accuracy_m == accuracy)
        .order_by(Visit.checkin_captured_at.desc()).limit(20)))
    return integrity.accuracy_repeated_flag(accuracy, others, min_visits=int(config["CHECKIN_ACCURACY_REPEAT_MIN"]),
                                            days=days)
