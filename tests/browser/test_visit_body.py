"""The visit form on the phone and on the server are one form (issue 9, "the browser side").

- The body the phone builds for the outbox (static/js/visit-form.js body) is exactly the body the server's
  form parser (webapp/visits/forms.py visit_body_from_form) builds from what the browser posts for the same
  form: tricky values included (fullwidth digits, white space, line breaks, post-loan checklists, a typed
  amount that is no number).
- Without IndexedDB the phone keeps nothing: the form posts itself to the server as before, and the photo
  buttons say why they are off.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from werkzeug.datastructures import MultiDict

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    Phone,
    new_phone,
    owned_merchant,
    server_record,
    sign_in,
    wait_for_app,
)
from webapp.visits.forms import visit_body_from_form

CASES: list[dict[str, Any]] = [
    {"kind": "marketing", "effective": "yes", "application_product": "个人经营贷", "application_amount": "１２０００",
     "deals": ["credit_card", "aggregated_qr"], "next_step": "\u00a0 带申请表再来\u2003", "follow_up_date": "2026-12-10",
     "notes_lead": "第一行\n第二行\n", "notes_observer": "  库存充足 "},
    {"kind": "post_loan", "effective": "no", "application_amount": "1e3", "squad_support": "mgr5",
     "checklist_operating_state": "normal", "checklist_inventory_level": "low", "checklist_fixed_assets": "unchanged",
     "checklist_abnormal": "yes", "checklist_abnormal_detail": "\u3000库存不足\n 需复查 \x1c",
     "checkin": {"lat": "30.2741", "lon": "120.1551", "accuracy_m": "8.5", "captured_at": "2026-12-03T02:00:00Z"}},
    {"kind": "marketing", "application_product": "  ", "application_amount": "12,000", "next_step": "\x1f下一步",
     "notes_support": "a\tb", "checkin": {"lat": "北纬30", "lon": "", "accuracy_m": "", "captured_at": ""}},
]

FILL_JS = """(c) => {
  const form = document.querySelector('form[data-visit-form]');
  const set = (name, value) => { const el = form.elements[name]; if (el) el.value = value; };
  form.querySelector(`input[name=kind][value=${c.kind}]`).checked = true;
  form.querySelectorAll('[data-post-loan-only]').forEach((el) => { el.hidden = c.kind !== 'post_loan'; });
  if (c.effective) form.querySelector(`input[name=effective][value=${c.effective}]`).checked = true;
  if (c.checklist_abnormal) form.querySelector(`input[name=checklist_abnormal][value=${c.checklist_abnormal}]`).checked = true;
  for (const box of form.querySelectorAll('input[name=deals]')) box.checked = (c.deals || []).includes(box.value);
  for (const [name, value] of Object.entries(c)) {
    if (['kind', 'effective', 'checklist_abnormal', 'deals', 'checkin'].includes(name)) continue;
    set(name, value);
  }
  for (const [field, value] of Object.entries(c.checkin || {})) set('checkin_' + field, value);
}"""


def posted_form(page: Page) -> MultiDict[str, str]:
    """What the browser itself posts for the form (a native submission, no script involved), as Flask reads it."""
    bodies: list[str] = []

    def capture(route: Route) -> None:
        bodies.append(route.request.post_data or "")
        route.fulfill(status=204)

    action = page.locator("form[data-visit-form]").get_attribute("action")
    page.context.route(f"**{action}", lambda route: capture(route) if route.request.method == "POST" else route.continue_())
    page.evaluate("() => document.querySelector('form[data-visit-form]').submit()")
    page.wait_for_timeout(200)
    for _ in range(50):
        if bodies:
            break
        page.wait_for_timeout(100)
    page.context.unroute(f"**{action}")
    assert len(bodies) == 1
    return MultiDict(parse_qsl(bodies[0], keep_blank_values=True))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_phone_builds_the_body_the_servers_form_parser_builds(
    phone: Phone, server: LiveServer, case: int
) -> None:
    page, merchant_id = phone.page, phone.merchant_id
    form_path = f"/merchants/{merchant_id}/visits/new"
    page.goto(form_path)
    wait_for_app(page)
    page.evaluate(FILL_JS, CASES[case])
    on_phone = page.evaluate("() => xw.visitForm.body(document.querySelector('form[data-visit-form]'))")
    server_side = visit_body_from_form(posted_form(page))
    assert on_phone == server_side
    assert on_phone["merchant_id"] == merchant_id and on_phone["squad"]["lead"] == MANAGER


NO_INDEXEDDB = "Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });"


def test_without_indexeddb_the_form_posts_itself_and_the_photo_buttons_say_why(
    browser: Browser, phone_profile: dict[str, Any], server: LiveServer
) -> None:
    merchant_id, shop = owned_merchant(server.app, nth=2)
    context = new_phone(browser, phone_profile, server, shop)
    context.add_init_script(NO_INDEXEDDB)
    page = context.new_page()
    sign_in(page)
    page.goto(f"/merchants/{merchant_id}/visits/new")
    page.wait_for_function("() => Boolean(window.xw && xw.photos && xw.visitSave)")
    photos = page.locator("[data-form-photos]")
    expect(photos.locator("[data-no-storage]")).to_contain_text("无法在手机上保存照片")
    expect(photos.locator("input[type=file]").first).to_be_disabled()
    visit_id = page.locator("form[data-visit-form] input[name=visit_id]").input_value()
    page.locator("#notes_lead").fill("没有本机存储，直接提交")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(f"**/visits/{visit_id}")
    assert server_record(server.app, [visit_id]).visits == {visit_id: MANAGER}
    expect(page.locator("[data-photo-uploader] [data-no-storage]")).to_be_visible()
    context.close()
