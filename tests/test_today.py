"""The manager's Today page: what is due, in walking order from where the phone is, with the distance to each stop."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from geopy.distance import geodesic

from tests.factories import WULIN, World, add_merchant, user_by_name
from tests.loan_helpers import book_loan, checks_of
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import bank_today, day_bounds
from webapp.extensions import db
from webapp.geo.routing import path_length_m, route_order
from webapp.models import Merchant
from webapp.sweeps.planning import MerchantCriteria, NewSweepDay, Targets, create_sweep_day
from webapp.today.routes import format_distance
from webapp.today.worklist import Stop, plan_route, workday

STREET = "今日商圈"


def east(metres: float, origin: tuple[float, float] = WULIN) -> tuple[float, float]:
    p = geodesic(meters=metres).destination(origin, 90.0)
    return (round(p.latitude, 7), round(p.longitude, 7))


@pytest.fixture
def street(app: Flask, world: World) -> dict[str, int]:
    """Six shops on a line 150 m apart going east from WULIN, added in a shuffled order."""
    ids: dict[str, int] = {}
    with app.app_context():
        for k in (3, 1, 5, 2, 6, 4):
            lat, lon = east(150.0 * k)
            ids[f"east{k}"] = add_merchant(world.sub_branches["A1"], f"东{k}号店", lat=lat, lon=lon, district=STREET,
                                           code=f"E-{k}").id
        db.session.commit()
    return ids


def sweep_today(app: Flask, merchant_ids: list[int], sweepers: tuple[str, ...] = ("mgr1",)) -> int:
    """Today's sweep day for T1 with one squad (mgr1 leads) covering the given merchants."""
    with app.app_context():
        merchants = [db.session.get(Merchant, i) for i in merchant_ids]
        plan = NewSweepDay(sweep_date=bank_today(), title="", criteria=MerchantCriteria(district=STREET),
                           targets=Targets())
        sweep_day = create_sweep_day(user_by_name("lead1"), plan, merchants,  # type: ignore[arg-type]
                                     [user_by_name(u) for u in sweepers])
        db.session.commit()
        return sweep_day.id


def put_visit(user: Any, merchant_id: int, started_at: datetime, **overrides: Any) -> None:
    body = visit_body(merchant_id, lead=user.username, started_at=started_at.isoformat(timespec="seconds"),
                      **overrides)
    response = user.api("PUT", f"/api/v1/visits/{new_id()}", json=body)
    assert response.status_code == 201, response.get_json()


def route_ids(html: str) -> list[int]:
    ordered = html.split('<ol class="list route-stops">')[1].split("</ol>")[0] if "route-stops" in html else ""
    return [int(i) for i in re.findall(r'data-merchant-id="(\d+)"', ordered)]


