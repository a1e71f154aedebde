"""What the phone keeps, and what it says when it lost it (issue 18, "data lost", "offline shell poisoned",
"also").

- The browser wipes the site's storage (simulated with DevTools' Storage.clearDataForOrigin, as Chromium's
  eviction does: IndexedDB, caches, the service worker; cookies stay): the badge and the sync page say that
  items recorded on this phone are missing, never "all sent"; what the server has after all is not counted.
- A portal answers a script with its own HTML page: the worker does not keep it, the page says the app's
  files are broken at once, and fetching them again repairs the app, which then records offline.
- Without Background Sync (Firefox, Safari) the queue goes on the `online` event and when the app is opened.
- On an iPhone the app asks to be added to the home screen before working offline.
"""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Playwright, Route, expect

from tests.browser.conftest import (
    WAIT_MS,
    LiveServer,
    Phone,
    enqueue,
    expect_saved_on_phone,
    kick,
    new_phone,
    open_app,
    owned_merchant,
    phone_args,
    planned_visits,
    server_record,
    wait_for_app,
    wait_kept,
    wait_outbox_empty,
)

# What Chromium's quota eviction deletes; cookies are not among them.
EVICTED = "indexeddb,cache_storage,service_workers,file_systems,local_storage"
PORTAL_PAGE = "<!doctype html><html><head><title>Wi-Fi 登录</title></head><body>请先登录 Wi-Fi</body></html>"


JOURNAL_COOKIE = """() => {
    const match = ("; " + document.cookie).match(new RegExp("; " + xw.journal.COOKIE + "=([^;]*)"));
    return match ? match[1] : null;
}"""


