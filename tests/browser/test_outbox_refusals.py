"""Nothing is stranded in the outbox (issue 18, "stranded forever").

- A visit the server refuses as invalid is corrected in its own form, with the server's reasons beside the
  fields, and sent again; its photos follow it. Discarding a refused visit names everything it deletes and
  keeps the visit's photos on the phone unless the person chooses otherwise.
- A 409 that means the server already has the visit (its answer was lost on the way back, then the visit
  was corrected on the phone): the photos go to the server's visit, and the phone's version can be sent as a
  change of it.
- A proxy's error page for one photo (a 413) is a refusal with its reason; a visit the server fails on again
  and again steps aside after a few tries; everything else flows meanwhile, and the stuck visit can be tried
  again by hand.
- A session check that never answers does not hold the send lock: the replay gives up in bounded time.
"""
from __future__ import annotations

import json

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    Phone,
    camera_files,
    enqueue,
    kick,
    outbox_items,
    planned_visits,
    poll,
    server_record,
    wait_for_app,
    wait_outbox_empty,
    wait_until,
)

PROXY_413 = ("<html><head><title>413 Request Entity Too Large</title></head>"
             "<body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>")


def item_state(page: Page, item_id: str) -> str | None:
    return page.evaluate("async (id) => { const i = await xw.outbox.getItem(id); return i ? i.state : null; }", item_id)


