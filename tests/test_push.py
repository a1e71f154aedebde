"""Web Push, server side: the VAPID key made by the setup, a subscription per device (only push services' hosts),
and pushes that really leave: encrypted for the subscriber and signed with the key, to a push service of the test's
own (tests/push_helpers.py), for new inbox items that deserve one (once each) and for collection's notices.
(The browser's side, with Chromium: tests/browser/test_push_walk.py.)"""
from __future__ import annotations

import os
import stat
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.collection_helpers import DAY, china, open_by_book
from tests.factories import World
from tests.push_helpers import PushService, Subscriber, push_service, unb64url, verify_vapid
from tests.review_helpers import create_visit, decision
from tests.visit_helpers import new_id, visit_body
from webapp.extensions import db
from webapp.models import PushedItem, PushSubscription
from webapp.push.keys import key_file, public_key


@pytest.fixture
def service(app: Flask) -> Any:
    with push_service() as running:
        app.config.update(PUSH_ALLOW_HTTP=True, PUSH_ENDPOINT_HOSTS=["127.0.0.1"])
        yield running


def subscribe(user: Any, subscriber: Subscriber, endpoint: str) -> Any:
    return user.api("POST", "/push/subscriptions", json=subscriber.subscription(endpoint))


def test_the_setup_makes_the_vapid_key_once_in_instance(app: Flask, tmp_path: Any) -> None:
    app.config["PUSH_VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
    runner: FlaskCliRunner = app.test_cli_runner()
    first = runner.invoke(args=["push", "keys"])
    assert first.exit_code == 0, first.output
    path = key_file(app)
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = path.read_bytes()
    assert runner.invoke(args=["push", "keys"]).exit_code == 0 and path.read_bytes() == content  # made once
    with app.app_context():
        key = public_key()
    assert len(unb64url(key)) == 65 and unb64url(key)[0] == 4 and key in first.output


def test_a_device_subscribes_once_and_only_to_a_push_service(app: Flask, world: World, login: Any,
                                                             service: PushService) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    phone = Subscriber.new()
    assert subscribe(mgr1, phone, service.endpoint("a")).status_code == 201
    assert subscribe(mgr1, phone, service.endpoint("a")).status_code == 200  # the same device: one row
    # The phone changes hands: the subscription follows whoever signed in on it.
    assert subscribe(mgr2, phone, service.endpoint("a")).status_code == 200
    with app.app_context():
        rows = db.session.scalars(sa.select(PushSubscription)).all()
        assert [(r.user.username, r.endpoint) for r in rows] == [("mgr2", service.endpoint("a"))]
    app.config.update(PUSH_ENDPOINT_HOSTS=["fcm.googleapis.com"], PUSH_ALLOW_HTTP=False)
    for endpoint in ("http://10.0.0.5/internal", "https://intranet.bank.example/push/x", "ftp://fcm.googleapis.com/x",
                     "http://fcm.googleapis.com/fcm/send/x", "", "https://fcm.googleapis.com/" + "x" * 1000):
        response = subscribe(mgr1, phone, endpoint)
        assert response.status_code == 422 and "endpoint" in response.get_json()["fields"], endpoint
    bad_keys = phone.subscription("https://fcm.googleapis.com/fcm/send/abc")
    bad_keys["keys"] = {"p256dh": "not-a-key", "auth": "AAAA"}
    response = mgr1.api("POST", "/push/subscriptions", json=bad_keys)
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"keys.p256dh", "keys.auth"}
    assert mgr1.api("POST", "/push/subscriptions", data="[]", content_type="application/json").status_code == 422
    # Signed out: JSON 401, never a login page; no CSRF token: refused before anything is read.
    assert app.test_client().post("/push/subscriptions", json={}).status_code in (400, 401)
    assert mgr1.client.post("/push/subscriptions", json=phone.subscription(service.endpoint("b"))).status_code == 400
    # Unsubscribing removes only one's own.
    assert mgr1.api("POST", "/push/subscriptions/remove", json={"endpoint": service.endpoint("a")}).get_json() == {
        "status": "unknown"}
    assert mgr2.api("POST", "/push/subscriptions/remove", json={"endpoint": service.endpoint("a")}).get_json() == {
        "status": "removed"}
    assert mgr2.api("POST", "/push/subscriptions/remove", json={}).status_code == 422