def test_a_wiped_outbox_is_said_never_taken_for_all_sent(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    delivered, answer_lost, waiting = (planned_visits(1, 1, seed=s) for s in (101, 102, 103))
    enqueue(page, delivered, merchant_id)
    kick(page)
    assert set(server_record(server.app, [delivered[0]["id"]]).visits) == {delivered[0]["id"]}

    # A visit the server stored whose answer was lost (and the network then failed): still on the phone when
    # the storage goes, with the photo it was waiting to send.
    answers: list[int] = []

    def drop_answer(route: Route) -> None:
        if answers:
            route.fulfill(status=503, content_type="text/html", body="<title>503</title>")
            return
        answers.append(route.fetch().status)
        route.abort()

    context.route(f"**/api/v1/visits/{answer_lost[0]['id']}", drop_answer)
    enqueue(page, answer_lost, merchant_id)
    assert page.evaluate("() => xw.replay.drain({}).then((r) => r.status)") == "retry-later"
    context.unroute(f"**/api/v1/visits/{answer_lost[0]['id']}")
    context.set_offline(True)
    enqueue(page, waiting, merchant_id)
    assert set(server_record(server.app, [answer_lost[0]["id"]]).visits) == {answer_lost[0]["id"]}
    journal_before_wipe = page.evaluate(JOURNAL_COOKIE)
    cdp = context.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": server.url, "storageTypes": EVICTED})

    context.set_offline(False)
    page.goto("/today/")
    wait_for_app(page)
    badge = page.locator("[data-sync-badge]")
    # The waiting visit and its photo, and the photo of the visit whose answer was lost: the server has the
    # visit itself, so it is not counted once the server was asked.
    expect(badge).to_have_attribute("data-sync-state", "lost", timeout=WAIT_MS)
    expect(badge).to_contain_text("3 项已丢失")
    expect(badge).not_to_contain_text("全部")
    page.goto("/sync/")
    lost = page.locator("[data-sync-lost]")
    expect(lost).to_be_visible()
    expect(lost).to_contain_text("3 项内容已丢失")
    expect(lost).to_contain_text("服务器上没有这些内容")
    expect(page.locator("[data-sync-summary]")).not_to_contain_text("已送达服务器")
    lost.locator("[data-lost-read]").click()
    expect(lost).to_be_hidden()
    expect(badge).to_have_attribute("data-sync-state", "idle")
    # Another page or the service worker still reconciling with the old journal once it was read (it read the
    # cookie before this page wrote the new one) never brings the notice back.
    page.evaluate("""(old) => {
        document.cookie = xw.journal.COOKIE + "=" + old + "; path=/; samesite=strict";
        return xw.journal.reconcile();
    }""", journal_before_wipe)
    assert page.evaluate("() => xw.journal.lostOf(document.body.dataset.user)") is None
    expect(lost).to_be_hidden()
    context.close()


def test_a_portal_page_for_a_script_is_never_kept_and_the_app_repairs_itself(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer
) -> None:
    merchant_id, shop = owned_merchant(server.app)
    context = new_phone(browser, phone_profile, server, shop)
    portal: list[str] = []

    def portal_answers(route: Route) -> None:
        portal.append(urlsplit(route.request.url).path)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PORTAL_PAGE)

    page = context.new_page()
    open_app(page)
    wait_kept(page, f"/merchants/{merchant_id}/visits/new")
    # A new version of the outbox script, not on the phone yet, is fetched behind a Wi-Fi portal.
    page.evaluate("""async () => {
        const cache = await caches.open('xw-shell');
        for (const request of await cache.keys()) if (/\\/outbox\\./.test(request.url)) await cache.delete(request);
      }""")
    context.route("**/static/js/outbox.*.js", portal_answers)
    page.reload()
    warning = page.locator("[data-shell-error]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("应用文件没有正确加载")
    assert portal, "the portal answered"
    kept = page.evaluate("""async () => {
        const cache = await caches.open('xw-shell');
        const found = [];
        for (const request of await cache.keys()) {
          if (/\\/outbox\\./.test(request.url)) found.push((await cache.match(request)).headers.get('Content-Type'));
        }
        return found;
      }""")
    assert all("javascript" in (kind or "") for kind in kept), kept

    context.unroute("**/static/js/outbox.*.js")
    warning.locator("[data-shell-repair]").click()
    wait_for_app(page)
    expect(page.locator("[data-shell-error]")).to_have_count(0)
    wait_kept(page, f"/merchants/{merchant_id}/visits/new")
    # Repaired: the app records offline again.
    context.set_offline(True)
    page.goto(f"/merchants/{merchant_id}/visits/new")
    wait_for_app(page)
    page.locator("#notes_lead").fill("修复后离线记录")
    page.locator("[data-save-visit]").click()
    expect_saved_on_phone(page)
    context.close()


NO_BACKGROUND_SYNC = """
  delete window.SyncManager;
  Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', { get() { return undefined; } });
"""


def test_without_background_sync_the_queue_goes_when_online_and_when_the_app_opens(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer
) -> None:
    merchant_id, shop = owned_merchant(server.app)
    context = new_phone(browser, phone_profile, server, shop)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page = context.new_page()
    open_app(page)
    assert page.evaluate("() => typeof SyncManager === 'undefined'")
    wait_kept(page, "/today/")

    # The page stays open: the `online` event sends the queue.
    context.set_offline(True)
    first = planned_visits(1, 1, seed=111)
    enqueue(page, first, merchant_id)
    assert kick(page)["status"] == "offline"
    context.set_offline(False)
    wait_outbox_empty(page)
    assert len(server_record(server.app, [first[0]["id"]]).photos) == 1

    # The app is closed with a queue; opened again online, it sends the queue at once.
    context.set_offline(True)
    second = planned_visits(1, 2, seed=112)
    enqueue(page, second, merchant_id)
    page.close()
    context.set_offline(False)
    time.sleep(1)
    assert server_record(server.app, [second[0]["id"]]).visits == {}, "nothing sends without a page"
    page = context.new_page()
    page.goto("/today/")
    wait_for_app(page)
    wait_outbox_empty(page)
    assert len(server_record(server.app, [second[0]["id"]]).photos) == 2
    context.close()


def test_an_iphone_is_asked_to_add_the_app_to_the_home_screen(
    playwright: Playwright, browser: Browser, phone_profile: dict[str, Any], server: LiveServer
) -> None:
    iphone = {k: v for k, v in playwright.devices["iPhone 13"].items() if k != "default_browser_type"}
    context = browser.new_context(**iphone, locale="zh-CN", base_url=server.url)
    page = context.new_page()
    page.goto("/login")
    advice = page.locator("[data-ios-install]")
    expect(advice).to_be_visible()
    expect(advice).to_contain_text("添加到主屏幕")
    context.close()
    android = browser.new_context(**phone_args(phone_profile, server.url, None))
    page = android.new_page()
    page.goto("/login")
    page.wait_for_function("() => Boolean(window.xw && xw.sync)")
    expect(page.locator("[data-ios-install]")).to_be_hidden()
    android.close()
