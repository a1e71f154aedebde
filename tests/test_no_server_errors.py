"""No input gives a 500: each input that once did is now a 4xx that says what is wrong, and nothing is stored.

The cases came from an attack on the app (issue 10): dates at the ends of the calendar (year 0001, 9999) in the
review filters, samples, the photo-log export and the sweep rotation (a saved rotation then broke its page on
every load); a page number of 20 digits; an area nested 5,000 levels deep; a lone surrogate in a visit body;
CR/LF in ``next``. The classes behind them are fuzzed in tests/test_fuzz_routes.py and tests/test_fuzz_api.py.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import WULIN, World, add_merchant
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import SweepRotation, Visit

ENDS_OF_THE_CALENDAR = ["0001-01-01", "9999-12-31"]


def _in_english(user: Any) -> Any:
    """The user's pages in English, so the messages can be compared as written."""
    assert user.post("/language", {"lang": "en", "next": "/merchants/"}).status_code == 303
    return user


def _says_why(response: Any, status: int) -> str:
    """The answer is the expected 4xx and a page or JSON body with words in it; returns the text."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:400])
    text: str = response.get_data(as_text=True)
    assert response.mimetype in ("text/html", "application/json")
    if response.mimetype == "application/json":
        assert response.get_json()["message"]
    return text


@pytest.mark.parametrize("day", ENDS_OF_THE_CALENDAR)
@pytest.mark.parametrize("name", ["from", "to", "day"])
def test_review_filters_at_the_ends_of_the_calendar(world: World, login: Any, day: str, name: str) -> None:
    reviewer = _in_english(login("reviewer1"))
    for url in ("/review/", "/review/export.zip"):
        for other in ({}, {"from": "2026-11-01"}, {"to": "2026-11-30"}):
            response = reviewer.get(url, query_string={**other, name: day})
            assert "Choose a date from 2000-01-01 to 2099-12-31." in _says_why(response, 422)


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "0001-01-05"), ("9999-12-27", "9999-12-31"),
                                            ("0001-01-01", "9999-12-31")])
def test_a_sample_at_the_ends_of_the_calendar(world: World, login: Any, start: str, end: str) -> None:
    reviewer = _in_english(login("reviewer1"))
    response = reviewer.post("/review/samples/", {"from": start, "to": end, "percent": "10", "minimum": "2"},
                             headers={"HX-Request": "true"})
    assert "Choose a date from 2000-01-01 to 2099-12-31." in _says_why(response, 422)


@pytest.mark.parametrize("day", ENDS_OF_THE_CALENDAR)
def test_a_rotation_at_the_ends_of_the_calendar_is_refused_and_never_saved(app: Flask, world: World, login: Any,
                                                                          day: str) -> None:
    with app.app_context():
        add_merchant(world.sub_branches["A1"], "老王面馆", lat=WULIN[0], lon=WULIN[1], district="武林商圈")
        db.session.commit()
    lead = login("lead1")
    response = lead.post("/sweeps/rotation", {"start_date": day, "interval_weeks": "8",
                                              "district": "武林商圈", "rank": "1"}, headers={"HX-Request": "true"})
    _says_why(response, 422)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SweepRotation)) == 0
    assert lead.get("/sweeps/rotation").status_code == 200


@pytest.mark.parametrize("start", [date(1, 1, 1), date(9999, 12, 31)])
def test_a_rotation_stored_before_the_bound_still_opens(app: Flask, world: World, login: Any, start: date) -> None:
    """A rotation stored before its start date was bounded must not break the page on every load."""
    with app.app_context():
        add_merchant(world.sub_branches["A1"], "老王面馆", lat=WULIN[0], lon=WULIN[1], district="武林商圈")
        db.session.add(SweepRotation(sub_branch_id=world.sub_branches["A1"], start_date=start,
                                     interval_weeks=8, districts=["武林商圈"], updated_by_id=world.users["lead1"]))
        db.session.commit()
    assert login("lead1").get("/sweeps/rotation").status_code == 200


@pytest.mark.parametrize("page", ["9" * 20, "-5", "0", "x", "1e3"])
def test_a_page_number_out_of_any_range(world: World, login: Any, page: str) -> None:
    response = login("mgr1").get("/merchants/", query_string={"page": page})
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert "page" in _says_why(response, 400).lower() or "页" in response.get_data(as_text=True)


def test_a_huge_page_number_is_a_400_that_says_so(world: World, login: Any) -> None:
    _says_why(login("mgr1").get("/merchants/", query_string={"page": "9" * 20}), 400)


def test_an_area_nested_5000_levels_deep(world: World, login: Any) -> None:
    lead = _in_english(login("lead1"))
    form = {"sweep_date": bank_today().isoformat(), "polygon": "[" * 5000 + "]" * 5000}
    preview = lead.get("/sweeps/preview", query_string=form, headers={"HX-Request": "true"})
    assert "Correct the filters marked above" in _says_why(preview, 200)  # the preview sits under the form
    assert lead.get("/sweeps/preview", query_string=form).status_code == 200
    created = lead.post("/sweeps/new", {**form, "title": "x"}, headers={"HX-Request": "true"})
    assert "could not be read" in _says_why(created, 422)


@pytest.mark.parametrize("where", ["notes.lead", "outcome.next_step", "squad.support", "kind", "started_at"])
def test_a_lone_surrogate_in_a_visit_body(app: Flask, world: World, login: Any, where: str) -> None:
    mgr1 = login("mgr1")
    with app.app_context():
        merchant = add_merchant(world.sub_branches["A1"], "老王面馆", owner="mgr1", lat=WULIN[0], lon=WULIN[1])
        db.session.commit()
        merchant_id = merchant.id
    body = visit_body(merchant_id)
    section, _dot, key = where.rpartition(".")
    target = body[section] if section else body
    target[key] = "\ud800"
    raw = json.dumps(body)  # escapes the surrogate as \ud800, as a phone's JSON.stringify would
    response = mgr1.api("PUT", f"/api/v1/visits/{new_id()}", data=raw, content_type="application/json")
    _says_why(response, 422)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


@pytest.mark.parametrize("target", ["/merchants/\r\nSet-Cookie: x=1", "/merchants/\n", "\r\n/evil", "/%0d%0aX: y"])
def test_cr_lf_in_next(app: Flask, world: World, login: Any, client: Any, target: str) -> None:
    mgr1 = login("mgr1")
    response = mgr1.post("/language", {"lang": "en", "next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and location.startswith("/")
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200


# --- found by the fuzzers (tests/test_fuzz_routes.py, tests/test_fuzz_api.py) ---------------------------------

UNNAMED_FIELD = (b"--b\r\nContent-Disposition: form-data; name=\"\r\"\r\n\r\nx\r\n"
                 b"--b\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\npremises\r\n--b--\r\n")


@pytest.mark.parametrize(("method", "url"), [("PUT", f"/api/v1/visits/{new_id()}/photos/{new_id()}"),
                                             ("POST", "/sweeps/rotation"), ("POST", "/language")])
def test_a_form_field_whose_name_cannot_be_read(world: World, login: Any, method: str, url: str) -> None:
    """A raw line break in a multipart field's name came out as a field named None; the CSRF check then
    failed on it with a 500."""
    user = login("lead1")
    response = user.client.open(url, method=method, data=UNNAMED_FIELD, content_type="multipart/form-data; boundary=b",
                                headers={"X-CSRFToken": user.csrf})
    _says_why(response, 400)


@pytest.mark.parametrize("url", ["/merchants/99999999999999999999", "/merchants/2147483648",
                                 "/review/samples/99999999999", "/admin/users/9223372036854775808"])
def test_a_record_id_past_any_column_is_not_found(world: World, login: Any, url: str) -> None:
    """An id past 64 bits overflowed SQLite (and past 32 bits, PostgreSQL's integer) with a 500."""
    _says_why(login("admin").get(url), 404)
    _says_why(login("admin").post(url.replace("/users/", "/users/") if "/users/" in url else
                                  "/admin/org/teams/99999999999999999999", {"name": "x"}), 404)


def test_a_refused_decision_says_why_where_no_form_is_shown(app: Flask, world: World, login: Any) -> None:
    """A decision posted where the page shows no decision form (a visit sent back, waiting for its manager)
    came back as a 422 with the reason beside a field that was not there: a refusal that said nothing."""
    with app.app_context():
        merchant = add_merchant(world.sub_branches["A1"], "老王面馆", owner="mgr1", lat=WULIN[0], lon=WULIN[1])
        db.session.commit()
        merchant_id = merchant.id
    visit_id = new_id()
    body = visit_body(merchant_id, lat=WULIN[0], lon=WULIN[1])
    assert login("mgr1").api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    reviewer = _in_english(login("reviewer1"))
    url = f"/review/visits/{visit_id}/decision"
    assert reviewer.post(url, {"action": "send_back", "reason": "照片不清楚"}).status_code == 303
    lead = _in_english(login("lead1"))  # the team lead reviews too, but has nothing to decide on a sent-back visit
    response = lead.post(url, {}, headers={"HX-Request": "true"})
    text = _says_why(response, 422)
    assert 'role="alert" data-decision-message' in text
