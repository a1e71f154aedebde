"""A sweep day on real phones: lead1 plans a district for three squads (drawing on the map on the way), mgr1
walks the route on Today and records two visits through the visit form, and the lead's board, left open,
updates itself to show them.

The visits are made through the page: Today's "Start visit" link opens the visit form (visits.new), the phone
checks in where the shop is and saves. The board is counted from the database as the app counts it, so
visits that other browser tests made today to merchants of the same district are a baseline, not an error.
"""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Phones, sign_in
from webapp.extensions import db
from webapp.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from webapp.models import Merchant, SweepDay, User
from webapp.sweeps.board import build_board, local_today
from webapp.sweeps.write import delete_sweep_day

DISTRICT = "黄龙商圈"
SLOW = 20_000  # ms
POLL = 40_000  # ms: the board polls every 30 s


def district_merchants(live_server: LiveServer) -> dict[int, tuple[float, float] | None]:
    with live_server.app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.username == "lead1"))
        assert lead is not None
        rows = db.session.scalars(sa.select(Merchant).where(Merchant.sub_branch_id == lead.sub_branch_id,
                                                            Merchant.district == DISTRICT))
        found = {m.id: (m.lat, m.lon) if m.located else None for m in rows}
        db.session.remove()
    return found  # type: ignore[return-value]


def drop_todays_sweep(live_server: LiveServer) -> None:
    """The demo has lead1's team sweeping today already (a team has one sweep a day): the lead drops it, through
    the sweep write path, so that this test plans today's afresh. Its visits stay, as visits always do."""
    with live_server.app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.username == "lead1"))
        assert lead is not None
        sweep_day = db.session.scalar(sa.select(SweepDay).where(SweepDay.team_id == lead.team_id,
                                                                SweepDay.sweep_date == local_today()))
        if sweep_day is not None:
            delete_sweep_day(sweep_day)
            db.session.commit()
        db.session.remove()


def visited_on_board(live_server: LiveServer, sweep_day_id: int) -> int:
    with live_server.app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        visited = build_board(sweep_day).overall.visited
        db.session.remove()
    return visited


