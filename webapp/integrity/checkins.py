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
    """checkin_accuracy_repeated when this check-in and the lead's CHECKIN_ACCURACY_REPEAT_MIN - 1 check-ins just
    before it (within CHECKIN_ACCURACY_REPEAT_DAYS) report exactly the same accuracy.

    Consecutive, not merely repeated: accuracies are stored to 0.1 m, so an honest phone meets its own
    figure again now and then over a month, but not several times running; a location faker often reports
    one constant accuracy."""
    accuracy, at = visit.checkin_accuracy_m, visit.checkin_captured_at
    if accuracy is None or at is None or float(accuracy).is_integer():
        return None
    config = current_app.config
    days = int(config["CHECKIN_ACCURACY_REPEAT_DAYS"])
    needed = int(config["CHECKIN_ACCURACY_REPEAT_MIN"])
    previous = list(db.session.execute(
        sa.select(Visit.id, Visit.checkin_accuracy_m)
        .where(Visit.lead_id == visit.lead_id, Visit.id != visit.id, Visit.checkin_accuracy_m.is_not(None),
               Visit.checkin_captured_at < at, Visit.checkin_captured_at >= at - timedelta(days=days))
        .order_by(Visit.checkin_captured_at.desc()).limit(max(0, needed - 1))))
    if len(previous) < needed - 1 or any(value != accuracy for _id, value in previous):
        return None
    return integrity.accuracy_repeated_flag(accuracy, [visit_id for visit_id, _value in previous],
                                            min_visits=needed, days=days)
