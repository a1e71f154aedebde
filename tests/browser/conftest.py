"""The browser harness, in one place: the servers, Debian's Chromium, phones, signing in, and ways to look into
a phone's outbox and the server's database.

- ``live_server`` (session scope): the demo as ``make run`` has it (migrations, seed), shared by the walks.
- ``server`` (module scope): a demo server of the module's own, for the offline tests, which write many visits
  the other walks must never see; its ``requests`` count what the phone sent.
- ``phones``: new browser contexts on the Pixel 7 profile (a desktop on request) that record every console
  error, page error and CSP violation, closed after the test.
"""
from __future__ import annotations

import atexit
import hashlib
import io
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, base_test_config
from tests.visit_helpers import jpeg_bytes
from webapp import create_app
from webapp.demo.seed import seed_demo
from webapp.extensions import db
from webapp.models import Merchant, Photo, User, Visit, VisitVersion

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
PHONE = "Pixel 7"
# A manager of the demo whom no walk on the shared live server uses: the offline tests' phone.
MANAGER = "mgr4"
WAIT_MS = 30_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder, before `-m "not browser"` deselects: the PostgreSQL pass skips them."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- servers ---------------------------------------------------------------------------------------------------


def migrate_to_head(app: Flask) -> None:
    """`flask db upgrade` in-process; migrations/env.py's fileConfig would otherwise disable the test run's loggers."""
    with app.app_context(), mock.patch("logging.config.fileConfig"):
        upgrade()


_SEEDED: list[Path] = []


def _seeded_demo() -> Path:
    """The demo built once per run, by the migrations and the seed as `make run` does: its two weeks of field
    work go through the photo pipeline, too slow to repeat for every module's server. Copies are served."""
    if not _SEEDED:
        root = Path(tempfile.mkdtemp(prefix="xw-demo-"))
        atexit.register(shutil.rmtree, root, True)
        app = create_app({**base_test_config(root, f"sqlite:///{root / 'demo.sqlite3'}"), "SECRET_KEY": "browser-tests"})
        migrate_to_head(app)
        with app.app_context():
            seed_demo(PASSWORD)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        _SEEDED.append(root)
    return _SEEDED[0]


def prepare_database(root: Path, name: str = "demo.sqlite3", **config: Any) -> Flask:
    """The demo on a fresh SQLite file of its own (a copy of the run's seeded demo, with its photo files)."""
    seeded = _seeded_demo()
    with sqlite3.connect(seeded / "demo.sqlite3") as source, sqlite3.connect(root / name) as target:
        source.backup(target)
    shutil.copytree(seeded / "photos", root / "photos", dirs_exist_ok=True)
    settings = base_test_config(root, f"sqlite:///{root / name}")
    settings.update(SECRET_KEY="browser-tests", **config)
    return create_app(settings)


class RequestLog:
    """WSGI middleware counting requests by method and path: how often did the phone send this item?"""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.counts[f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"] += 1
        return self.wsgi_app(environ, start_response)

    def count(self, method: str, path: str) -> int:
        with self.lock:
            return self.counts[f"{method} {path}"]


@dataclass
class LiveServer:
    url: str
    app: Flask
    requests: RequestLog
    root: Path
    extra: dict[str, Any] = field(default_factory=dict)


def _blank_tile() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (238, 242, 238)).save(buffer, "PNG")
    return buffer.getvalue()


BLANK_TILE = _blank_tile()
# The maps' tiles in the browser tests: a tile server of the test's own (BlankTiles), in GCJ-02 like the default
# AMap layer, so the tile layer and the datum conversion run without the network.
LOCAL_TILES = "/_tiles/{z}/{x}/{y}.png"


class BlankTiles:
    """WSGI middleware answering /_tiles/<z>/<x>/<y>.png with a blank tile, as a tile server would."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.served = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/_tiles/"):
            self.served += 1
            start_response("200 OK", [("Content-Type", "image/png"), ("Content-Length", str(len(BLANK_TILE))),
                                      ("Cache-Control", "public, max-age=3600")])
            return [BLANK_TILE]
        return self.wsgi_app(environ, start_response)


@contextmanager
def serve(root: Path, **config: Any) -> Iterator[LiveServer]:
    """The demo on its own file, served by werkzeug in a thread on a free port, with blank map tiles."""
    app = prepare_database(root, **{"MAP_TILE_URL": LOCAL_TILES, "MAP_TILE_DATUM": "gcj02", **config})
    log = RequestLog(BlankTiles(app.wsgi_app))
    app.wsgi_app = log  # type: ignore[method-assign]
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name=f"server-{root.name}", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{http.server_port}", app=app, requests=log, root=root)
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("live-server")) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A demo server of this test module's own."""
    with serve(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])) as running:
        yield running


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