def test_a_manager_lands_on_today(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    response = mgr1.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/today/"
    assert login("reviewer1").get("/today/").status_code == 403
    assert login("lead1").get("/today/").status_code == 200


def test_stops_come_in_route_order_from_the_phone_with_the_distance_of_each_leg(
    app: Flask, world: World, street: dict[str, int], login: Any
) -> None:
    sweep_today(app, list(street.values()))
    with app.app_context():
        book_loan()  # a1_owned borrowed five days ago: its first on-site check is due
    mgr1 = login("mgr1")
    here = east(-100.0)  # 100 m west of WULIN
    response = mgr1.htmx_get(f"/today/route?lat={here[0]}&lon={here[1]}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="today-route"')
    # a1_owned (a borrower of mgr1, first check due) sits at WULIN, then the street going east.
    expected = [world.merchants["a1_owned"], *(street[f"east{k}"] for k in range(1, 7))]
    assert route_ids(html) == expected
    legs = re.findall(r'class="distance small">([^<]+)<', html)
    assert len(legs) == 7
    assert legs[0].startswith(format_distance(100.0))  # from you
    assert all(leg.startswith("150 m") for leg in legs[1:])  # from the previous stop
    assert format_distance(100.0 + 6 * 150.0) in html  # the whole walk


def test_route_order_and_legs_match_the_routing_module(app: Flask, world: World, street: dict[str, int]) -> None:
    with app.app_context():
        stops = [Stop(merchant=db.session.get(Merchant, i), reasons=["sweep"]) for i in street.values()]  # type: ignore[arg-type]
        start = east(1000.0)  # in the middle of the street, nearer its east end
        route = plan_route(stops, start)
        points = [s.point for s in stops]
        assert [stops.index(r.stop) for r in route.stops] == route_order(start, points)  # type: ignore[arg-type]
        assert route.total_m == pytest.approx(path_length_m(start, points, route_order(start, points)))  # type: ignore[arg-type]
        assert route.stops[0].stop.merchant.name == "东6号店"  # 900 m out, 100 m from the start
        assert route.stops[0].leg_m == pytest.approx(100.0, abs=0.5)
        assert sum(r.leg_m or 0 for r in route.stops) == pytest.approx(route.total_m)
        # Without a position the route starts at the first stop, which keeps its place.
        from_first = plan_route(stops, None)
        assert from_first.stops[0].stop is stops[0] and from_first.stops[0].leg_m is None
        assert not from_first.from_position


def test_without_a_position_the_route_starts_at_the_first_planned_stop(
    app: Flask, world: World, street: dict[str, int], login: Any
) -> None:
    sweep_day_id = sweep_today(app, list(street.values()))
    with app.app_context():
        from webapp.models import SweepDay

        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        first = min(sweep_day.stops, key=lambda s: s.position).merchant_id
    mgr1 = login("mgr1")
    for query in ("", "?lat=abc&lon=120.1", "?lat=nan&lon=nan", "?lat=95&lon=120"):
        html = mgr1.htmx_get(f"/today/route{query}").get_data(as_text=True)
        assert route_ids(html)[0] == first, query
        assert 'data-from-position="no"' in html


def test_follow_ups_due_until_a_later_visit_follows_them_up(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    now = datetime.now(UTC)
    other = world.merchants["a1_other"]
    yesterday = (bank_today() - timedelta(days=1)).isoformat()
    put_visit(mgr1, other, now - timedelta(days=3), outcome={"effective": True, "follow_up_date": yesterday})
    with app.app_context():
        day = workday(user_by_name("mgr1"), bank_today(), now)
        assert [(s.merchant.id, s.reasons, s.follow_up_date) for s in day.stops if s.merchant.id == other] == [
            (other, ["follow_up"], yesterday)]
        # Someone else's follow-up is not on mgr1's list.
        assert all(s.merchant.id == other or "follow_up" not in s.reasons
                   for s in workday(user_by_name("mgr2"), bank_today(), now).stops)
    put_visit(mgr1, other, now - timedelta(minutes=5), outcome={"effective": True})
    with app.app_context():
        day = workday(user_by_name("mgr1"), bank_today(), now)
        assert other not in [s.merchant.id for s in day.stops]


def test_a_follow_up_set_for_later_is_not_due_yet(app: Flask, world: World, login: Any) -> None:
    mgr2 = login("mgr2")
    later = (bank_today() + timedelta(days=2)).isoformat()
    put_visit(mgr2, world.merchants["a1_other"], datetime.now(UTC) - timedelta(hours=1),
              outcome={"effective": True, "follow_up_date": later})
    with app.app_context():
        assert workday(user_by_name("mgr2"), bank_today(), datetime.now(UTC)).stops == []


def test_post_loan_checks_due_come_from_the_loan_book_schedule(app: Flask, world: World, login: Any) -> None:
    """The loan book's schedule says what is due: the first on-site check, until a visit linked to it is done."""
    mgr1 = login("mgr1")
    borrower = world.merchants["a1_owned"]
    now = datetime.now(UTC)

    def due() -> list[str]:
        with app.app_context():
            day = workday(user_by_name("mgr1"), bank_today(), now)
            return [r for s in day.stops if s.merchant.id == borrower for r in s.reasons]

    assert due() == []  # a borrower without a loan in the book has no schedule
    with app.app_context():
        loan_id = book_loan()
        first = checks_of("JJ0001")["first"].id
    assert due() == ["post_loan"]
    # A post-loan visit not linked to the loan leaves the check open; the linked one fulfils it.
    put_visit(mgr1, borrower, now - timedelta(hours=2), kind="post_loan", lat=WULIN[0], lon=WULIN[1])
    assert due() == ["post_loan"]
    put_visit(mgr1, borrower, now - timedelta(hours=1), kind="post_loan", lat=WULIN[0], lon=WULIN[1],
              post_loan={"loan_id": loan_id, "check_id": first})
    assert due() == []
    with app.app_context():  # a loan of someone else is not mgr1's check
        assert all(s.merchant.id != borrower for s in workday(user_by_name("mgr2"), bank_today(), now).stops)


def test_one_tap_starts_the_visit_and_visited_sweep_stops_move_to_done(
    app: Flask, world: World, street: dict[str, int], login: Any
) -> None:
    sweep_today(app, [street["east1"], street["east2"]])
    with app.app_context():
        book_loan()
        first = checks_of("JJ0001")["first"].id
    mgr1 = login("mgr1")
    html = mgr1.get("/today/").get_data(as_text=True)
    with app.test_request_context():
        endpoint = next(e for e in ("visits.new_visit", "visits.new") if e in app.view_functions)
        sweep_link = url_for(endpoint, merchant_id=street["east1"])
        post_loan_link = url_for(endpoint, merchant_id=world.merchants["a1_owned"], kind="post_loan", check=first)
    assert f'href="{sweep_link}"' in html
    assert f'href="{post_loan_link.replace("&", "&amp;")}"' in html
    assert re.search(r"js/today\.[0-9a-f]{12}\.js", html) and 'data-route-url="/today/route"' in html

    start, _ = day_bounds(bank_today())
    put_visit(mgr1, street["east1"], max(datetime.now(UTC) - timedelta(minutes=1), start + timedelta(seconds=1)))
    html = mgr1.htmx_get("/today/route").get_data(as_text=True)
    assert street["east1"] not in route_ids(html)
    done = html.split('class="list done-today"')[1]
    assert "东1号店" in done


def test_a_manager_outside_the_squads_gets_no_sweep_stops(app: Flask, world: World, street: dict[str, int],
                                                          login: Any) -> None:
    sweep_today(app, list(street.values()), sweepers=("mgr2",))
    html = login("mgr3").htmx_get("/today/route").get_data(as_text=True)
    assert route_ids(html) == []
    assert "东1号店" not in html


@pytest.mark.parametrize(("metres", "text"), [(None, ""), (0, "0 m"), (144, "140 m"), (994, "990 m"), (996, "1.0 km"), (1250, "1.2 km")])
def test_distances_read_well(metres: float | None, text: str) -> None:
    assert format_distance(metres) == text


def test_the_first_visit_of_the_day_stays_on_today_marked_done(app: Flask, world: World, login: Any) -> None:
    """Today never says "nothing to do" once I have worked: what I did stays, marked done, linked to the visit."""
    mgr2 = login("mgr2")
    html = mgr2.get("/today/").get_data(as_text=True)
    assert "data-nothing-due" in html and "data-done-today" not in html
    start, _ = day_bounds(bank_today())
    visit_id = new_id()
    body = visit_body(world.merchants["a1_other"], lead="mgr2",
                      started_at=max(datetime.now(UTC) - timedelta(minutes=3), start + timedelta(seconds=1))
                      .isoformat(timespec="seconds"))
    assert mgr2.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    html = mgr2.get("/today/").get_data(as_text=True)
    assert "data-nothing-due" not in html and "data-all-done" in html
    done = html.split("data-done-today")[1]
    assert f'href="/visits/{visit_id}"' in done and f'data-done-merchant="{world.merchants["a1_other"]}"' in done
    # Someone else's visit is not on my Today.
    assert f'href="/visits/{visit_id}"' not in login("mgr3").get("/today/").get_data(as_text=True)


def test_today_lists_what_needs_my_action(app: Flask, world: World, login: Any, squad_visit: str) -> None:
    """A squad visit waiting for my confirmation is on Today (the inbox's items that are not stops)."""
    html = login("mgr2").get("/today/").get_data(as_text=True)
    actions = html.split("data-today-actions")[1].split("</section>")[0]
    assert 'data-inbox-kind="squad_confirmation"' in actions and f"/visits/{squad_visit}#confirm-form" in actions
    assert "data-today-actions" not in login("mgr7").get("/today/").get_data(as_text=True)
