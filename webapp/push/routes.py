"""The phone's push switch (JSON, called by static/js/push.js from the "More" page): subscribe this device,
unsubscribe it, send myself a test notification."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.push.send import PushMessage, queue_push
from webapp.push.write import subscribe, subscriptions_of, unsubscribe
from webapp.write_kernel import WriteContext

bp = Blueprint("push", __name__, url_prefix="/push")


def _context() -> WriteContext:
    return WriteContext(actor=current_user, now=datetime.now(UTC), device_id=request.headers.get("X-Device-Id"))


@bp.post("/subscriptions")
@login_required
def subscribe_endpoint() -> tuple[Response, int]:
    """This device's subscription (PushSubscription.toJSON()): 201 when new, 200 when it was known."""
    _row, created = subscribe(_context(), request.get_json(silent=True))
    db.session.commit()
    return jsonify(status="subscribed"), 201 if created else 200


@bp.post("/subscriptions/remove")
@login_required
def unsubscribe_endpoint() -> Response:
    removed = unsubscribe(_context(), request.get_json(silent=True))
    db.session.commit()
    return jsonify(status="removed" if removed else "unknown")


@bp.post("/test")
@login_required
def send_test() -> tuple[Response, int]:
    """A notification to each of my devices now, to see that they ring; 409 when none is subscribed."""
    if not subscriptions_of(current_user.id):
        return jsonify(error="not_subscribed", message=_("No device of yours receives notifications yet.")), 409
    queue_push(PushMessage(user_id=current_user.id, title=_("Xiaowei Field Work"),
                           body=_("Notifications work on this device."), url=url_for("inbox.index"), tag="test"))
    db.session.commit()
    return jsonify(status="sent"), 202
