"""Shared pieces of the offline tests (no tests here): a server of their own, a phone, and ways to look into
the phone's outbox and the server's database.

The offline tests write many visits; they get a demo server of their own (module scope) so that the other
browser walks, which share tests/browser/conftest.py's live_server, never see them.
"""
from __future__ import annotations

import hashlib
import io
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.browser.conftest import migrate_to_head
from tests.conftest import PASSWORD, base_test_config
from webapp import create_app
from webapp.demo.seed import seed_demo
from webapp.extensions import db
from webapp.models import Merchant, Photo, User, Visit, VisitVersion

# A manager of the demo whom no other browser walk uses.
MANAGER = "mgr4"
WAIT_MS = 30_000


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
class OfflineServer:
    url: str
    app: Flask
    requests: RequestLog
    root: Path
    extra: dict[str, Any] = field(default_factory=dict)


def prepare_database(root: Path, **config: Any) -> Flask:
    """The demo on a fresh SQLite file, built by the migrations and the seed, as `make run` does."""
    settings = base_test_config(root, f"sqlite:///{root / 'offline.sqlite3'}")
    settings.update(SECRET_KEY="offline-tests", **config)
    app = create_app(settings)
    migrate_to_head(app)
    with app.app_context():
        seed_demo(PASSWORD)
        db.session.commit()
        db.session.remove()
    return app


@contextmanager
def serve(root: Path, **config: Any) -> Iterator[OfflineServer]:
    app = prepare_database(root, **config)
    log = RequestLog(app.wsgi_app)
    app.wsgi_app = log  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="offline-server", daemon=True)
    thread.start()
    try:
        yield OfflineServer(url=f"http://127.0.0.1:{server.server_port}", app=app, requests=log, root=root)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def phone_args(phone_profile: dict[str, Any], base_url: str, point: tuple[float, float]) -> dict[str, Any]:
    """A phone at the shop door, with the location allowed. Background Sync is allowed as Chrome on a phone
    allows it by default (a Playwright context grants only the permissions it is given)."""
    return {**phone_profile, "base_url": base_url, "permissions": ["geolocation", "background-sync"],
            "geolocation": {"latitude": point[0], "longitude": point[1], "accuracy": 8}}


def new_phone(browser: Browser, phone_profile: dict[str, Any], server: OfflineServer,
              point: tuple[float, float] = (30.2741, 120.1551)) -> BrowserContext:
    context = browser.new_context(**phone_args(phone_profile, server.url, point))
    context.set_default_timeout(WAIT_MS)
    return context


def sign_in(page: Page, username: str = MANAGER, password: str = PASSWORD) -> None:
    """Log in through the form and wait for a page that knows the user (and has the worker in control)."""
    page.goto("/login")
    form = page.locator("main form")
    form.locator("#username").fill(username)
    form.locator("#password").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_function("(name) => document.body && document.body.dataset.user === name", arg=username)
    wait_for_app(page)


def wait_for_app(page: Page) -> None:
    """Until the page's scripts ran (the outbox is there) and the service worker controls the page."""
    page.wait_for_function("() => Boolean(window.xwOutbox && window.xwSync)")
    wait_for_worker(page)


def wait_for_worker(page: Page) -> None:
    """Until the service worker controls the page. A page whose navigation began while the worker was still
    installing is not claimed by it; the next load is (as on a phone: the second page of the first visit)."""
    controlled = page.evaluate(
        "async () => { await navigator.serviceWorker.ready; return Boolean(navigator.serviceWorker.controller); }")
    if not controlled:
        page.reload()
        page.wait_for_function("() => Boolean(window.xwOutbox && window.xwSync)")
    page.wait_for_function("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)")


def _navigated_away(error: PlaywrightError) -> bool:
    """The evaluation met a navigation: its context was destroyed, or the new page's scripts were not loaded."""
    text = str(error)
    return "Execution context was destroyed" in text or "ReferenceError: xw" in text


def poll(page: Page, script: str, arg: Any = None, *, timeout_ms: float = WAIT_MS, every_ms: float = 200) -> Any:
    """Evaluate an async predicate until it returns something truthy. (wait_for_function does not await a
    promise: an async predicate would count as true at once.)"""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            value = page.evaluate(script, arg)
        except PlaywrightError as error:
            # The page may reload itself meanwhile (a visit form after its item was sent): the question is
            # asked again of the new page once its scripts are there; the deadline still holds.
            if not _navigated_away(error) or time.monotonic() > deadline:
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
    return page.evaluate("() => xwOutbox.list()")


def wait_outbox_empty(page: Page, author: str = MANAGER, timeout_ms: float = 60_000) -> None:
    poll(page, "async (author) => (await xwOutbox.list()).filter((i) => i.author === author).length === 0",
         author, timeout_ms=timeout_ms, every_ms=250)


def phone_photo_hashes(page: Page) -> dict[str, str]:
    """photo id -> SHA-256 of the bytes the phone keeps (computed from the stored Blobs, not trusted fields)."""
    return page.evaluate(
        """async () => {
          const out = {};
          for (const item of await xwOutbox.list()) {
            if (item.kind !== 'photo') continue;
            out[item.recordId] = await xwOutbox.sha256Hex(await xwOutbox.getBlob(item.id));
          }
          return out;
        }""")


def jpeg(seed: int, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A distinct camera-ish picture per seed (the phone shrinks it before it is queued)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle((x0, y0, x0 + rng.randrange(20, 400), y0 + rng.randrange(20, 400)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def camera_files(seeds: list[int]) -> list[dict[str, Any]]:
    return [{"name": f"IMG_{seed}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(seed)} for seed in seeds]


def owned_merchant(app: Flask, username: str = MANAGER) -> tuple[int, tuple[float, float]]:
    """A located merchant the manager owns: precached for them, and where the phone stands."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        merchant = db.session.scalar(sa.select(Merchant).where(
            Merchant.owner_id == user.id, Merchant.lat.is_not(None)).order_by(Merchant.id))
        assert merchant is not None and merchant.lat is not None and merchant.lon is not None
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


def expect_saved_on_phone(page: Page) -> None:
    notice = page.locator("[data-saved-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已保存，待同步")


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
    await xwOutbox.enqueueVisit({
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
      await xwOutbox.enqueuePhoto({
        visitId: v.id, photoId: p.id, author, deviceId: 'test-phone', blob: await picture(p.seed),
        label: 'photo ' + p.id.slice(0, 8), createdAt: v.createdAt,
        fields: { category: 'premises', captured_at: started.toISOString() },
      });
    }
  }
  return (await xwOutbox.list()).length;
}"""


def planned_visits(count: int, photos_each: int, *, days: float = 0.0, seed: int = 1) -> list[dict[str, Any]]:
    """Visits spread over the last `days` days (created and started then), each with its photos."""
    import uuid

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


def kick(page: Page) -> Any:
    """Start a replay from the page and wait for it to end (the result says how it ended)."""
    return page.evaluate("() => xwSync.kick()")
