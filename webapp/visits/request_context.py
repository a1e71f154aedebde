"""What a write learns from the request besides its body: who, when the device sent it, which device.

X-Client-Time is the device clock when the request was sent (not when the data was captured), so an
item that waited offline for a day is not mistaken for clock skew. X-Device-Id is a random id the app
keeps per installation, to notice one phone checking in a whole squad.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask_login import current_user

from webapp.bank_time import clock_now
from webapp.write_kernel import WriteContext


def client_time() -> datetime | None:
    value = request.headers.get("X-Client-Time")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else None
    except (ValueError, OverflowError):
        return None


def write_context() -> WriteContext:
    return WriteContext(actor=current_user._get_current_object(), now=clock_now(), client_time=client_time(),
                        device_id=(request.headers.get("X-Device-Id") or "")[:64] or None)
