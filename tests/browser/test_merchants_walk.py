"""A manager on a phone: search the merchant list, open a merchant, and see only what the role allows."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, sign_in
from webapp.extensions import db
from webapp.masking import mask_phone
from webapp.models import Merchant, User


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _distinctive_part(name: str) -> str:
    """Part of a name, not all of it: what a manager types."""
    return name[1:] if len(name) >= 3 else name


def _matches(merchants: list[Merchant], text: str) -> int:
    return sum(
        any(text.lower() in field.lower() for field in (m.name, m.district, m.industry, m.address))
        for m in merchants
    )


@pytest.fixture(scope="module")
def mgr1_book(live_server: LiveServer) -> dict[str, dict[str, str | int]]:
    """From the demo: a merchant mgr1 owns, and one of mgr1's sub-branch owned by a colleague, easy to search for."""
    with live_server.app.app_context():
        mgr1 = db.session.scalar(sa.select(User).where(User.username == "mgr1"))
        assert mgr1 is not None
        visible = list(db.session.scalars(sa.select(Merchant).where(Merchant.sub_branch_id == mgr1.sub_branch_id)))
        chosen: dict[str, dict[str, str | int]] = {}
        for merchant in sorted(visible, key=lambda m: m.id):
            if not merchant.phone or len(_digits(merchant.phone)) != 11:
                continue
            if merchant.owner_id == mgr1.id:
                key = "owned"
            elif merchant.owner_id is not None:
                key = "colleague"
            else:
                continue
            query = _distinctive_part(merchant.name)
            if key in chosen or _matches(visible, query) > 5:
                continue
            chosen[key] = {
                "id": merchant.id, "name": merchant.name, "address": merchant.address,
                "phone": merchant.phone, "query": query,
            }
        db.session.remove()
    assert set(chosen) == {"owned", "colleague"}, "the demo should give mgr1 both kinds of merchant"
    return chosen


def _search(page: Page, text: str) -> None:
    """Type into the search box and wait for htmx to swap the rows and push the URL."""
    page.locator("#q").fill(text)
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == [text])


def test_search_updates_rows_in_place_and_opens_a_colleagues_merchant_masked(
    page: Page, mgr1_book: dict[str, dict[str, str | int]]
) -> None:
    target = mgr1_book["colleague"]
    sign_in(page, "mgr1", "/merchants/")
    rows = page.locator("#merchant-rows li.row")
    assert rows.count() > 5, "the first page of the list shows many merchants"
    page.evaluate("window.__sameDocument = true")

    _search(page, str(target["query"]))

    expect(rows.filter(has_text=str(target["name"]))).to_have_count(1)
    assert rows.count() <= 5
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the whole page"
    raw = _digits(str(target["phone"]))
    assert raw not in _digits(page.content()), "a colleague's customer's phone reached the list"

    rows.filter(has_text=str(target["name"])).locator("a").click()
    page.wait_for_url(f"**/merchants/{target['id']}")
    expect(page.locator("h1")).to_have_text(str(target["name"]))
    expect(page.locator(".facts")).to_contain_text(str(target["address"]))
    expect(page.locator(".facts .phone")).to_have_text(mask_phone(str(target["phone"])))
    assert raw not in _digits(page.content()), "a colleague's customer's phone reached the page"
    assert page.locator("a[href^='tel:']").count() == 0


def test_own_merchant_shows_the_phone_to_call(page: Page, mgr1_book: dict[str, dict[str, str | int]]) -> None:
    owned = mgr1_book["owned"]
    sign_in(page, "mgr1", "/merchants/")
    page.goto(f"/merchants/{owned['id']}")
    expect(page.locator("h1")).to_have_text(str(owned["name"]))
    expect(page.locator(".facts .phone a")).to_have_attribute("href", f"tel:{owned['phone']}")


def test_a_pushed_search_url_reloads_as_the_full_page(
    page: Page, mgr1_book: dict[str, dict[str, str | int]]
) -> None:
    target = mgr1_book["colleague"]
    sign_in(page, "mgr1", "/merchants/")
    _search(page, str(target["query"]))
    expect(page.locator("#merchant-rows li.row").filter(has_text=str(target["name"]))).to_have_count(1)

    response = page.reload()

    assert response is not None and response.ok
    assert response.text().lstrip().lower().startswith("<!doctype html>")
    expect(page.locator("nav.tabbar")).to_be_visible()
    expect(page.locator("#q")).to_have_value(str(target["query"]))
    expect(page.locator("#merchant-rows li.row").filter(has_text=str(target["name"]))).to_have_count(1)
