"""Liveness for load balancers and the deploy script: does the database answer?"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from webapp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", dialect=db.engine.dialect.name), 200