def test_a_refused_visit_is_corrected_in_its_form_and_discarding_keeps_the_photos(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id

    # Recorded offline with two photos, one person in two roles: the server will refuse it.
    page.goto(f"/merchants/{merchant_id}/visits/new")
    wait_for_app(page)
    visit_id = page.locator("form[data-visit-form] input[name=visit_id]").input_value()
    context.set_offline(True)
    page.locator("#squad_support").select_option(MANAGER)
    page.locator("#notes_lead").fill("老板想贷款扩店")
    page.locator("[data-form-photos] input[data-photo-category=premises]").set_input_files(camera_files([9301, 9302]))
    page.locator("[data-save-visit]").click()
    expect(page.locator("[data-saved-notice]")).to_be_visible()
    # A second visit, refused as well, whose photos will be kept when it is discarded.
    discarded = planned_visits(1, 2, seed=93)
    discarded[0]["kind"] = "party"
    enqueue(page, discarded, merchant_id)
    context.set_offline(False)
    kick(page)
    poll(page, "async (id) => (await xw.outbox.getItem(id)).state === 'refused'", f"visit:{visit_id}")

    page.goto("/sync/")
    row = page.locator(f"[data-item-id='visit:{visit_id}']")
    expect(row).to_have_attribute("data-item-state", "refused")
    photos = page.locator(".sync-item[data-item-kind=photo][data-item-state=blocked]")
    expect(photos).to_have_count(4)
    row.locator("[data-correct]").click()

    # The form, filled from what the phone kept, with the server's reason; its photos beside it.
    page.wait_for_url(f"**/merchants/{merchant_id}/visits/new?correct={visit_id}")
    expect(page.locator("[data-form-errors]")).to_contain_text("同一人不能在小分队中担任两个角色")
    expect(page.locator("#notes_lead")).to_have_value("老板想贷款扩店")
    expect(page.locator("#squad_support")).to_have_value(MANAGER)
    expect(page.locator("[data-form-photos] [data-upload]")).to_have_count(2)
    assert page.locator("form[data-visit-form] input[name=visit_id]").input_value() == visit_id
    page.locator("#squad_support").select_option("")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(f"**/visits/{visit_id}")
    wait_until(lambda: len(server_record(server.app, [visit_id]).photos) == 2, "the corrected visit's photos")
    assert server_record(server.app, [visit_id]).visits == {visit_id: MANAGER}

    # Discarding the other refused visit: everything it would delete is named, and the photos stay.
    page.goto("/sync/")
    other = discarded[0]["id"]
    page.locator(f"[data-item-id='visit:{other}'] [data-discard]").click()
    panel = page.locator(f"[data-discard-panel='visit:{other}']")
    expect(panel.locator("li")).to_have_count(3)
    expect(panel).to_contain_text("除非您另行选择，否则保留在本机")
    panel.locator("[data-discard-confirm=keep]").click()
    expect(page.locator(f"[data-item-id='visit:{other}']")).to_have_count(0)
    kept = page.locator(".sync-item[data-item-state=kept]")
    expect(kept).to_have_count(2)
    expect(kept.first.locator("[data-save-photo]")).to_have_attribute("download", "photo-" + discarded[0]["photos"][0]["id"][:8] + ".jpg")
    # Not "all sent": the badge counts the photos still on the phone.
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-state", "kept")
    expect(page.locator("[data-sync-badge]")).to_contain_text("2 张照片未发送")
    # Discarding a kept photo asks again, and then it is gone.
    kept.first.locator("[data-discard]").click()
    page.locator("[data-discard-panel] [data-discard-confirm=keep]").click()
    expect(kept).to_have_count(1)
    context.close()


def test_when_the_server_already_has_the_visit_its_photos_go_to_it_and_the_change_can_follow(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    context.set_offline(True)
    visits = planned_visits(1, 2, seed=94)
    visit_id = visits[0]["id"]
    enqueue(page, [{**visits[0], "photos": []}], merchant_id)

    # The server stores the visit, but its answer never reaches the phone (and the network stays bad a while).
    lost: list[int] = []

    def store_then_drop(route: Route) -> None:
        if route.request.method != "PUT":
            route.continue_()
        elif not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.fulfill(status=503, content_type="text/html", body="<html><title>503</title></html>")

    context.route(f"**/api/v1/visits/{visit_id}", store_then_drop)
    context.set_offline(False)
    kick(page)
    assert lost == [201] and server_record(server.app, [visit_id]).visits == {visit_id: MANAGER}
    # Kept on the phone, to go again: "queued", or "stuck" after four rounds answered 503 (the page's online event,
    # the worker's sync, the timer and the kick may each start one before this line on a busy machine; CI saw it).
    assert item_state(page, f"visit:{visit_id}") in ("queued", "stuck")
    # Meanwhile the manager corrected the visit on the phone and took its photos.
    context.unroute(f"**/api/v1/visits/{visit_id}")
    context.set_offline(True)
    enqueue(page, [{**visits[0], "note": "更正：明天再来"}], merchant_id)
    context.set_offline(False)
    kick(page)

    # 409: the server has this visit. Its photos went to it all the same.
    poll(page, "async (id) => (await xw.outbox.getItem(id)).state === 'refused'", f"visit:{visit_id}")
    wait_until(lambda: len(server_record(server.app, [visit_id]).photos) == 2, "the photos of the server's visit")
    page.goto("/sync/")
    row = page.locator(f"[data-item-id='visit:{visit_id}']")
    expect(row).to_contain_text("服务器上已有这条拜访的另一个版本")
    expect(row.locator("[data-open-saved]")).to_have_attribute("href", f"/visits/{visit_id}")
    row.locator("[data-overwrite]").click()
    wait_outbox_empty(page)
    record = server_record(server.app, [visit_id])
    assert record.versions == 2 and len(record.photos) == 2
    with server.app.app_context():
        from webapp.extensions import db
        from webapp.models import Visit

        assert db.session.get(Visit, visit_id).notes["lead"] == "更正：明天再来"  # type: ignore[union-attr]
        db.session.remove()
    context.close()


def test_a_proxy_refusal_and_a_failing_visit_never_hold_up_the_rest(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    context.set_offline(True)
    visits = planned_visits(3, 1, seed=95)
    too_large, failing, fine = visits
    enqueue(page, [too_large, {**failing, "photos": []}, fine], merchant_id)
    large_photo = f"/api/v1/visits/{too_large['id']}/photos/{too_large['photos'][0]['id']}"
    failing_path = f"/api/v1/visits/{failing['id']}"
    context.route(f"**{large_photo}", lambda route: route.fulfill(status=413, content_type="text/html", body=PROXY_413))
    context.route(f"**{failing_path}", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><title>502 Bad Gateway</title></html>"))
    context.set_offline(False)

    kick(page)
    # The visit behind both problems arrived, with its photo.
    record = server_record(server.app, [fine["id"], too_large["id"]])
    assert set(record.visits) == {fine["id"], too_large["id"]} and len(record.photos) == 1
    assert item_state(page, f"photo:{too_large['photos'][0]['id']}") == "refused"
    # The failing visit is tried once a round, and after four strikes it steps aside.
    for _round in range(5):
        kick(page)
    assert item_state(page, f"visit:{failing['id']}") == "stuck"
    assert server.requests.count("PUT", failing_path) == 0  # the route answered: the server never saw one
    attempts = page.evaluate("async (id) => (await xw.outbox.getItem(id)).attempts", f"visit:{failing['id']}")
    assert attempts == 4
    kick(page)
    assert page.evaluate("async (id) => (await xw.outbox.getItem(id)).attempts", f"visit:{failing['id']}") == 4

    page.goto("/sync/")
    refused = page.locator(f"[data-item-id='photo:{too_large['photos'][0]['id']}']")
    expect(refused.locator(".error")).to_contain_text("413 Request Entity Too Large")
    expect(refused).to_contain_text("代理、防火墙")
    stuck = page.locator(f"[data-item-id='visit:{failing['id']}']")
    expect(stuck).to_have_attribute("data-item-state", "stuck")
    expect(stuck.locator(".error")).to_contain_text("502")
    context.unroute(f"**{failing_path}")
    stuck.locator("[data-retry]").click()
    wait_until(lambda: failing["id"] in server_record(server.app, [failing["id"]]).visits, "the retried visit")
    expect(stuck).to_have_count(0)
    assert [i["id"] for i in outbox_items(page)] == [f"photo:{too_large['photos'][0]['id']}"]
    context.close()


def test_a_session_check_that_never_answers_does_not_hold_the_send_lock(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    hanging: list[Route] = []
    # A request that never comes back. The lambda stays: Playwright cannot wrap a builtin (list.append) as a handler.
    context.route("**/sync/session", lambda route: hanging.append(route))  # noqa: PLW0108
    visits = planned_visits(1, 0, seed=96)
    enqueue(page, visits, merchant_id)

    outcome = page.evaluate("""() => Promise.race([
        xw.replay.drain({}).then((result) => result.status),
        new Promise((resolve) => setTimeout(() => resolve('still holding the lock'), 30000)),
    ])""")
    assert outcome == "retry-later" and hanging
    # Whoever else started a replay meanwhile (the page's start, say) gives the lock up in bounded time too.
    poll(page, "async () => !(await navigator.locks.query()).held.some((lock) => lock.name === 'xw-outbox-send')",
         timeout_ms=25_000)
    context.unroute("**/sync/session")  # the requests it held were given up by the phone's own timeouts
    kick(page)
    assert set(server_record(server.app, [visits[0]["id"]]).visits) == {visits[0]["id"]}
    context.close()


def test_an_upload_cut_off_on_the_way_is_sent_again_not_refused(phone: Phone, server: LiveServer) -> None:
    """The server answers a body that stopped arriving with 400 incomplete_upload and "retryable": true
    (webapp/api/photo_upload.py): the queue sends the photo again instead of giving it up as refused."""
    from webapp.api.photo_upload import incomplete_upload

    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    with server.app.test_request_context():
        cut_off = json.dumps(incomplete_upload().to_json())  # the server's own answer, word for word
    context.set_offline(True)
    visits = planned_visits(1, 1, seed=98)
    enqueue(page, visits, merchant_id)
    photo_path = f"/api/v1/visits/{visits[0]['id']}/photos/{visits[0]['photos'][0]['id']}"
    answered: list[str] = []

    def first_cut_off(route: Route) -> None:
        if not answered:
            answered.append("cut off")
            route.fulfill(status=400, content_type="application/json", body=cut_off)
        else:
            answered.append("passed")
            route.continue_()

    context.route(f"**{photo_path}", first_cut_off)
    context.set_offline(False)  # the page starts sending on its own ("online"); the kick joins or follows it
    kick(page)
    wait_outbox_empty(page)
    assert answered == ["cut off", "passed"]
    record = server_record(server.app, [visits[0]["id"]])
    assert set(record.visits) == {visits[0]["id"]} and len(record.photos) == 1
    assert outbox_items(page) == []
    context.unroute(f"**{photo_path}")
    context.close()
