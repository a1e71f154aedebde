"""What a phone and a server survive: the browser closed with a queue that never left it (reopened online, the
queue goes), and the server killed with SIGKILL in the middle of a photo upload (restarted, the photo is
sent again and stored once, and nothing else is sent again).

The server that is killed runs in a process of its own (werkzeug, started like `flask run`) on a SQLite file
prepared by the migrations and the demo seed. Its photo endpoint waits TEST_UPLOAD_DELAY_S seconds after
reading the upload and writing the files, before the commit, when the app is in testing mode (see
webapp/api/routes.py _test_upload_delay): the test kills it during that wait.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Error, Page, Playwright, expect

from tests.browser.conftest import (
    MANAGER,
    WAIT_MS,
    LiveServer,
    camera_files,
    expect_saved_on_phone,
    launch_phone,
    open_app,
    outbox_items,
    owned_merchant,
    phone_args,
    phone_photo_hashes,
    prepare_database,
    server_record,
    wait_for_app,
    wait_kept,
)
from tests.conftest import base_test_config
from webapp import create_app
from webapp.extensions import db

REPO = Path(__file__).resolve().parents[2]
LAUNCH = ("import sys; from werkzeug.serving import run_simple; from webapp import create_app; "
          "run_simple('127.0.0.1', int(sys.argv[1]), create_app(), threaded=True)")


def record_visit(page: Page, merchant_id: int, photo_seeds: list[int]) -> tuple[str, dict[str, str]]:
    """Open the visit form, check in, take the photos, fill the outcome and save; the visit id and the
    SHA-256 of each shrunk photo the phone keeps."""
    page.goto(f"/merchants/{merchant_id}/visits/new")
    wait_for_app(page)
    visit_id = page.locator("form[data-visit-form] input[name=visit_id]").input_value()
    page.locator("[data-checkin-start]").click()
    expect(page.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted")
    page.locator("[data-form-photos] input[data-photo-category=premises]").set_input_files(camera_files(photo_seeds))
    expect(page.locator("[data-form-photos] [data-upload-state=kept]")).to_have_count(len(photo_seeds))
    hashes = phone_photo_hashes(page)
    page.locator("input[name=effective][value=yes]").check()
    page.locator("#notes_lead").fill("重启测试")
    page.locator("[data-save-visit]").click()
    expect_saved_on_phone(page)
    return visit_id, hashes


def wait_delivered(page: Page, timeout_s: float = 90) -> None:
    """Until the phone's queue is empty, whatever page the phone moved on to meanwhile."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate("async () => window.xw && xw.outbox ? (await xw.outbox.list()).length === 0 : false"):
                return
        except Error:
            pass  # the page navigated while we asked (the form opens the visit page once it was sent)
        if time.monotonic() > deadline:
            raise AssertionError("the queue was not delivered")
        time.sleep(0.25)


# --- the browser closed with a queue ---------------------------------------------------------------------


def test_a_queue_left_in_a_closed_browser_is_delivered_when_it_reopens_online(
    playwright: Playwright, browser_type_launch_args: dict[str, Any], phone_profile: dict[str, Any],
    server: LiveServer, tmp_path: Path,
) -> None:
    merchant_id, shop = owned_merchant(server.app)
    args = phone_args(phone_profile, server.url, shop)
    profile = tmp_path / "phone-profile"
    context = launch_phone(playwright, browser_type_launch_args, profile, args)
    page = context.pages[0] if context.pages else context.new_page()
    open_app(page)
    wait_kept(page, f"/merchants/{merchant_id}/visits/new")
    context.set_offline(True)
    visit_id, hashes = record_visit(page, merchant_id, [31, 32])
    assert len(outbox_items(page)) == 3
    context.close()  # the manager closes the browser with no network

    assert server_record(server.app, [visit_id]).visits == {}
    context = launch_phone(playwright, browser_type_launch_args, profile, args)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/today/")
    if "/login" in page.url:  # the session cookie did not outlive the browser: log in, the queue waits
        open_app(page)
    wait_delivered(page)
    record = server_record(server.app, [visit_id])
    assert record.visits == {visit_id: MANAGER} and record.versions == 1
    assert {pid: sha for pid, (_vid, sha) in record.photos.items()} == hashes
    context.close()


# --- the server killed in the middle of a photo upload -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """The app in its own process on a fixed port, so it can be killed and started again on the same one."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.view: Flask | None = None

    def start(self, **settings: str) -> None:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.root / 'demo.sqlite3'}",
               "SECRET_KEY": "offline-tests", "FLASK_TESTING": "true", "FLASK_SESSION_COOKIE_SECURE": "false",
               "FLASK_RATELIMIT_ENABLED": "false", "FLASK_PHOTO_STORE": str(self.root / "photos"),
               "FLASK_MAP_TILE_URL": "",
               **{f"FLASK_{name}": value for name, value in settings.items()}}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-c", LAUNCH, str(self.port)], cwd=REPO, env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/sync/session", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def requests(self, method: str, path: str) -> int:
        """Requests the server answered (werkzeug's access log, its colours taken out), over every run. A request
        cut off by the kill is never logged."""
        text = re.sub(r"\x1b\[[0-9;]*m", "", self.log.read_text(errors="replace"))
        return len(re.findall(rf'"{method} {re.escape(path)} HTTP/1\.1"', text))


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[ServerProcess]:
    """The demo on a file (migrations and seed, done here), served by a process of its own; its `view` is an
    app object on the same file to read what the server stored."""
    prepared = prepare_database(tmp_path)
    with prepared.app_context():
        db.engine.dispose()
    process = ServerProcess(tmp_path, free_port())
    process.view = create_app({**base_test_config(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}"),
                               "SECRET_KEY": "view"})
    try:
        yield process
    finally:
        process.stop()
        with process.view.app_context():
            db.engine.dispose()


def test_a_photo_interrupted_by_a_killed_server_is_sent_again_and_stored_once(
    browser: Browser, phone_profile: dict[str, Any], killable: ServerProcess, tmp_path: Path
) -> None:
    marker = tmp_path / "upload-in-progress"
    killable.start(TEST_UPLOAD_DELAY_S="120", TEST_UPLOAD_DELAY_MARKER=str(marker))
    local = killable.view
    assert local is not None
    merchant_id, shop = owned_merchant(local)
    context = browser.new_context(**phone_args(phone_profile, killable.url, shop))
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    open_app(page)

    visit_id, hashes = record_visit(page, merchant_id, [41])
    (photo_id,) = hashes
    deadline = time.monotonic() + 60
    while not marker.exists():  # the photo's body is on the server, its files written, the commit not yet
        assert time.monotonic() < deadline, "the photo upload never reached the server"
        time.sleep(0.05)
    killable.kill()
    assert server_record(local, [visit_id]).photos == {}  # killed before its commit: nothing of it is stored
    killable.start()  # the same port, the same database, no delay this time

    wait_delivered(page)
    record = server_record(local, [visit_id])
    assert record.visits == {visit_id: MANAGER} and record.versions == 1
    assert record.photos == {photo_id: (visit_id, hashes[photo_id])}
    photo_path = f"/api/v1/visits/{visit_id}/photos/{photo_id}"
    assert killable.requests("PUT", photo_path) == 1  # the answered one: the interrupted upload was sent again
    assert killable.requests("PUT", f"/api/v1/visits/{visit_id}") == 1  # the visit was not sent again
    context.close()

