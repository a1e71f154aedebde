"""PUT /api/v1/leads|peer-records|survey-responses/<id>: what a phone's outbox sends for the field records, stored
once under the phone's id, every refusal JSON with its reason; /sync/known answers for them."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.channel_helpers import activity_body, ctx, lead_body
from tests.factories import World
from tests.market_helpers import peer_body, survey_body
from tests.visit_helpers import new_id
from webapp.channels.activities import save_activity
from webapp.extensions import db
from webapp.market.surveys import open_round, save_survey
from webapp.models import Lead, PeerRecord, SurveyResponse


def _activity(app: Flask, owner: str = "mgr1") -> int:
    with app.app_context():
        activity = save_activity(ctx(owner), None, activity_body(None))
        db.session.commit()
        return activity.id


def test_a_lead_through_the_api(app: Flask, world: World, login: Any) -> None:
    activity_id = _activity(app)
    mgr1 = login("mgr1")
    lead_id = new_id()
    body = lead_body(activity_id)
    first = mgr1.api("PUT", f"/api/v1/leads/{lead_id}", json=body, headers={"X-Expected-User": "mgr1"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["assignee"] == "mgr1" and first.get_json()["existing_merchant"] is False
    assert mgr1.api("PUT", f"/api/v1/leads/{lead_id}", json=body).status_code == 200
    conflict = mgr1.api("PUT", f"/api/v1/leads/{lead_id}", json={**body, "need": "变了"})
    assert conflict.status_code == 409 and conflict.get_json()["error"] == "lead_differs"
    invalid = mgr1.api("PUT", f"/api/v1/leads/{new_id()}", json={**body, "phone": "x"})
    assert invalid.status_code == 422 and "phone" in invalid.get_json()["fields"]
    assert mgr1.api("PUT", "/api/v1/leads/not-a-uuid", json=body).status_code == 422
    assert mgr1.api("PUT", f"/api/v1/leads/{new_id()}", data="x", content_type="text/plain").status_code == 415
    assert mgr1.api("PUT", f"/api/v1/leads/{new_id()}", data="{", content_type="application/json").status_code == 422
    # Another sub-branch's activity is not found; another user's queued item is refused before anything.
    other = _activity(app, "mgr7")
    assert mgr1.api("PUT", f"/api/v1/leads/{new_id()}", json=lead_body(other)).status_code == 404
    wrong = mgr1.api("PUT", f"/api/v1/leads/{new_id()}", json=body, headers={"X-Expected-User": "mgr2"})
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "wrong_user"
    assert login("reviewer1").api("PUT", f"/api/v1/leads/{new_id()}", json=body).status_code == 403
    assert app.test_client().put(f"/api/v1/leads/{new_id()}", json=body).status_code in (400, 401)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1


def test_peer_records_and_survey_answers_through_the_api_and_known(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    record_id = new_id()
    assert mgr1.api("PUT", f"/api/v1/peer-records/{record_id}", json=peer_body()).status_code == 201
    assert mgr1.api("PUT", f"/api/v1/peer-records/{record_id}", json=peer_body()).status_code == 200
    assert mgr1.api("PUT", f"/api/v1/peer-records/{new_id()}", json=peer_body(category="x")).status_code == 422
    with app.app_context():
        survey = save_survey(ctx("lead1"), None, survey_body())
        open_round(ctx("lead1"), survey)
        db.session.commit()
        survey_id, first = survey.id, survey.questions[0].id
    response_id = new_id()
    answers = {"survey_id": survey_id, "round": 1, "merchant_id": world.merchants["a1_owned"],
               "answered_at": datetime.now(UTC).isoformat(), "answers": {str(first): "有"}}
    assert mgr1.api("PUT", f"/api/v1/survey-responses/{response_id}", json=answers).status_code == 201
    assert mgr1.api("PUT", f"/api/v1/survey-responses/{response_id}", json=answers).status_code == 200
    again = mgr1.api("PUT", f"/api/v1/survey-responses/{new_id()}", json=answers)
    assert again.status_code == 409 and again.get_json()["error"] == "already_answered"
    assert login("mgr7").api("PUT", f"/api/v1/survey-responses/{new_id()}", json=answers).status_code == 404
    lead_id = new_id()
    known = mgr1.api("POST", "/sync/known", json={"peer_records": [record_id, new_id()],
                                                  "survey_responses": [response_id], "leads": [lead_id]})
    assert known.get_json()["peer_records"] == [record_id]
    assert known.get_json()["survey_responses"] == [response_id] and known.get_json()["leads"] == []
    # Another user's records are not theirs to know of.
    assert login("mgr2").api("POST", "/sync/known", json={"peer_records": [record_id]}).get_json()["peer_records"] == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerRecord)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_ids_past_32_bits_in_a_body_are_refused_not_overflowed(app: Flask, world: World, login: Any) -> None:
    """On PostgreSQL an id past 32 bits in a query is an error (a 500); in a body it is a field error."""
    activity_id = _activity(app)
    mgr1 = login("mgr1")
    huge = 10**20
    lead = mgr1.api("PUT", f"/api/v1/leads/{new_id()}", json={**lead_body(activity_id), "activity_id": huge})
    assert lead.status_code == 422 and "activity_id" in lead.get_json()["fields"]
    peer = mgr1.api("PUT", f"/api/v1/peer-records/{new_id()}", json=peer_body(merchant_id=str(huge)))
    assert peer.status_code == 422 and "merchant_id" in peer.get_json()["fields"]
    answers = {"survey_id": huge, "round": 1, "merchant_id": 2**31, "answered_at": datetime.now(UTC).isoformat(),
               "answers": {}}
    assert mgr1.api("PUT", f"/api/v1/survey-responses/{new_id()}", json=answers).status_code == 422
    channel = mgr1.post("/channels/activities/new", {"kind": "roadshow", "title": "x", "day": "2026-08-01",
                                                     "channel_id": str(huge), "people": [str(huge)]},
                        headers={"HX-Request": "true"})
    assert channel.status_code == 422
