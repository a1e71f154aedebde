"""The app installs on a phone's home screen, and says so plainly when the network is gone."""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.browser.conftest import LiveServer, sign_in, wait_for_worker

SERVICE_WORKER_ACTIVE = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return registration.active ? registration.active.state : null;
}"""


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk: the manifest's sizes must be the files' real sizes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _wait_until_controlled(page: Page) -> None:
    assert page.evaluate(SERVICE_WORKER_ACTIVE) in ("activating", "activated")
    # The worker claims open pages when it activates, but a page whose navigation began while it was still
    # installing may stay unclaimed; the conftest's helper loads it again then, as a phone's next page would be.
    wait_for_worker(page)


def test_manifest_describes_an_installable_app(page: Page) -> None:
    response = page.request.get("/manifest.webmanifest")
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest: dict[str, Any] = response.json()
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    start = page.request.get(manifest["start_url"], max_redirects=0)
    assert manifest["start_url"].startswith("/") and start.status in (200, 302, 303)
    sizes = set()
    for icon in manifest["icons"]:
        image = page.request.get(icon["src"])
        assert image.ok, icon["src"]
        assert image.headers["content-type"] == icon["type"] == "image/png"
        width, height = _png_size(image.body())
        assert icon["sizes"] == f"{width}x{height}", icon["src"]
        sizes.add((width, icon.get("purpose", "any")))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


def test_chromium_finds_nothing_against_installing(
    playwright: Playwright,
    browser_type_launch_args: dict[str, Any],
    phone_profile: dict[str, Any],
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    # Only a persistent profile can install: an ordinary context always reports "in-incognito".
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, **phone_profile, base_url=live_server.url
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/login")
        assert page.evaluate(SERVICE_WORKER_ACTIVE) in ("activating", "activated")
        session = context.new_cdp_session(page)
        manifest = session.send("Page.getAppManifest")
        assert manifest.get("errors") == [], manifest.get("errors")
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()


def test_uncached_page_offline_shows_the_offline_page(page: Page, context: BrowserContext) -> None:
    sign_in(page, "mgr1", "/merchants/")
    _wait_until_controlled(page)
    expected_heading = page.evaluate(
        """async () => {
          const html = await (await fetch('/offline')).text();
          return new DOMParser().parseFromString(html, 'text/html').querySelector('h1').textContent.trim();
        }"""
    )
    assert expected_heading

    context.set_offline(True)
    response = page.goto("/merchants/?q=never-opened-before")

    assert response is not None and response.from_service_worker
    expect(page.locator("h1")).to_have_text(expected_heading)
    expect(page.locator(".offline-page")).to_be_visible()
