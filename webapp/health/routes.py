"""Health for load balancers, the deploy script and the operator: does the database answer, and can the photo
store be written? 503 when either cannot, with which one, and never a detail an outsider could use."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.photos.store import StoreUnavailable, photo_store

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    checks = {"database": "ok", "store": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.warning("health: database unreachable", exc_info=True)
        checks["database"] = "unreachable"
    try:
        photo_store().check()
    except StoreUnavailable:
        log.warning("health: photo store unusable", exc_info=True)
        checks["store"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    response = jsonify(status="ok" if healthy else "error", dialect=db.engine.dialect.name, **checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
