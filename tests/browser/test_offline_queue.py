"""The outbox's promises in real Chromium: a replayed queue stores nothing twice, a queue waits for its author
when the session ends, a refused item is shown with its reason and never retried in a loop, and logging out
with items waiting asks first and forgets the user's pages."""
from __future__ import annotations

import time

import sqlalchemy as sa
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    Phone,
    enqueue,
    kick,
    open_app,
    outbox_items,
    phone_photo_hashes,
    planned_visits,
    poll,
    server_record,
    wait_kept,
    wait_outbox_empty,
)
from tests.conftest import login_client
from tests.visit_helpers import new_id, visit_body
from webapp.auth.sessions import end_all_sessions
from webapp.extensions import db
from webapp.models import User

OTHER_MANAGER = "mgr5"

# Copies the whole outbox (items and photo Blobs) aside in the page, and puts it back: the queue as it was
# before the replay, as if every acknowledgement had been lost on the way back.
SNAPSHOT_JS = """async () => {
  const db = await xw.outbox.openDb();
  const read = (name) => new Promise((resolve, reject) => {
    const req = db.transaction(name).objectStore(name).getAll();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  window.snapshot = { items: await read('items'), blobs: await read('blobs') };
  return window.snapshot.items.length;
}"""
RESTORE_JS = """async () => {
  const db = await xw.outbox.openDb();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(['items', 'blobs'], 'readwrite');
    window.snapshot.items.forEach((item) => tx.objectStore('items').put(item));
    window.snapshot.blobs.forEach((blob) => tx.objectStore('blobs').put(blob));
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  return (await xw.outbox.list()).length;
}"""
LISTEN_JS = """() => {
  window.answers = [];
  xw.outbox.on((m) => { if (m.type === 'sent' || m.type === 'refused') window.answers.push([m.id, m.status]); });
}"""


