"""The browser harness: the demo app served in a thread, Debian's Chromium, and a phone profile.

Browser tests see the same data as ``make run`` (the full demo, created through the Alembic migrations
and the seed), because what a manager sees on a phone is what they must pass on.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Page, Playwright, expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, base_test_config
from webapp import create_app
from webapp.demo.seed import seed_demo
from webapp.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
PHONE = "Pixel 7"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder, before `-m "not browser"` deselects: the PostgreSQL pass skips them."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


def migrate_to_head(app: Flask) -> None:
    """`flask db upgrade` in-process; migrations/env.py's fileConfig would otherwise disable the test run's loggers."""
    with app.app_context(), mock.patch("logging.config.fileConfig"):
        upgrade()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo on a temporary SQLite file, served by werkzeug on a free port for the whole run."""
    root = tmp_path_factory.mktemp("live-server")
    config = base_test_config(root, f"sqlite:///{root / 'live.sqlite3'}")
    config["SECRET_KEY"] = "browser-tests"
    app = create_app(config)
    migrate_to_head(app)
    with app.app_context():
        seed_demo(PASSWORD)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; CI installs it, so there a missing browser is a failure, never a silent skip."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} not found: `apt-get install chromium` to run the browser tests")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium_path: str) -> dict[str, Any]:
    # Playwright cannot download its own browser build here; it drives Debian's.
    return {**browser_type_launch_args, "executable_path": chromium_path}


@pytest.fixture(scope="session")
def phone_profile(playwright: Playwright) -> dict[str, Any]:
    """A mid-range Android phone in China: what the managers carry."""
    profile = {k: v for k, v in playwright.devices[PHONE].items() if k != "default_browser_type"}
    return {**profile, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], phone_profile: dict[str, Any], base_url: str
) -> dict[str, Any]:
    return {**browser_context_args, **phone_profile, "base_url": base_url}


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would, then open the merchant list (each role lands on its
    own start page: managers on Today, admins on the admin pages)."""
    page.goto("/login")
    form = page.locator("main form")
    form.locator("#username").fill(username)
    form.locator("#password").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/merchants/")
    expect(page.locator("#merchant-rows")).to_be_visible()