# --- the browser ------------------------------------------------------------------------------------------------


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


DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def phone_args(phone_profile: dict[str, Any], base_url: str, point: tuple[float, float] | None) -> dict[str, Any]:
    """A phone at the shop door, with the location allowed. Background Sync is allowed as Chrome on a phone
    allows it by default (a Playwright context grants only the permissions it is given)."""
    args: dict[str, Any] = {**phone_profile, "base_url": base_url, "permissions": ["background-sync"]}
    if point is not None:
        args["permissions"] = ["geolocation", "background-sync"]
        args["geolocation"] = {"latitude": point[0], "longitude": point[1], "accuracy": 10}
    return args


class Phones:
    """New phones (browser contexts) standing at a point, and what their consoles reported as errors: a CSP
    violation or a script error fails a walk even when the page looks right."""

    def __init__(self, browser: Browser, profile: dict[str, Any], base_url: str) -> None:
        self.browser, self.profile, self.base_url = browser, profile, base_url
        self.opened: list[BrowserContext] = []
        self.errors: list[str] = []

    def __call__(self, point: tuple[float, float] | None = None, *, desktop: bool = False) -> BrowserContext:
        args = {**DESKTOP, "base_url": self.base_url} if desktop else phone_args(self.profile, self.base_url, point)
        context = self.browser.new_context(**args)
        context.set_default_timeout(WAIT_MS)
        context.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        context.on("weberror", lambda error: self.errors.append(str(error.error)))
        self.opened.append(context)
        return context


@pytest.fixture
def phones(browser: Browser, phone_profile: dict[str, Any], base_url: str) -> Iterator[Phones]:
    """Phones on the shared live server."""
    made = Phones(browser, phone_profile, base_url)
    yield made
    for context in made.opened:
        context.close()


def new_phone(browser: Browser, phone_profile: dict[str, Any], server: LiveServer,
              point: tuple[float, float] = (30.2741, 120.1551)) -> BrowserContext:
    """A phone on a module's own server."""
    context = browser.new_context(**phone_args(phone_profile, server.url, point))
    context.set_default_timeout(WAIT_MS)
    return context


def launch_phone(playwright: Playwright, launch_args: dict[str, Any], profile: Path, args: dict[str, Any]) -> BrowserContext:
    """A phone whose browser keeps its profile on disk (so it can be closed and opened again, or be full)."""
    context = playwright.chromium.launch_persistent_context(str(profile), **launch_args, **args)
    context.set_default_timeout(WAIT_MS)
    return context


@dataclass(frozen=True)
class Phone:
    """The offline tests' manager with the app running on their phone, at the door of their first merchant."""

    context: BrowserContext
    page: Page
    merchant_id: int
    shop: tuple[float, float]


@pytest.fixture
def phone(browser: Browser, phone_profile: dict[str, Any], server: LiveServer) -> Iterator[Phone]:
    merchant_id, shop = owned_merchant(server.app)
    context = new_phone(browser, phone_profile, server, shop)
    page = context.new_page()
    open_app(page)
    yield Phone(context, page, merchant_id, shop)
    context.close()


# --- signing in -----------------------------------------------------------------------------------------------


def sign_in(page: Page, username: str = MANAGER, target: str | None = None, password: str = PASSWORD) -> None:
    """The login form, as a person uses it, landing on `target` (or on the role's own start page: Today for
    managers, the merchants for leads)."""
    page.goto("/login" + (f"?next={quote(target)}" if target else ""))
    form = page.locator("main form")
    form.locator("#username").fill(username)
    form.locator("#password").fill(password)
    form.locator("button[type=submit]").click()
    if target:
        page.wait_for_url(f"**{target}")
    page.wait_for_function("(name) => document.body && document.body.dataset.user === name", arg=username)


def open_app(page: Page, username: str = MANAGER) -> None:
    """Sign in and wait until the app runs on the phone: its scripts ran and the service worker controls it."""
    sign_in(page, username)
    wait_for_app(page)


def wait_for_app(page: Page) -> None:
    """Until the page's scripts ran (the outbox is there) and the service worker controls the page."""
    page.wait_for_function("() => Boolean(window.xw && xw.outbox && xw.sync)")
    wait_for_worker(page)