def test_the_same_queue_replayed_three_times_stores_each_item_once(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    context.set_offline(True)
    visits = planned_visits(2, 3)
    assert enqueue(page, visits, merchant_id) == 8
    assert page.evaluate(SNAPSHOT_JS) == 8
    phone_hashes = phone_photo_hashes(page)
    page.evaluate(LISTEN_JS)
    visit_ids = [v["id"] for v in visits]

    context.set_offline(False)
    kick(page)
    wait_outbox_empty(page)
    first = server_record(server.app, visit_ids)
    assert set(first.visits) == set(visit_ids) and first.versions == 2
    assert {pid: sha for pid, (_vid, sha) in first.photos.items()} == phone_hashes
    assert sorted(status for _id, status in page.evaluate("() => window.answers")) == [201] * 8

    for _replay in range(3):
        page.evaluate("() => { window.answers.length = 0; }")
        assert page.evaluate(RESTORE_JS) == 8
        kick(page)
        wait_outbox_empty(page)
        # Every item acknowledged again as "already there", and nothing stored twice.
        assert sorted(status for _id, status in page.evaluate("() => window.answers")) == [200] * 8
        assert server_record(server.app, visit_ids) == first
    context.close()


def test_background_sync_delivers_the_queue_with_no_page_of_the_app_open(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    context.set_offline(True)
    visits = planned_visits(1, 2, seed=3)
    enqueue(page, visits, merchant_id)
    hashes = phone_photo_hashes(page)
    assert kick(page)["status"] == "offline"  # no network: the page asks the browser for a Background Sync
    poll(page, "async () => (await (await navigator.serviceWorker.ready).sync.getTags()).includes('xw-outbox')")
    page.close()  # the manager leaves the app; only the service worker remains
    context.set_offline(False)

    deadline = time.monotonic() + 60
    while len(server_record(server.app, [visits[0]["id"]]).photos) < 2:
        assert time.monotonic() < deadline, "the service worker did not deliver the queue"
        time.sleep(0.2)
    record = server_record(server.app, [visits[0]["id"]])
    assert record.visits == {visits[0]["id"]: MANAGER}
    assert {pid: sha for pid, (_vid, sha) in record.photos.items()} == hashes
    context.close()


def expire_sessions(server: LiveServer, username: str) -> None:
    with server.app.app_context():
        end_all_sessions(db.session.scalar(sa.select(User).where(User.username == username)))
        db.session.commit()
        db.session.remove()


def kept_page_users(page: Page) -> list[str]:
    """The user each page kept by the service worker belongs to."""
    return page.evaluate(
        """async () => {
          const cache = await caches.open('xw-pages');
          const users = [];
          for (const request of await cache.keys()) {
            const html = await (await cache.match(request)).text();
            users.push((/<body[^>]*data-user="([^"]*)"/.exec(html) || [])[1]);
          }
          return users;
        }""")


def test_a_queue_waits_for_its_author_through_an_ended_session_and_another_users_login(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    wait_kept(page, f"/merchants/{merchant_id}")
    context.set_offline(True)
    visits = planned_visits(1, 2, seed=7)
    enqueue(page, visits, merchant_id)
    visit_id = visits[0]["id"]

    # The session ends while the phone is offline (an admin, a timeout): the network comes back.
    expire_sessions(server, MANAGER)
    context.set_offline(False)
    assert kick(page)["status"] == "login"
    expect(page.locator("[data-login-needed]")).to_be_visible()
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-state", "login")
    assert len(outbox_items(page)) == 3
    assert server_record(server.app, [visit_id]).visits == {}

    # Another manager logs in on the same phone: nothing of mgr4's goes as theirs, and mgr4's pages are gone.
    open_app(page, OTHER_MANAGER)
    assert kick(page)["status"] in ("done", "idle")
    assert len(outbox_items(page)) == 3
    assert server_record(server.app, [visit_id]).visits == {}
    assert set(kept_page_users(page)) <= {OTHER_MANAGER}
    page.goto("/sync/")
    expect(page.locator("[data-sync-others]")).to_be_visible()
    expect(page.locator("[data-sync-summary]")).to_have_attribute("data-waiting", "0")
    page.goto("/more")  # logging out lives on "More" (我的)
    page.locator("form.logout-form button").click()  # nothing of mgr5 waits: no question
    page.wait_for_url("**/login")

    # The author logs in again: the queue goes, as theirs.
    open_app(page, MANAGER)
    wait_outbox_empty(page)
    record = server_record(server.app, [visit_id])
    assert record.visits == {visit_id: MANAGER} and len(record.photos) == 2
    expect(page.locator("[data-login-needed]")).to_be_hidden()
    context.close()


def test_a_refused_item_is_shown_with_its_reason_and_not_retried_in_a_loop(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    # The server already has visit X with other content (recorded on another phone): the phone's copy is a 409.
    conflicting = new_id()
    other_phone = login_client(server.app, MANAGER)
    assert other_phone.api("PUT", f"/api/v1/visits/{conflicting}",
                           json=visit_body(merchant_id, lead=MANAGER)).status_code == 201
    invalid = new_id()

    context.set_offline(True)
    enqueue(page, [{"id": conflicting, "startedAt": now_ms(), "note": "另一台手机上的版本不同"}], merchant_id)
    enqueue(page, [{"id": invalid, "startedAt": now_ms(), "kind": "party", "note": "kind unknown"}], merchant_id)
    context.set_offline(False)
    kick(page)
    poll(page, "async () => (await xw.outbox.list()).every((i) => i.state === 'refused')")
    paths = {vid: f"/api/v1/visits/{vid}" for vid in (conflicting, invalid)}
    assert {vid: server.requests.count("PUT", path) for vid, path in paths.items()} == {conflicting: 2, invalid: 1}

    # Every way a replay starts: `online`, the app's start, a kick. None sends a refused item again.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    kick(page)
    page.reload()
    kick(page)
    assert {vid: server.requests.count("PUT", path) for vid, path in paths.items()} == {conflicting: 2, invalid: 1}
    assert [i["state"] for i in outbox_items(page)] == ["refused", "refused"]
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-waiting", "2")

    page.goto("/sync/")
    conflict_row = page.locator(f"[data-item-id='visit:{conflicting}']")
    expect(conflict_row).to_have_attribute("data-item-state", "refused")
    expect(conflict_row.locator(".error")).to_contain_text("已保存了不同的内容")  # the server's reason
    expect(conflict_row).to_contain_text("丢弃本机这份")  # what to do
    invalid_row = page.locator(f"[data-item-id='visit:{invalid}']")
    expect(invalid_row.locator(".error")).not_to_be_empty()
    invalid_row.locator("summary").click()
    expect(invalid_row.locator("details dl")).to_contain_text("kind")  # the field the server named

    # Trying again is the person's decision: one more request, refused again.
    invalid_row.locator("[data-retry]").click()
    deadline = time.monotonic() + 30
    while server.requests.count("PUT", paths[invalid]) < 2:
        assert time.monotonic() < deadline, "the retry was not sent"
        page.wait_for_timeout(100)
    poll(page, "async (id) => (await xw.outbox.getItem(id)).state === 'refused'", f"visit:{invalid}")
    expect(invalid_row).to_have_attribute("data-item-state", "refused")
    page.wait_for_timeout(500)
    assert server.requests.count("PUT", paths[invalid]) == 2
    # The visit the server has in another version is not sent again by itself either.
    assert server.requests.count("PUT", paths[conflicting]) == 2

    # Logging out (on "More") with items waiting asks first.
    page.goto("/more")
    questions: list[str] = []
    answers = [False, True]

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    with page.expect_event("dialog"):
        page.locator("form.logout-form button").click()
    expect(page.locator("body")).to_have_attribute("data-user", MANAGER)
    assert len(questions) == 1
    with page.expect_event("dialog"):
        page.locator("form.logout-form button").click()
    page.wait_for_url("**/login")
    page.remove_listener("dialog", answer)
    assert len(questions) == 2 and "2" in questions[0]
    # The pages kept for the manager are gone with the session; the queue stays, it is still theirs.
    poll(page, "async () => (await (await caches.open('xw-pages')).keys()).length === 0")
    assert len(outbox_items(page)) == 2

    # Discarding a refused item names what it deletes first, then removes it from the phone.
    open_app(page)
    page.goto("/sync/")
    page.locator(f"[data-item-id='visit:{invalid}'] [data-discard]").click()
    panel = page.locator(f"[data-discard-panel='visit:{invalid}']")
    expect(panel).to_contain_text("visit " + invalid[:8])
    panel.locator("[data-discard-confirm=keep]").click()
    expect(page.locator(f"[data-item-id='visit:{invalid}']")).to_have_count(0)
    assert [i["id"] for i in outbox_items(page)] == [f"visit:{conflicting}"]
    context.close()


def now_ms() -> float:
    return time.time() * 1000 - 60_000
