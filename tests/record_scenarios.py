"""Every documented status of the field-record PUTs (leads, peer records, survey answers), produced for real:
tests/test_openapi.py runs them beside the visit's."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from tests.channel_helpers import activity_body, ctx, lead_body
from tests.factories import World
from tests.market_helpers import peer_body, survey_body
from tests.visit_helpers import new_id
from webapp.channels.activities import save_activity
from webapp.extensions import db
from webapp.market.surveys import open_round, save_survey

Scenario = Callable[[Flask, World, Any], Any]
LEAD = "/leads/{lead_id}"
PEER = "/peer-records/{record_id}"
SURVEY = "/survey-responses/{response_id}"


def _activity(app: Flask, owner: str = "mgr1") -> int:
    with app.app_context():
        activity = save_activity(ctx(owner), None, activity_body(None))
        db.session.commit()
        return activity.id


def _answers(app: Flask, world: World) -> dict[str, Any]:
    with app.app_context():
        survey = save_survey(ctx("lead1"), None, survey_body())
        open_round(ctx("lead1"), survey)
        db.session.commit()
        first = str(survey.questions[0].id)
        return {"survey_id": survey.id, "round": 1, "merchant_id": world.merchants["a1_owned"],
                "answered_at": datetime.now(UTC).isoformat(), "answers": {first: "有"}}


def _scenarios(url: str, body: Callable[[Flask, World], Any], changed: Callable[[Any], Any],
               invalid: Callable[[Any], Any], missing: Callable[[Flask, World], Any] | None) -> dict[str, Scenario]:
    def put(user: Any, record_id: str, payload: Any) -> Any:
        return user.api("PUT", url.format(id=record_id), json=payload)

    def twice(app: Flask, world: World, login: Any, second: Callable[[Any], Any]) -> Any:
        record_id, payload = new_id(), body(app, world)
        assert put(login("mgr1"), record_id, payload).status_code == 201
        return put(login("mgr1"), record_id, second(payload))

    found: dict[str, Scenario] = {
        "201": lambda app, world, login: put(login("mgr1"), new_id(), body(app, world)),
        "200": lambda app, world, login: twice(app, world, login, lambda payload: payload),
        "409": lambda app, world, login: twice(app, world, login, changed),
        "400": lambda app, world, login: login("mgr1").client.put(url.format(id=new_id()), json=body(app, world)),
        "401": lambda app, world, login: app.test_client().put(url.format(id=new_id()), json={}),
        "403": lambda app, world, login: put(login("reviewer1"), new_id(), body(app, world)),
        "415": lambda app, world, login: login("mgr1").api("PUT", url.format(id=new_id()), data="x",
                                                           content_type="text/plain"),
        "422": lambda app, world, login: put(login("mgr1"), new_id(), invalid(body(app, world))),
    }
    if missing is not None:
        found["404"] = lambda app, world, login: put(login("mgr1"), new_id(), missing(app, world))
    return found


def record_scenarios() -> dict[tuple[str, str], dict[str, Scenario]]:
    return {
        (LEAD, "put"): _scenarios(
            "/api/v1/leads/{id}", lambda app, world: lead_body(_activity(app)),
            lambda payload: {**payload, "need": "变了"}, lambda payload: {**payload, "phone": "x"},
            lambda app, world: lead_body(_activity(app, "mgr7"))),
        (PEER, "put"): _scenarios(
            "/api/v1/peer-records/{id}", lambda app, world: peer_body(),
            lambda payload: {**payload, "rate": "4.50"}, lambda payload: {**payload, "category": "x"}, None),
        (SURVEY, "put"): _scenarios(
            "/api/v1/survey-responses/{id}", _answers,
            lambda payload: {**payload, "answers": dict.fromkeys(payload["answers"], "没有")},
            lambda payload: {**payload, "answers": dict.fromkeys(payload["answers"], "也许")},
            lambda app, world: {**_answers(app, world), "survey_id": 999_999}),
    }
