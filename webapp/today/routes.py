"""The Today page: the manager's stops for the day in walking order from where the phone is.

The phone's position arrives as lat/lon query parameters of the route partial (today.js asks
navigator.geolocation). Those are the manager's own coordinates; nothing about a merchant goes into a URL
but its id.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.geo.coords import valid_lat_lon
from webapp.htmx_utils import wants_partial
from webapp.labels import SQUAD_ROLE, TODAY_REASON
from webapp.scope import require_role
from webapp.sweeps.board import local_today
from webapp.sweeps.mapdata import display_point, map_settings, markers_json, merchant_marker
from webapp.today.worklist import Point, Route, Stop, plan_route, workday

bp = Blueprint("today", __name__, url_prefix="/today")

FIELD_ROLES = ("manager", "team_lead")
# The visit form, under the name the brief gave it or the one the visit pages registered.
VISIT_FORM_ENDPOINTS = ("visits.new_visit", "visits.new")


def start_visit_url(stop: Stop) -> str:
    """One tap starts the visit: the visit form when the visit pages are installed, else the merchant page."""
    for endpoint in VISIT_FORM_ENDPOINTS:
        if endpoint in current_app.view_functions:
            extra: dict[str, Any] = {"kind": stop.visit_kind} if stop.visit_kind != "marketing" else {}
            if stop.post_loan_check_id is not None:
                extra["check"] = stop.post_loan_check_id
            return url_for(endpoint, merchant_id=stop.merchant.id, **extra)
    return url_for("merchants.show", merchant_id=stop.merchant.id)


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
    today = local_today()
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
        "reason_label": lambda code: str(TODAY_REASON.get(code, code)),
        "squad_role_label": lambda code: str(SQUAD_ROLE.get(code, code)),
    }


@bp.get("/")
@login_required
def index() -> str:
    require_role(current_user, *FIELD_ROLES)
    context = _context(_position())
    if wants_partial():
        return render_template("today/_route.html", **context)
    return render_template("today/index.html", **context)


@bp.get("/route")
@login_required
def route() -> str:
    """The route partial for a position (today.js); a plain GET gets the whole page, as a pushed URL must."""
    require_role(current_user, *FIELD_ROLES)
    context = _context(_position())
    if wants_partial():
        return render_template("today/_route.html", **context)
    return render_template("today/index.html", **context)
