"""Logging out with no network says so on the page (it used to do nothing and say nothing), keeps the person signed
in and their day's pages on the phone; with the network back the same button logs out."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Phone, wait_kept


def test_logging_out_offline_says_it_needs_the_network(phone: Phone) -> None:
    page = phone.page
    page.goto("/more")
    wait_kept(page, "/more")
    phone.context.set_offline(True)
    page.reload()  # "More" from the phone itself
    page.locator("form.logout-form button").click()
    message = page.locator("[data-logout-message]")
    expect(message).to_be_visible()
    expect(message).to_contain_text("退出登录需要网络")
    expect(page.locator("body")).not_to_have_attribute("data-user", "")
    assert page.url.endswith("/more")

    phone.context.set_offline(False)
    page.locator("form.logout-form button").click()
    page.wait_for_url("**/login")
