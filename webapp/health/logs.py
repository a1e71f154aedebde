"""Operations: a request id on every request and log line, JSON logs, one access line per request, and the
latency metric.

The id comes from the proxy (nginx sends ``X-Request-Id: $request_id``) when it looks like one, else it is
made here; it is returned in the answer's ``X-Request-Id`` so a person can quote it. Access lines carry the
path without its query (search terms may name a person) and the user's numeric id, never a name.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from werkzeug.wrappers import Response

from webapp.health.metrics import observe_request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
ACCESS = logging.getLogger("webapp.access")


def current_request_id() -> str | None:
    if has_request_context():
        value = g.get("request_id")
        return str(value) if value else None
    return None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any ``extra`` fields."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._standard and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr when LOG_FORMAT is json (production); Flask's own logging otherwise."""
    root = logging.getLogger()
    if app.config.get("LOG_FORMAT") == "json":
        if not any(getattr(h, "_xw_json", False) for h in root.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(JsonFormatter())
            handler.addFilter(RequestIdFilter())
            handler._xw_json = True  # type: ignore[attr-defined]
            for old in list(root.handlers):
                root.removeHandler(old)
            root.addHandler(handler)
        root.setLevel(logging.INFO)
    elif not any(isinstance(f, RequestIdFilter) for f in root.filters):
        root.addFilter(RequestIdFilter())


def _loaded_user_id() -> int | None:
    """The id of the user this request loaded, without loading one (or refreshing it) just to log it."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = sa.inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return int(identity[0]) if identity else None


def init_request_observation(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("request_started")
        request_id = g.get("request_id")
        if request_id and request.endpoint != "static":  # a static file's answer is never quoted to anyone
            response.headers["X-Request-Id"] = request_id
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        observe_request(route, request.method, response.status_code, seconds)
        ACCESS.info("request", extra={"method": request.method, "path": request.path, "route": route,
                                      "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                                      "user_id": _loaded_user_id(), "bytes_in": request.content_length or 0})
        return response
