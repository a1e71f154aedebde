"""A manager who taps the menu while the form's photos are still going ends on the page they tapped.

Online, the form opens the saved visit by itself once its photos are sent. If the person has already tapped
another page and that page is still loading (a slow network), the form's own move would cancel it and take them
elsewhere. The server here holds the photo's upload and the tapped page until the test lets each go, so the
photo is answered while the tapped page loads: the moment the form used to move on.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Request, expect

from tests.browser.conftest import LiveServer, Phone, camera_files, server_record, wait_until

HOLD_S = 60.0


class Gate:
    """WSGI middleware holding the requests that match (method, path) until the test opens the gate."""

    def __init__(self, wsgi_app: Any, method: str, path: Callable[[str], bool]) -> None:
        self.wsgi_app, self.method, self.path = wsgi_app, method, path
        self.reached = threading.Event()
        self.opened = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == self.method and self.path(environ.get("PATH_INFO", "")):
            self.reached.set()
            self.opened.wait(HOLD_S)
        return self.wsgi_app(environ, start_response)


@pytest.fixture
def gates(server: LiveServer) -> Iterator[tuple[Gate, Gate]]:
    """The photo's upload and the inbox page, each held at the server until its gate opens."""
    before = server.app.wsgi_app
    photo = Gate(before, "PUT", lambda path: path.startswith("/api/v1/visits/") and "/photos/" in path)
    inbox = Gate(photo, "GET", lambda path: path == "/inbox/")
    server.app.wsgi_app = inbox  # type: ignore[method-assign]
    try:
        yield photo, inbox
    finally:
        photo.opened.set()
        inbox.opened.set()
        server.app.wsgi_app = before  # type: ignore[method-assign]


def test_a_tap_on_the_menu_while_the_photos_go_is_not_overridden_by_the_form(
        phone: Phone, server: LiveServer, gates: tuple[Gate, Gate]) -> None:
    photo_gate, inbox_gate = gates
    page = phone.page
    page.goto(f"/merchants/{phone.merchant_id}/visits/new")
    page.wait_for_function("() => Boolean(window.xw && xw.visitSave)")
    visit_id = page.locator("form[data-visit-form] input[name=visit_id]").input_value()
    page.locator("[data-form-photos] input[data-photo-category=premises]").set_input_files(camera_files([5101]))
    expect(page.locator("[data-form-photos] [data-upload-state=kept]")).to_have_count(1)
    navigations: list[str] = []

    def note_navigation(request: Request) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            navigations.append(request.url)

    page.on("request", note_navigation)
    page.locator("[data-save-visit]").click()
    assert photo_gate.reached.wait(HOLD_S), "the photo's upload never reached the server"
    assert list(server_record(server.app, [visit_id]).visits) == [visit_id]

    # The manager taps Inbox; the page loads slowly (held), and meanwhile the photo is answered.
    page.locator("a.tab[data-tab=inbox]").click(no_wait_after=True)
    assert inbox_gate.reached.wait(HOLD_S), "the inbox was never asked for"
    photo_gate.opened.set()
    wait_until(lambda: server_record(server.app, [visit_id]).photos, "the photo never reached the server", HOLD_S)
    # The form hears the photo's answer within moments; this is when it used to move to the visit.
    page.wait_for_timeout(2000)
    inbox_gate.opened.set()

    page.wait_for_url("**/inbox/")
    expect(page.locator("h1")).to_be_visible()
    assert not [url for url in navigations if url.endswith(f"/visits/{visit_id}")], navigations
