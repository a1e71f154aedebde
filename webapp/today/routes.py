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
from webapp.inbox.collect import request_inbox
from webapp.labels import SQUAD_ROLE, TODAY_REASON, labeller
from webapp.relations.fading import fading_customers, fading_days
from webapp.roles import FIELD_ROLES
from webapp.scope import require_role
from webapp.sweeps.mapdata import display_point, map_settings, markers_json, merchant_marker
from webapp.today.worklist import Done, Point, Route, Stop, plan_route, workday

bp = Blueprint("today", __name__, url_prefix="/today")

# Fading customers shown on Today (the longest silent first); /relations/fading lists them all.
TODAY_FADING = 8


def start_visit_url(stop: Stop) -> str:
    """One tap starts the visit: the visit form, with the kind the stop is due for and the post-loan check
    the visit fulfils."""
    extra: dict[str, Any] = {"kind": stop.visit_kind} if stop.visit_kind != "marketing" else {}
    if stop.post_loan_check_id is not None:
        extra["check"] = stop.post_loan_check_id
    return url_for("visits.new", merchant_id=stop.merchant.id, **extra)


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


def _route_markers(route: Route, done: list[Done], start: Point | None) -> str:
    """The stops numbered in walking order, what was visited today in green, and the phone itself (the map fits
    them all; the legend on the page names each kind)."""
    markers = [
        merchant_marker(item.stop.merchant, seq=number, state="pending")
        for number, item in enumerate(route.stops, start=1)
    ]
    markers += [merchant_marker(item.merchant, state="visited") for item in done]
    if start is not None:
        lat, lon = display_point(*start)
        markers.insert(0, {"id": 0, "lat": lat, "lon": lon, "name": "", "state": "me"})
    return markers_json(markers)


# What Today lists under "Needs your action": the inbox without what Today shows elsewhere (the stops carry the
# post-loan checks, the sweep card the sweep day).
SHOWN_ELSEWHERE = frozenset({"postloan_check", "sweep_day"})


def _context(start: Point | None) -> dict[str, Any]:
    today = bank_today()
    day = workday(current_user, today, datetime.now(UTC))
    route = plan_route(day.stops, start)
    return {
        "day": day,
        "route": route,
        "today": today,
        "position": start,
        "markers": _route_markers(route, day.done, start),
        "map": map_settings(current_user.sub_branch_id),
        "start_visit_url": start_visit_url,
        "format_distance": format_distance,
        "reason_label": labeller(TODAY_REASON),
        "squad_role_label": labeller(SQUAD_ROLE),
        "fading": fading_customers(current_user, datetime.now(UTC))[:TODAY_FADING],
        "fading_days": fading_days(),
    }


@bp.get("/", endpoint="index")
@bp.get("/route", endpoint="route")
@login_required
def today() -> str:
    """The day's stops in walking order; with ``lat``/``lon`` (today.js asks at /route) from where the phone
    is. An htmx swap gets the route partial; a plain GET the whole page, as a pushed URL must."""
    require_role(current_user, *FIELD_ROLES)
    context = _context(_position())
    if wants_partial():
        return render_template("today/_route.html", **context)
    actions = [item for item in request_inbox(current_user, datetime.now(UTC)) if item.kind not in SHOWN_ELSEWHERE]
    return render_template("today/index.html", actions=actions, **context)
