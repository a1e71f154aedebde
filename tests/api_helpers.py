"""Helpers for the JSON API tests: requests as the outbox sends them, valid bodies, and the stored state
that a refused write must leave unchanged. A helper module, never collected as tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from geopy.distance import geodesic

from tests.factories import WULIN, World
from tests.visit_helpers import now_iso, visit_body
from webapp.extensions import db
from webapp.models import (
    LocationProposal,
    Photo,
    PhotoHashBand,
    SquadConfirmation,
    Visit,
    VisitFlag,
    VisitVersion,
)

STORED_MODELS = (Visit, VisitVersion, VisitFlag, SquadConfirmation, Photo, PhotoHashBand, LocationProposal)


def stored_state(app: Flask) -> dict[str, Any]:
    """Row counts of every visit table plus the files in the photo store: a failed write changes neither."""
    with app.app_context():
        rows = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in STORED_MODELS}
    root = Path(app.config["PHOTO_STORE"])
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return {"rows": rows, "files": files}


def point_at(distance_m: float, bearing: float = 0.0, origin: tuple[float, float] = WULIN) -> tuple[float, float]:
    """A WGS-84 point at a given distance from origin, rounded like the server stores it (7 decimals)."""
    moved = geodesic(meters=distance_m).destination(origin, bearing)
    return round(moved.latitude, 7), round(moved.longitude, 7)


def put(user: Any, visit_id: str, body: Any, **headers: str) -> Any:
    return user.api("PUT", f"/api/v1/visits/{visit_id}", json=body, headers=headers)


def put_raw(user: Any, visit_id: str, text: str, content_type: str = "application/json", **headers: str) -> Any:
    return user.api("PUT", f"/api/v1/visits/{visit_id}", data=text, content_type=content_type, headers=headers)


def good_body(world: World, offset_m: float = 3.0, *, merchant_id: int | None = None,
              **overrides: Any) -> dict[str, Any]:
    """A valid visit of mgr1 at his own merchant, with a fix a few metres from the shop."""
    lat, lon = point_at(offset_m, 45.0)
    return visit_body(merchant_id or world.merchants["a1_owned"], lat=lat, lon=lon, **overrides)


def confirm(user: Any, visit_id: str, username: str, body: Any, **headers: str) -> Any:
    return user.api("PUT", f"/api/v1/visits/{visit_id}/confirmations/{username}", json=body, headers=headers)


def member_body(offset_m: float = 20.0, *, seconds_after: float = 60, note: str = "库存充足") -> dict[str, Any]:
    """A member's own fix near the lead's (good_body puts the lead 3 m from the shop, 240 s ago)."""
    lat, lon = point_at(offset_m, 300.0)
    return {"checkin": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "captured_at": now_iso(-240 + seconds_after)},
            "note": note}