def test_lead_plans_a_sweep_day_manager_walks_it_and_the_board_counts(
    phones: Phones, live_server: LiveServer
) -> None:
    merchants = district_merchants(live_server)
    located = {i: p for i, p in merchants.items() if p is not None}
    assert len(merchants) >= 12
    drop_todays_sweep(live_server)

    # --- lead1 plans the district for the whole team: seven people, three squads ---------------------------
    lead = phones().new_page()
    sign_in(lead, "lead1", "/merchants/")
    lead.goto("/sweeps/new")
    # The map's own GCJ-02 inverse agrees with the server's (used when drawing over Chinese tiles).
    gcj = wgs84_to_gcj02(30.2741, 120.1636)
    back = lead.evaluate("([lat, lon]) => window.xw.map.datum.gcj02ToWgs84(lat, lon)", list(gcj))
    assert back == pytest.approx(list(gcj02_to_wgs84(*gcj)), abs=1e-8)
    assert back == pytest.approx([30.2741, 120.1636], abs=1e-7)

    lead.locator("#district").select_option(DISTRICT)
    expect(lead.locator("#preview-count")).to_have_text(str(len(merchants)))
    expect(lead.locator("#plan-map")).to_have_attribute("data-marker-count", str(len(located)))
    expect(lead.locator("#plan-preview .squad-preview li")).to_have_count(3)

    # Draw an area over the middle of the map: fewer merchants; clear it: all of them again.
    lead.locator("[data-draw=area]").click()
    plan_map = lead.locator("#plan-map")
    box = plan_map.bounding_box()
    assert box is not None
    for fx, fy in ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)):
        plan_map.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    lead.locator("[data-draw=close]").click()
    polygon = json.loads(lead.locator("#polygon").input_value())
    assert len(polygon) == 4 and all(len(v) == 2 for v in polygon)
    expect(lead.locator("#preview-count")).not_to_have_text(str(len(merchants)))
    inside = int(lead.locator("#preview-count").inner_text())
    assert 0 < inside < len(merchants)
    lead.locator("[data-draw=clear]").click()
    expect(lead.locator("#polygon")).to_have_value("")
    expect(lead.locator("#preview-count")).to_have_text(str(len(merchants)))

    lead.locator("#target_consultations").fill("12")
    lead.locator("#target_applications").fill("3")
    lead.locator("#target_deals").fill("4")
    lead.locator("#plan-form button[type=submit].primary").click()
    lead.wait_for_url("**/sweeps/*")
    sweep_day_id = int(lead.url.rstrip("/").rsplit("/", 1)[-1])
    expect(lead.locator("#assignments .squad-card")).to_have_count(3)
    expect(lead.locator("#assignments .stop")).to_have_count(len(merchants))
    baseline = visited_on_board(live_server, sweep_day_id)

    lead.goto(f"/sweeps/{sweep_day_id}/board")
    expect(lead.locator("#board .board-overall .assigned-count")).to_have_text(str(len(merchants)))
    expect(lead.locator("#board .board-overall .visited-count")).to_have_text(str(baseline))
    expect(lead.locator("#board-map")).to_have_attribute("data-marker-count", str(len(located)))

    # --- mgr1 opens Today standing in the district: the squad's merchants as a route from there -----------
    with live_server.app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None and sweep_day.sweep_date == local_today()
        squad = next(s for s in sweep_day.squads if s.lead.username == "mgr1")
        own = {s.merchant_id for s in sweep_day.stops if s.squad_id == squad.id}
        first_planned = min((s for s in sweep_day.stops if s.squad_id == squad.id and s.merchant.located),
                            key=lambda s: s.position).merchant
        here = (first_planned.lat + 0.0005, first_planned.lon)  # about 55 m north of the squad's first shop
        already = set(build_board(sweep_day).results)  # other browser tests may have visited some today
        db.session.remove()
    phone = phones(here)
    today = phone.new_page()
    sign_in(today, "mgr1", "/today/")
    route = today.locator("#today-route")
    expect(route).to_have_attribute("data-from-position", "yes")
    sweep_stops = today.locator("ol.route-stops li.route-stop:has(.reason-sweep)")
    expect(sweep_stops).to_have_count(len([i for i in own if merchants[i] is not None and i not in already]))
    expect(today.locator("li.route-stop .distance").first).to_have_text(re.compile(r"\d+(\.\d)? k?m"))
    expect(today.locator("#today-map")).to_have_attribute("data-marker-count", today_marker_count(today))

    # --- two visits through the visit form, each checked in at the shop --------------------------------
    visited: list[int] = []
    done_before = today.locator(".done-today li").count()  # mgr1's visits today so far (the demo's, other tests')
    for _ in range(2):
        stop = today.locator("ol.route-stops li.route-stop:has(.reason-sweep)").first
        merchant_id = int(stop.get_attribute("data-merchant-id") or 0)
        assert merchant_id in own and merchant_id not in visited
        lat, lon = merchants[merchant_id]  # type: ignore[misc]
        phone.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 10})
        stop.locator("a.start-visit").click()
        today.wait_for_url(f"**/merchants/{merchant_id}/visits/new**")
        today.locator("[data-checkin-start]").click()
        expect(today.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted", timeout=SLOW)
        today.locator("input[name=effective][value=yes]").check()
        today.locator("[data-save-visit]").click()
        today.wait_for_url("**/visits/*-*-*-*-*")
        visited.append(merchant_id)
        today.goto("/today/")
        expect(today.locator("#today-route")).to_have_attribute("data-from-position", "yes")
        expect(today.locator(f'#today-route li.route-stop[data-merchant-id="{merchant_id}"]')).to_have_count(0)
    expect(today.locator(".done-today li")).to_have_count(done_before + 2)

    # --- the lead's board, left open, picks the two visits up by itself ------------------------------------
    expect(lead.locator("#board .board-overall .visited-count")).to_have_text(str(baseline + 2), timeout=POLL)
    assert visited_on_board(live_server, sweep_day_id) == baseline + 2
    expect(lead.locator("#board-map path.xw-marker.state-visited")).to_have_count(baseline + 2)
    with live_server.app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        squad_one = build_board(sweep_day).squads[0].figures.visited
        db.session.remove()
    assert squad_one >= 2  # mgr1 leads squad 1 and visited two of its merchants
    expect(lead.locator('#board .squad-card[data-squad="1"] .visited-count')).to_have_text(str(squad_one))
    assert phones.errors == []


def today_marker_count(page: Page) -> str:
    """The number of markers Today's map should show: a numbered one per listed stop, the phone itself, and what
    was visited today (the lived-in demo's squads have visited some shops already)."""
    markers = json.loads(page.locator("#today-route").get_attribute("data-markers") or "[]")
    states = Counter(marker["state"] for marker in markers)
    assert states["pending"] == page.locator("#today-route ol.route-stops li.route-stop").count()
    assert states["me"] == 1 and set(states) <= {"pending", "me", "visited"}
    return str(len(markers))
