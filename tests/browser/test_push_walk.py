"""Web Push in Chromium, end to end: a manager turns notifications on from "More", the phone's subscription reaches
the server, a squad visit that waits for their confirmation is pushed (encrypted for the subscription, signed with
the server's VAPID key), the service worker shows it as a notification that opens the visit, and turning
notifications off forgets the subscription.

Chromium subscribes through its own push service (Google's FCM), which these machines cannot reach: a real
subscribe() waits on it for ever. The test tries the real one first; when it does not answer in a few seconds the
page's PushManager hands out a subscription whose endpoint is the test's own push service (tests/push_helpers.py)
and whose keys the test holds. Everything after that is real: the server encrypts and signs and posts to that
endpoint like to FCM, the test decrypts what arrived with the subscription's keys, and hands it to the service
worker through DevTools' ServiceWorker.deliverPushMessage, which is what Chromium's push service does on delivery.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright, expect

from tests.browser.conftest import LiveServer, launch_phone, open_app, owned_merchant, phone_args, poll, serve
from tests.conftest import login_client
from tests.push_helpers import PushService, Subscriber, push_service, verify_vapid
from tests.visit_helpers import new_id, visit_body
from webapp.push.keys import public_key

ME = "mgr3"
REAL_SUBSCRIBE_WAIT_MS = 8000

# Stands in for Chromium's unreachable push service: the PushSubscription it would have made, for our endpoint.
STUB_PUSH = """(sub) => {
  const stored = { current: null };
  const make = () => ({ endpoint: sub.endpoint, expirationTime: null, options: { userVisibleOnly: true },
    getKey: () => null, toJSON: () => sub, unsubscribe: async () => { stored.current = null; return true; } });
  PushManager.prototype.subscribe = async function () { stored.current = make(); return stored.current; };
  PushManager.prototype.getSubscription = async function () { return stored.current; };
}"""


@pytest.fixture(scope="module")
def pushing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, PushService]]:
    with push_service() as service, serve(tmp_path_factory.mktemp("push"), PUSH_ALLOW_HTTP=True,
                                          PUSH_ENDPOINT_HOSTS=["127.0.0.1", "fcm.googleapis.com"]) as server:
        yield server, service


def _real_subscribe_works(page: Any) -> bool:
    return bool(page.evaluate("""async (wait) => {
      const registration = await navigator.serviceWorker.ready;
      const key = document.querySelector('[data-push]').dataset.pushKey;
      const raw = atob(key.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - key.length % 4) % 4));
      const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
      const attempt = registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes })
        .then(async (s) => { await s.unsubscribe(); return true; }, () => false);
      return Promise.race([attempt, new Promise((resolve) => setTimeout(() => resolve(false), wait))]);
    }""", REAL_SUBSCRIBE_WAIT_MS))


def test_notifications_on_a_phone_from_more_to_the_notification(
    playwright: Playwright, browser_type_launch_args: dict[str, Any], phone_profile: dict[str, Any],
    pushing: tuple[LiveServer, PushService], tmp_path: Path,
) -> None:
    server, service = pushing
    merchant_id, shop = owned_merchant(server.app, "mgr1")
    args = phone_args(phone_profile, server.url, shop)
    args["permissions"] = [*args["permissions"], "notifications"]
    # A persistent profile: Chromium offers no Push API in an incognito-like context.
    context = launch_phone(playwright, browser_type_launch_args, tmp_path / "profile", args)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        open_app(page, ME)
        page.goto("/more")
        card = page.locator("[data-push]")
        expect(card).to_have_attribute("data-push-state", "off")
        subscriber = Subscriber.new()
        real = _real_subscribe_works(page)
        if not real:
            page.evaluate(STUB_PUSH, subscriber.subscription(service.endpoint(ME)))

        card.locator("[data-push-on]").click()
        expect(card).to_have_attribute("data-push-state", "on")
        expect(card.locator("[data-push-test]")).to_be_visible()

        # mgr1 records a squad visit with mgr3 as support: mgr3's phone is told.
        visit_id = new_id()
        body = visit_body(merchant_id, lead="mgr1", support=ME, lat=shop[0], lon=shop[1])
        assert login_client(server.app, "mgr1").api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
        if not real:
            received = [r for r in service.received if r.path == f"/push/{ME}"]
            assert len(received) == 1
            with server.app.app_context():
                verify_vapid(received[0], public_key(), service.url)
            message = subscriber.read(received[0])
            assert message["url"] == f"/visits/{visit_id}#confirm-form"
            cdp = context.new_cdp_session(page)
            registrations: list[dict[str, Any]] = []
            cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
            cdp.send("ServiceWorker.enable")
            for _ in range(50):  # the registrations arrive as events right after enable
                if any(r["scopeURL"] == server.url + "/" for r in registrations):
                    break
                page.wait_for_timeout(100)
            registration = next(r for r in registrations if r["scopeURL"] == server.url + "/")
            cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId":
                                                          registration["registrationId"], "data": json.dumps(message)})
        shown = poll(page, """async () => {
          const registration = await navigator.serviceWorker.ready;
          const list = await registration.getNotifications();
          return list.length ? list.map((n) => ({ title: n.title, body: n.body, url: n.data.url, tag: n.tag })) : null;
        }""", timeout_ms=30_000)
        assert shown == [{"title": "小分队确认", "body": shown[0]["body"], "url": f"/visits/{visit_id}#confirm-form",
                          "tag": f"squad_confirmation:{visit_id}"}]
        assert "确认" in shown[0]["body"]

        # Off again: the server forgets this phone, nothing more is pushed to it.
        card.locator("[data-push-off]").click()
        expect(card).to_have_attribute("data-push-state", "off")
        before = len(service.received)
        other = new_id()
        body = visit_body(merchant_id, lead="mgr1", support=ME, lat=shop[0], lon=shop[1])
        assert login_client(server.app, "mgr1").api("PUT", f"/api/v1/visits/{other}", json=body).status_code == 201
        assert len(service.received) == before
    finally:
        context.close()
