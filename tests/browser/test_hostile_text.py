"""Client-side text insertion in a real browser: markup in every user-text field never becomes an element.

The hostile world (tests/hostile_helpers.py) is served on its own, so the demo of the other browser tests stays
as it is. The maps hand merchant names to Leaflet, which parses strings as HTML: every marker's tooltip and
popup is opened here and the page is searched for an element carrying ``data-xss``; the lightbox copies the
evidence of a photo whose EXIF carries markup; pages swap fragments in with htmx. None may create one.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, base_test_config
from tests.hostile_helpers import MARK, Hostile, build_hostile
from webapp import create_app
from webapp.extensions import db

# Opens every marker's tooltip and then each popup in turn; returns the texts Leaflet showed and any element
# carrying the mark, wherever in the document it appeared.
OPEN_EVERY_MARKER = """(mark) => {
  const shown = [];
  const marked = () => document.querySelectorAll('[' + mark + ']').length;
  let found = marked();
  window.xw.map.maps.forEach((entry) => entry.layer.eachLayer((layer) => {
    if (layer.getTooltip && layer.getTooltip()) {
      layer.openTooltip();
      shown.push(layer.getTooltip().getElement().textContent);
      found += marked();
    }
    if (layer.getPopup && layer.getPopup()) {
      layer.openPopup();
      shown.push(layer.getPopup().getElement().textContent);
      found += marked();
      layer.closePopup();
    }
  }));
  return {shown: shown, marked: found};
}"""


@dataclass(frozen=True)
class HostileServer:
    url: str
    hostile: Hostile


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    root: Path = tmp_path_factory.mktemp("hostile-server")
    app: Flask = create_app(base_test_config(root, f"sqlite:///{root / 'hostile.sqlite3'}"))
    with app.app_context():
        db.create_all()
    hostile = build_hostile(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="hostile-server", daemon=True)
    thread.start()
    try:
        yield HostileServer(url=f"http://127.0.0.1:{server.server_port}", hostile=hostile)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def signed_in(browser: Browser, hostile_server: HostileServer) -> Iterator[Callable[[str], Page]]:
    """A page signed in as the given user, each user in a context (a cookie jar) of their own."""
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block")
        contexts.append(context)
        page = context.new_page()
        _login(page, hostile_server, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _login(page: Page, server: HostileServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    form = page.locator("main form")
    form.locator("#username").fill(username)
    form.locator("#password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _no_marked_elements(page: Page) -> None:
    assert page.locator(f"[{MARK}]").count() == 0


def test_map_tooltips_and_popups_show_names_as_text(signed_in: Callable[[str], Page],
                                                    hostile_server: HostileServer) -> None:
    name = hostile_server.hostile.texts["merchant_name"]
    lead = signed_in("lead1")
    for path in (f"/sweeps/{hostile_server.hostile.sweep_day_id}/board", f"/sweeps/{hostile_server.hostile.sweep_day_id}"):
        lead.goto(f"{hostile_server.url}{path}")
        expect(lead.locator("[data-map]").first).to_have_attribute("data-marker-count", "1")
        result = lead.evaluate(OPEN_EVERY_MARKER, MARK)
        assert result["marked"] == 0, path
        assert any(name in text for text in result["shown"]), (path, result["shown"])
        _no_marked_elements(lead)
    manager = signed_in("mgr1")
    manager.goto(f"{hostile_server.url}/today/")
    expect(manager.locator("#today-map")).to_be_visible()
    result = manager.evaluate(OPEN_EVERY_MARKER, MARK)
    assert result["marked"] == 0
    due = hostile_server.hostile.texts["due_merchant_name"]
    assert any(due in text for text in result["shown"]), result["shown"]
    _no_marked_elements(manager)


def test_the_lightbox_and_swapped_fragments_keep_text_as_text(
    signed_in: Callable[[str], Page], hostile_server: HostileServer
) -> None:
    reviewer = signed_in("reviewer1")
    reviewer.goto(f"{hostile_server.url}/review/visits/{hostile_server.hostile.visit_id}")
    _no_marked_elements(reviewer)
    reviewer.locator("[data-lightbox-open]").first.click()
    lightbox = reviewer.locator("dialog[data-lightbox]")
    expect(lightbox).to_have_attribute("open", "")
    expect(lightbox.locator("[data-lightbox-panel] [data-evidence='device']")).to_contain_text(
        hostile_server.hostile.texts["exif_software"])
    _no_marked_elements(reviewer)
    # The queue swaps its results in with htmx when a filter changes.
    reviewer.goto(f"{hostile_server.url}/review/")
    expect(reviewer.locator(f"[data-review-row='{hostile_server.hostile.visit_id}']")).to_be_attached()
    _no_marked_elements(reviewer)
    manager = signed_in("mgr1")
    ids = hostile_server.hostile.ids
    for path in ("/merchants/", f"/merchants/{hostile_server.hostile.merchant_id}",
                 f"/visits/{hostile_server.hostile.visit_id}", "/inbox/", "/visits/", f"/loans/{ids['loan_id']}",
                 "/postloan/due", f"/postloan/warnings/{ids['warning_id']}", f"/collection/cases/{ids['case_id']}",
                 f"/meetings/teams/{ids['team_id']}/morning", f"/meetings/talks/{ids['talk_id']}"):
        manager.goto(f"{hostile_server.url}{path}")
        manager.wait_for_load_state("networkidle")
        _no_marked_elements(manager)