def test_a_squad_confirmation_is_pushed_once_encrypted_and_signed(app: Flask, world: World, login: Any,
                                                                 service: PushService) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    phone = Subscriber.new()
    assert subscribe(mgr2, phone, service.endpoint("mgr2")).status_code == 201
    visit_id = new_id()
    body = visit_body(world.merchants["a1_owned"], support="mgr2", lat=30.2741, lon=120.1551)
    assert mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    assert len(service.received) == 1
    received = service.received[0]
    message = phone.read(received)
    assert message["title"] == "小分队确认" and "老王面馆" in message["body"]
    assert message["url"] == f"/visits/{visit_id}#confirm-form" and message["tag"] == f"squad_confirmation:{visit_id}"
    with app.app_context():
        claims = verify_vapid(received, public_key(), service.url)
    assert claims["sub"] == app.config["PUSH_VAPID_SUBJECT"] and int(received.headers["ttl"]) > 0
    # The same visit written again (a replay, an edit): nothing new in the inbox, nothing pushed again.
    body["notes"] = {"lead": "补充记录"}
    assert mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body,
                    headers={"If-Match": mgr1.api("GET", f"/api/v1/visits/{visit_id}").headers["ETag"]}).status_code == 200
    assert len(service.received) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushedItem)) == 1


def test_a_sent_back_visit_is_pushed_to_its_lead_and_a_gone_subscription_ends(
    app: Flask, world: World, login: Any, service: PushService
) -> None:
    visit_id = create_visit(app, world, photos=0)
    mgr1 = login("mgr1")
    old, new = Subscriber.new(), Subscriber.new()
    assert subscribe(mgr1, old, service.endpoint("old")).status_code == 201
    assert subscribe(mgr1, new, service.endpoint("new")).status_code == 201
    service.status["/push/old"] = 410  # that phone was reset: its push service says the subscription is gone
    assert decision(login("reviewer1"), visit_id, "send_back", "请补拍门头").status_code == 303
    sent = {r.path: r for r in service.received}
    assert set(sent) == {"/push/old", "/push/new"}
    message = new.read(sent["/push/new"])
    assert message["title"] == "拜访被退回" and message["url"] == f"/visits/{visit_id}"
    with app.app_context():
        assert [s.endpoint for s in db.session.scalars(sa.select(PushSubscription))] == [service.endpoint("new")]


def test_subscribing_marks_what_is_already_in_the_inbox_as_told(app: Flask, world: World, login: Any,
                                                                service: PushService, squad_visit: str) -> None:
    """mgr2 had a confirmation waiting before subscribing: it is not pushed later, a new one is."""
    mgr2 = login("mgr2")
    phone = Subscriber.new()
    assert subscribe(mgr2, phone, service.endpoint("mgr2")).status_code == 201
    assert service.received == []
    later = new_id()
    body = visit_body(world.merchants["a1_other"], lead="mgr3", support="mgr2", lat=30.2751, lon=120.1551)
    assert login("mgr3").api("PUT", f"/api/v1/visits/{later}", json=body).status_code == 201
    assert [phone.read(r)["url"] for r in service.received] == [f"/visits/{later}#confirm-form"]


def test_a_collection_notice_is_pushed_to_the_superiors(app: Flask, world: World, login: Any,
                                                        service: PushService) -> None:
    lead = login("lead1")
    phone = Subscriber.new()
    assert subscribe(lead, phone, service.endpoint("lead1")).status_code == 201
    with app.app_context():
        case = open_by_book(opened=china(DAY, 18, 30))
        case_id = case.id
        db.session.commit()
    messages = [phone.read(r) for r in service.received]
    assert any(m["url"] == f"/collection/cases/{case_id}" and "清收" in m["title"] for m in messages), messages


def test_a_test_notification_reaches_my_devices_only(app: Flask, world: World, login: Any,
                                                     service: PushService) -> None:
    mgr1 = login("mgr1")
    assert mgr1.api("POST", "/push/test", json={}).status_code == 409
    phone = Subscriber.new()
    assert subscribe(mgr1, phone, service.endpoint("mgr1")).status_code == 201
    assert mgr1.api("POST", "/push/test", json={}).status_code == 202
    assert [phone.read(r)["tag"] for r in service.received] == ["test"]
    more = mgr1.get("/more").get_data(as_text=True)
    assert 'data-push-key="' in more and "data-push-on" in more
