"""The Today page: the manager's stops for the day in walking order from where the phone is.

The phone's position arrives as lat/lon query parameters of the route partial (today.js asks
navigator.geolocation). Those are the manager's own coordinates; nothing about a merchant goes into a URL
but its id.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.bank_time import bank_today
from webapp.geo.coords import valid_lat_lon
from webapp.htmx_utils import wants_partial
from webapp.labels import SQUAD_ROLE, TODAY_REASON, labeller
from webapp.roles import FIELD_ROLES
from webapp.scope import require_role
from webapp.sweeps.mapdata import display_point, map_settings, markers_json, merchant_marker
from webapp.today.worklist import Point, Route, Stop, plan_route, workday

bp = Blueprint("today", __name__, url_prefix="/today")



def start_visit_url(stop: Stop) -> str:
    """One tap starts the visit: the visit form, with the kind the stop is due for."""
    if stop.visit_kind != "marketing":
        return url_for("visits.new", merchant_id=stop.merchant.id, kind=stop.visit_kind)
    return url_for("visits.new", merchant_id=stop.merchant.id)


def format_distance(metres: float | None) -> str:
    if metres is None:
        return ""
    tens = round(metres / 10) * 10
    if tens < 1000:
        return f"{tens:.0f} m"
    return f"{metres / 1000:.1f} km"


def _position() -> Point | None:
    """The phone's fix from the query, or None when absent or not a coordinate."""
    lat = request.args.get("lat", type=float)
    lon = request.args.get("lon", type=float)
    if lat is None or lon is None or not valid_lat_lon(lat, lon):
        return None
    return (lat, lon)


def _route_markers(route: Route, start: Point | None) -> str:
    markers = [
        merchant_marker(item.stop.merchant, seq=number, state="pending")
        for number, item in enumerate(route.stops, start=1)
    ]
    if start is not None:
        lat, lon = display_point(*start)
        markers.insert(0, {"id": 0, "lat": lat, "lon": lon, "name": "", "state": "me"})
    return markers_json(markers)


def _context(start: Point | None) -> dict[str, Any]:
    today = bank_today()
    day = workday(current_user, today, datetime.now(UTC))
    route = plan_route(day.stops, start)
    return {
        "day": day,
        "route": route,
        "today": today,
        "position": start,
        "markers": _route_markers(route, start),
        "map": map_settings(current_user.sub_branch_id),
        "start_visit_url": start_visit_url,
        "format_distance": format_distance,
        "reason_label": labeller(TODAY_REASON),
        "squad_role_label": labeller(SQUAD_ROLE),
    }


@bp.get("/", endpoint="index")
@bp.get("/route", endpoint="route")
@login_required
def today() -> str:
    """The day's stops in walking order; with ``lat``/``lon`` (today.js asks at /route) from where the phone
    is. An htmx swap gets the route partial; a plain GET the whole page, as a pushed URL must."""
    require_role(current_user, *FIELD_ROLES)
    context = _context(_position())
    return render_template("today/_route.html" if wants_partial() else "today/index.html", **context)
