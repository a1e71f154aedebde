"""A visit recorded with no network at all, in real Chromium on a Pixel 7: the pages open from the phone,
the visit and its photos are saved on the phone and survive a reload, and once the network is back the
server holds exactly one visit and the photos with the very bytes the phone kept. A squad member confirms
their part offline the same way."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    Phone,
    camera_files,
    expect_saved_on_phone,
    new_phone,
    open_app,
    open_section,
    outbox_items,
    owned_merchant,
    phone_photo_hashes,
    server_record,
    wait_for_app,
    wait_kept,
    wait_outbox_empty,
)
from tests.conftest import login_client
from tests.visit_helpers import new_id, visit_body
from webapp.extensions import db
from webapp.models import SquadConfirmation

SUPPORT = "mgr5"


def visit_id_on(page: Page) -> str:
    return page.locator("form[data-visit-form] input[name=visit_id]").input_value()


def test_a_visit_captured_offline_reaches_the_server_once_with_the_phones_photos(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    form_path = f"/merchants/{merchant_id}/visits/new"
    for path in ("/today/", f"/merchants/{merchant_id}", form_path):
        wait_kept(page, path)

    context.set_offline(True)
    # The day's pages open from the phone.
    page.goto("/today/")
    expect(page.locator("body")).to_have_attribute("data-user", MANAGER)
    page.goto(f"/merchants/{merchant_id}")
    page.locator("[data-start-visit='post_loan']").click()
    page.wait_for_url(f"**{form_path}?kind=post_loan")
    expect(page.locator("input[data-visit-kind][value=post_loan]")).to_be_checked()
    page.locator("input[data-visit-kind][value=marketing]").check()
    cached_id = page.evaluate(
        """async (path) => {
          const html = await (await (await caches.open('xw-pages')).match(path, { ignoreVary: true })).text();
          return /name="visit_id" value="([^"]+)"/.exec(html)[1];
        }""", form_path)
    visit_id = visit_id_on(page)
    assert visit_id != cached_id, "a form from the phone's cache must mint its own visit id"

    # Check in, three photos, the outcome.
    page.locator("[data-checkin-start]").click()
    expect(page.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted")
    page.locator("[data-form-photos] input[data-photo-category=premises]").set_input_files(camera_files([11, 12]))
    page.locator("[data-form-photos] input[data-photo-category=inventory]").set_input_files(camera_files([13]))
    expect(page.locator("[data-form-photos] [data-upload-state=kept]")).to_have_count(3)
    page.locator("input[name=effective][value=yes]").check()
    open_section(page, "follow-up")
    page.locator("#next_step").fill("下周带申请表再来")
    page.locator("#notes_lead").fill("地下室信号差，离线记录")
    page.locator("[data-save-visit]").click()
    expect_saved_on_phone(page)
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-waiting", "4")

    phone_hashes = phone_photo_hashes(page)
    assert len(phone_hashes) == 3

    # A reload with no network: the form comes from the phone, and everything is still queued.
    page.reload()
    assert visit_id_on(page) == visit_id, "a reload of the same form keeps its visit id"
    items = outbox_items(page)
    assert sorted(i["kind"] for i in items) == ["photo", "photo", "photo", "visit"]
    assert all(i["state"] == "queued" and i["author"] == MANAGER for i in items)
    expect(page.locator("[data-form-photos] [data-upload-state=queued]")).to_have_count(3)
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-waiting", "4")
    assert server_record(server.app, [visit_id]).visits == {}

    # The sync page, from the phone too: each waiting item, a bar for each photo.
    page.goto("/sync/")
    expect(page.locator("[data-sync-summary]")).to_have_attribute("data-waiting", "4")
    expect(page.locator(".sync-item")).to_have_count(4)
    expect(page.locator(f"[data-item-id='visit:{visit_id}']")).to_have_attribute("data-item-state", "queued")
    expect(page.locator(".sync-item[data-item-kind=photo] progress")).to_have_count(3)
    expect(page.locator(".sync-item[data-item-kind=photo]").first).to_have_attribute("data-item-state", "blocked")

    context.set_offline(False)
    wait_outbox_empty(page)
    expect(page.locator("[data-sync-summary]")).to_have_attribute("data-waiting", "0")
    expect(page.locator(".sync-item")).to_have_count(0)
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-waiting", "0")

    record = server_record(server.app, [visit_id])
    assert record.visits == {visit_id: MANAGER}
    assert record.versions == 1
    assert {pid: sha for pid, (vid, sha) in record.photos.items() if vid == visit_id} == phone_hashes
    # Acknowledged: nothing of the customer is left on the phone for the sync.
    assert page.evaluate("async () => (await xw.outbox.list()).length") == 0
    context.close()


def test_a_squad_member_confirms_offline_from_the_visit_page_kept_on_the_phone(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer
) -> None:
    merchant_id, shop = owned_merchant(server.app)
    visit_id = new_id()
    lead_phone = login_client(server.app, MANAGER)
    body = visit_body(merchant_id, lead=MANAGER, support=SUPPORT, lat=shop[0], lon=shop[1])
    assert lead_phone.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201

    context = new_phone(browser, phone_profile, server, shop)
    page = context.new_page()
    open_app(page, SUPPORT)
    page.goto(f"/visits/{visit_id}")
    wait_kept(page, f"/visits/{visit_id}")
    context.set_offline(True)
    page.reload()  # from the phone
    form = page.locator("form[data-confirm-form]")
    form.locator("[data-checkin-start]").click()
    expect(form.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted")
    form.locator("#confirm-note").fill("观察：库存与上月相当")
    form.locator("[data-confirm-part]").click()
    expect(form.locator("[data-saved-notice]")).to_contain_text("已保存，待同步")
    assert [i["kind"] for i in outbox_items(page)] == ["confirmation"]

    context.set_offline(False)
    wait_outbox_empty(page, SUPPORT)
    with server.app.app_context():
        confirmation = db.session.scalar(sa.select(SquadConfirmation).where(SquadConfirmation.visit_id == visit_id))
        assert confirmation is not None and confirmation.user.username == SUPPORT
        assert confirmation.note == "观察：库存与上月相当" and confirmation.checkin_status == "verified"
        db.session.remove()
    expect(page.locator(f"[data-member={SUPPORT}]")).to_have_attribute("data-confirmed", "yes")
    context.close()


def test_online_a_refusal_lands_beside_the_fields_and_the_corrected_visit_and_an_edit_go_through(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    page.goto(f"/merchants/{merchant_id}/visits/new?kind=post_loan")
    wait_for_app(page)
    visit_id = visit_id_on(page)

    # What the server would refuse anyway is said on the phone, before anything is queued.
    page.locator("[data-save-visit]").click()
    expect(page.locator("[data-error-for=checklist_operating_state]")).to_have_text("必填。")
    assert outbox_items(page) == []
    page.locator("input[data-visit-kind][value=marketing]").check()

    # The server's own refusal (one person in two roles) comes back through the outbox, beside the form.
    page.locator("#squad_support").select_option(MANAGER)
    page.locator("[data-save-visit]").click()
    expect(page.locator("[data-form-errors]")).to_contain_text("同一人不能在小分队中担任两个角色")
    assert [i["state"] for i in outbox_items(page)] == ["refused"]

    page.locator("#squad_support").select_option("")
    open_section(page, "follow-up")
    page.locator("#next_step").fill("带申请表")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(f"**/visits/{visit_id}")
    assert outbox_items(page) == []
    assert server_record(server.app, [visit_id]).visits == {visit_id: MANAGER}

    # An edit of the saved visit goes the same way, naming the version it changes.
    page.locator("[data-edit-visit]").click()
    page.wait_for_url(f"**/visits/{visit_id}/edit")
    wait_for_app(page)
    open_section(page, "follow-up")
    page.locator("#next_step").fill("下周三带申请表")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(f"**/visits/{visit_id}")
    expect(page.locator("article.visit")).to_have_attribute("data-version", "2")
    assert server_record(server.app, [visit_id]).versions == 2
    context.close()
