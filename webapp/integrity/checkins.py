"""Check-in signals across visits: an accuracy figure that repeats to the decimal."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.models import VisitCheckin
from webapp.visits import integrity
from webapp.visits.integrity import Flag


def accuracy_repeated(user_id: int, checkin: VisitCheckin) -> Flag | None:
    """checkin_accuracy_repeated when this check-in and the writer's CHECKIN_ACCURACY_REPEAT_MIN - 1 own current
    check-ins just before it (within CHECKIN_ACCURACY_REPEAT_DAYS) report exactly the same accuracy.

    Consecutive, not merely repeated: accuracies are stored to 0.1 m, so an honest phone meets its own
    figure again now and then over a month, but not several times running; a location faker often reports
    one constant accuracy. Only fixes the person sent count (webapp.visits.checkin_evidence)."""
    accuracy, at = checkin.accuracy_m, checkin.captured_at
    if accuracy is None or at is None or float(accuracy).is_integer():
        return None
    config = current_app.config
    days = int(config["CHECKIN_ACCURACY_REPEAT_DAYS"])
    needed = int(config["CHECKIN_ACCURACY_REPEAT_MIN"])
    previous = list(db.session.execute(
        sa.select(VisitCheckin.visit_id, VisitCheckin.accuracy_m)
        .where(VisitCheckin.user_id == user_id, VisitCheckin.visit_id != checkin.visit_id,
               VisitCheckin.superseded_at.is_(None), VisitCheckin.accuracy_m.is_not(None),
               VisitCheckin.captured_at < at, VisitCheckin.captured_at >= at - timedelta(days=days))
        .order_by(VisitCheckin.captured_at.desc()).limit(max(0, needed - 1))))
    if len(previous) < needed - 1 or any(value != accuracy for _id, value in previous):
        return None
    return integrity.accuracy_repeated_flag(accuracy, [visit_id for visit_id, _value in previous],
                                            min_visits=needed, days=days)
