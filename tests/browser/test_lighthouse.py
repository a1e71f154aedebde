"""Lighthouse accessibility 100 on Today, the visit form and the review page, each opened by the person who uses it
(a manager on Today and the visit form, a reviewer on the review page). Runs Lighthouse 13 from npm with the Node
it pins (bench/package.json); skips, saying so, only where npm is not installed (CI installs it)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import LiveServer, owned_merchant, sign_in
from tests.browser.lighthouse import audit, install


@pytest.fixture(scope="module")
def lighthouse() -> None:
    reason = install()
    if reason:
        pytest.skip(f"Lighthouse cannot run: {reason}")


def _cookie(browser: Browser, server: LiveServer, username: str) -> str:
    context = browser.new_context(base_url=server.url)
    try:
        sign_in(context.new_page(), username)
        return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    finally:
        context.close()


@pytest.mark.parametrize(("page", "username"), [("today", "mgr6"), ("visit_form", "mgr6"), ("review", "reviewer1")])
def test_accessibility_is_100(lighthouse: None, browser: Browser, live_server: LiveServer, page: str,
                              username: str) -> None:
    merchant_id, _shop = owned_merchant(live_server.app, username if username != "reviewer1" else "mgr6")
    path = {"today": "/today/", "visit_form": f"/merchants/{merchant_id}/visits/new", "review": "/review/"}[page]
    result = audit(live_server.url + path, _cookie(browser, live_server, username), categories=("accessibility",))
    assert result.final_url == live_server.url + path  # the page itself, not the login page it would redirect to
    assert result.accessibility == 100, f"{path}: accessibility {result.accessibility}, failing {result.failing}"