def wait_for_worker(page: Page) -> None:
    """Until the service worker controls the page. A page whose navigation began while the worker was still
    installing is not claimed by it; the next load is (as on a phone: the second page of the first visit)."""
    controlled = page.evaluate(
        "async () => { await navigator.serviceWorker.ready; return Boolean(navigator.serviceWorker.controller); }")
    if not controlled:
        page.reload()
        page.wait_for_function("() => Boolean(window.xw && xw.outbox && xw.sync)")
    page.wait_for_function("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)")


# --- looking into the phone ------------------------------------------------------------------------------------


def _between_pages(page: Page, error: PlaywrightError) -> bool:
    """The question met a navigation: the page went away while it was asked (its context destroyed), or the
    next page is there but its scripts have not all run yet (xw, or a member of it, still missing)."""
    text = str(error)
    if "context was destroyed" in text or "navigat" in text:
        return True
    if "xw is not defined" in text or "Cannot read properties of undefined" in text:
        try:
            return bool(page.evaluate("() => document.readyState !== 'complete'"))
        except PlaywrightError:
            return True  # navigating again
    return False


def poll(page: Page, script: str, arg: Any = None, *, timeout_ms: float = WAIT_MS, every_ms: float = 200) -> Any:
    """Evaluate an async predicate until it returns something truthy. (wait_for_function does not await a
    promise: an async predicate would count as true at once.) The page may reload itself meanwhile (a visit
    page once its confirmation is sent): the question is asked again of the new page once it has loaded; the
    deadline still holds, and an error on a loaded page is raised."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            value = page.evaluate(script, arg)
        except PlaywrightError as err:
            if not _between_pages(page, err) or time.monotonic() > deadline:
                raise
            page.wait_for_load_state("load")
            continue
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms / 1000:.0f} s: {script.strip()[:120]}")
        page.wait_for_timeout(every_ms)


def wait_kept(page: Page, path: str) -> None:
    """Until the service worker keeps a copy of this page (the precache runs behind the first page)."""
    poll(page, """async (path) => {
          const cache = await caches.open('xw-pages');
          return Boolean(await cache.match(path, { ignoreVary: true }));
        }""", path)


def outbox_items(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("() => xw.outbox.list()")


def wait_until(check: Callable[[], object], what: str, timeout_s: float = 30) -> None:
    """Until `check()` holds, for what the server stores (the page's own state has `poll`)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def wait_outbox_empty(page: Page, author: str = MANAGER, timeout_ms: float = 60_000) -> None:
    poll(page, "async (author) => (await xw.outbox.list()).filter((i) => i.author === author).length === 0",
         author, timeout_ms=timeout_ms, every_ms=250)


def phone_photo_hashes(page: Page) -> dict[str, str]:
    """photo id -> SHA-256 of the bytes the phone keeps (computed from the stored Blobs, not trusted fields)."""
    return page.evaluate(
        """async () => {
          const out = {};
          for (const item of await xw.outbox.list()) {
            if (item.kind !== 'photo') continue;
            out[item.recordId] = await xw.outbox.sha256Hex(await xw.outbox.getBlob(item.id));
          }
          return out;
        }""")


def kick(page: Page) -> Any:
    """Start a replay from the page and wait for it to end (the result says how it ended)."""
    return page.evaluate("() => xw.sync.kick()")


def open_section(page: Page, name: str) -> None:
    """Open a folded section of the visit form (its summary tapped), unless it is open already."""
    section = page.locator(f"details[data-section='{name}']")
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    expect(section).to_have_attribute("open", "")


def expect_saved_on_phone(page: Page) -> None:
    notice = page.locator("[data-saved-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已保存，待同步")


# --- what a phone records ---------------------------------------------------------------------------------------


def camera_files(seeds: list[int], size: tuple[int, int] = (1200, 900)) -> list[dict[str, Any]]:
    """Distinct camera pictures, one per seed, as a file input takes them (the phone shrinks them)."""
    return [{"name": f"IMG_{seed}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed, size)} for seed in seeds]


def owned_merchant(app: Flask, username: str = MANAGER, nth: int = 0) -> tuple[int, tuple[float, float]]:
    """A located merchant the manager owns: precached for them, and where the phone stands."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        merchant = db.session.scalars(sa.select(Merchant).where(
            Merchant.owner_id == user.id, Merchant.lat.is_not(None)).order_by(Merchant.id)).all()[nth]
        assert merchant.lat is not None and merchant.lon is not None
        return merchant.id, (merchant.lat, merchant.lon)


@dataclass(frozen=True)
class ServerRecord:
    visits: dict[str, str]  # visit id -> creator's username
    versions: int
    photos: dict[str, tuple[str, str]]  # photo id -> (visit id, sha256)


def server_record(app: Flask, visit_ids: list[str] | None = None, username: str = MANAGER) -> ServerRecord:
    """What the server holds of this manager's visits (or of the given visits)."""
    with app.app_context():
        query = sa.select(Visit, User.username).join(User, Visit.created_by_id == User.id)
        if visit_ids is not None:
            query = query.where(Visit.id.in_(visit_ids))
        else:
            query = query.where(User.username == username)
        visits = {visit.id: name for visit, name in db.session.execute(query)}
        versions = db.session.scalar(sa.select(sa.func.count()).select_from(VisitVersion)
                                     .where(VisitVersion.visit_id.in_(list(visits)))) or 0
        photos = {p.id: (p.visit_id, p.sha256) for p in db.session.scalars(
            sa.select(Photo).where(Photo.visit_id.in_(list(visits))))}
        db.session.remove()
        return ServerRecord(visits=visits, versions=versions, photos=photos)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Queues visits (and photos drawn on a canvas, shrunk like the phone shrinks) straight through the outbox API,
# as the visit form does, for the tests that are about the queue rather than the form.
ENQUEUE_JS = """async ({ visits, author, merchantId }) => {
  function picture(seed) {
    const canvas = new OffscreenCanvas(640, 480);
    const g = canvas.getContext('2d');
    let x = seed * 2654435761 % 4294967296;
    const next = () => (x = (x * 1664525 + 1013904223) % 4294967296) / 4294967296;
    g.fillStyle = `rgb(${Math.floor(next() * 255)},${Math.floor(next() * 255)},${Math.floor(next() * 255)})`;
    g.fillRect(0, 0, 640, 480);
    for (let i = 0; i < 30; i++) {
      g.fillStyle = `rgb(${Math.floor(next() * 255)},${Math.floor(next() * 255)},${Math.floor(next() * 255)})`;
      g.fillRect(next() * 640, next() * 480, 20 + next() * 300, 20 + next() * 300);
    }
    g.fillStyle = '#000';
    g.font = '40px sans-serif';
    g.fillText(String(seed), 20, 60);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  }
  for (const v of visits) {
    const started = new Date(v.startedAt);
    await xw.outbox.enqueueVisit({
      visitId: v.id, author, deviceId: 'test-phone', label: 'visit ' + v.id.slice(0, 8), createdAt: v.createdAt,
      ifMatch: null,
      body: {
        merchant_id: v.merchantId || merchantId, kind: v.kind || 'marketing',
        squad: { lead: author, support: null, observer: null },
        started_at: started.toISOString(), checkin: null,
        outcome: { effective: true, application: null, deals: [], next_step: v.note || '', follow_up_date: null },
        notes: { lead: v.note || '', support: '', observer: '' },
      },
    });
    for (const p of v.photos || []) {
      await xw.outbox.enqueuePhoto({
        visitId: v.id, photoId: p.id, author, deviceId: 'test-phone', blob: await picture(p.seed),
        label: 'photo ' + p.id.slice(0, 8), createdAt: v.createdAt,
        fields: { category: 'premises', captured_at: started.toISOString() },
      });
    }
  }
  return (await xw.outbox.list()).length;
}"""


def planned_visits(count: int, photos_each: int, *, days: float = 0.0, seed: int = 1) -> list[dict[str, Any]]:
    """Visits spread over the last `days` days (created and started then), each with its photos."""
    now_ms = time.time() * 1000
    visits = []
    for n in range(count):
        moment = now_ms - days * 86_400_000 * (1 - n / max(count, 1)) - 60_000
        visits.append({
            "id": str(uuid.uuid4()), "startedAt": moment, "createdAt": moment, "note": f"visit {n}",
            "photos": [{"id": str(uuid.uuid4()), "seed": seed * 100_000 + n * 10 + k} for k in range(photos_each)],
        })
    return visits


def enqueue(page: Page, visits: list[dict[str, Any]], merchant_id: int, author: str = MANAGER) -> int:
    return page.evaluate(ENQUEUE_JS, {"visits": visits, "author": author, "merchantId": merchant_id})
