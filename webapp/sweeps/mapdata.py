"""Markers for the Leaflet maps: display coordinates in the tiles' datum, worked out on the server.

Coordinates are stored in WGS-84; tiles of Chinese providers are drawn in GCJ-02, where a WGS-84 point
lands 100-500 m off. The browser gets coordinates already converted, and nothing personal: the merchant's
name (a shop sign) and its state, never a phone or a contact.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.geo.coords import COORD_SYSTEMS, from_wgs84
from webapp.models import Merchant


def tile_datum() -> str:
    datum = str(current_app.config.get("MAP_TILE_DATUM") or "wgs84").lower()
    return datum if datum in COORD_SYSTEMS else "wgs84"


def display_point(lat: float, lon: float) -> tuple[float, float]:
    shown = from_wgs84(lat, lon, tile_datum())  # type: ignore[arg-type]
    return round(shown[0], 7), round(shown[1], 7)


def merchant_marker(merchant: Merchant, **extra: Any) -> dict[str, Any] | None:
    """One marker, or None for a merchant without a registered location."""
    if merchant.lat is None or merchant.lon is None:
        return None
    lat, lon = display_point(merchant.lat, merchant.lon)
    return {"id": merchant.id, "lat": lat, "lon": lon, "name": merchant.name, **extra}


def markers_json(markers: list[dict[str, Any] | None]) -> str:
    """For a data-markers attribute (Jinja escapes the quotes)."""
    return json.dumps([m for m in markers if m is not None], ensure_ascii=False, separators=(",", ":"))


def map_settings(sub_branch_id: int | None = None) -> dict[str, str]:
    """What map.js needs: the tiles, if any (with no URL it draws markers on a plain ground), and where to
    look when there is no marker yet (the middle of the sub-branch's merchants)."""
    centre = ""
    if sub_branch_id is not None:
        lat, lon = db.session.execute(
            sa.select(sa.func.avg(Merchant.lat), sa.func.avg(Merchant.lon)).where(
                Merchant.sub_branch_id == sub_branch_id, Merchant.lat.is_not(None), Merchant.lon.is_not(None)
            )
        ).one()
        if lat is not None and lon is not None:
            shown = display_point(float(lat), float(lon))
            centre = f"{shown[0]},{shown[1]}"
    return {
        "tile_url": str(current_app.config.get("MAP_TILE_URL") or ""),
        "attribution": str(current_app.config.get("MAP_TILE_ATTRIBUTION") or ""),
        "datum": tile_datum(),
        "centre": centre,
    }
