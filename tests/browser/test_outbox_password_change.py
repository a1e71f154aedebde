"""An administrator requires a new password while items wait on the phone (issues 10 and 18).

The server answers a person who must change their password with 403 ``password_change_required`` (the API, and
the outbox's own /sync/session question). The outbox treats that like a 401: nothing is refused or dropped, the
queue waits, and the person is sent to choose the new password; once they have, everything goes out.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    Phone,
    enqueue,
    kick,
    outbox_items,
    planned_visits,
    server_record,
    sign_in,
    wait_outbox_empty,
)
from tests.conftest import PASSWORD
from webapp.admin.accounts import require_password_change
from webapp.extensions import db
from webapp.models import User

NEW_PASSWORD = "orchard-lantern-47-quietly"
CHANGE_REQUIRED = {"error": "password_change_required", "message": "choose a new password",
                   "fields": {}, "change_url": "/account/password"}


def login_needed(page: Page) -> dict[str, Any] | None:
    return page.evaluate("() => xw.outbox.getMeta('loginNeeded')")


def states(page: Page) -> list[str]:
    return sorted(item["state"] for item in outbox_items(page))


def test_a_required_password_change_keeps_the_queue_until_the_new_password_is_chosen(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    context.set_offline(True)
    visits = planned_visits(1, 1, seed=97)
    enqueue(page, visits, merchant_id)
    visit_path = f"/api/v1/visits/{visits[0]['id']}"

    # The flag set between the session question and the visit's PUT: the API's 403 is not a refusal.
    context.route(f"**{visit_path}", lambda route: route.fulfill(
        status=403, content_type="application/json", body=json.dumps(CHANGE_REQUIRED)))
    context.set_offline(False)
    assert kick(page)["status"] == "login"
    visit_item = next(i for i in outbox_items(page) if i["kind"] == "visit")
    assert (visit_item["state"], visit_item["lastError"]["code"]) == ("queued", "password_change_required")
    assert states(page) == ["queued", "queued"]
    assert (login_needed(page) or {}).get("passwordChange") is True
    context.unroute(f"**{visit_path}")

    # The administrator requires it: every session ends, so first the phone waits for a login.
    with server.app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == MANAGER))
        assert user is not None
        require_password_change(user)
        db.session.commit()
        db.session.remove()
    assert kick(page)["status"] == "login"
    assert (login_needed(page) or {}).get("passwordChange") is False
    expect(page.locator("[data-login-needed]")).to_be_visible()  # on the page still open
    expect(page.locator("[data-password-change-needed]")).to_be_hidden()

    # Logged in again, the person is on the change-password page; the session question answers 403 there.
    sign_in(page, MANAGER)
    page.wait_for_url("**/account/password")
    assert kick(page)["status"] == "login"
    assert (login_needed(page) or {}).get("passwordChange") is True
    assert states(page) == ["queued", "queued"]  # nothing refused, nothing dropped
    assert server_record(server.app, [visits[0]["id"]]).visits == {}
    page.reload()
    notice = page.locator("[data-password-change-needed]")
    expect(notice).to_be_visible()
    expect(notice.locator("a")).to_have_attribute("href", "/account/password")
    expect(page.locator("[data-login-needed]")).to_be_hidden()
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-state", "login")

    # The new password chosen, the queue goes out by itself.
    page.locator("#current_password").fill(PASSWORD)
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#confirm_password").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/account/password" not in url)
    wait_outbox_empty(page)
    record = server_record(server.app, [visits[0]["id"]])
    assert set(record.visits) == {visits[0]["id"]} and len(record.photos) == 1
    assert login_needed(page) is None
    expect(page.locator("[data-password-change-needed]")).to_be_hidden()
    context.close()
