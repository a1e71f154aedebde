"""Offline sync, measured in real Chromium on a Pixel 7 profile: what goes on the wire for one visit with three
12 MP photos, and how long a 200-visit queue takes to drain on loopback. Prints the figures; not a test.

    .venv/bin/python bench/sync_wire.py                 # or: make bench-sync
    .venv/bin/python bench/sync_wire.py --photos DIR    # your own camera JPEGs (the first three) instead

The photos go through the phone's own code path: the visit form's photo input, photos.js (EXIF read, canvas
shrink to 2048 px on the long side, JPEG 0.8), the outbox, and the outbox's replay to the JSON API. Bytes
are counted at the server: request line, headers and body of every request the replay makes (the session
check included), and the answers' headers and bodies beside them. Aim: at most 1.4 MB for the visit.

Without --photos the three "camera" photos are synthetic 4000 x 3000 shop scenes with sensor noise and
phone EXIF (tests/photo_samples.py), about 3.3 MB each, like a 12 MP phone JPEG. Real scenes with fine
texture shrink to somewhat larger files than these.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests import photo_samples as samples  # noqa: E402
from tests.browser.test_offline_support import (  # noqa: E402
    ENQUEUE_JS,
    owned_merchant,
    phone_args,
    planned_visits,
    serve,
    sign_in,
)

CHROMIUM = "/usr/bin/chromium"
AIM_BYTES = 1_400_000
SYNC_PATHS = ("/api/v1/", "/sync/session")


@dataclass
class Exchange:
    method: str
    path: str
    status: str = ""
    sent: int = 0  # request line + headers + body, as the phone sends them
    body: int = 0
    received: int = 0  # status line + headers + body of the answer


@dataclass
class WireCounter:
    """WSGI middleware recording the size of every sync request and its answer."""

    wsgi_app: Any
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(SYNC_PATHS):
            return self.wsgi_app(environ, start_response)
        query = environ.get("QUERY_STRING")
        target = path + (f"?{query}" if query else "")
        headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items()
                   if key.startswith("HTTP_")]
        for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
            if environ.get(key):
                headers.append((name, environ[key]))
        body = int(environ.get("CONTENT_LENGTH") or 0)
        head = f"{environ['REQUEST_METHOD']} {target} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        exchange = Exchange(environ["REQUEST_METHOD"], path, sent=len(head.encode()) + body, body=body)
        return self._counted(exchange, environ, start_response)

    def _counted(self, exchange: Exchange, environ: dict[str, Any], start_response: Any) -> Any:

        def counting_start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            exchange.status = status.split(" ", 1)[0]
            exchange.received += len(f"HTTP/1.1 {status}\r\n".encode())
            exchange.received += sum(len(f"{k}: {v}\r\n".encode()) for k, v in response_headers) + 2
            return start_response(status, response_headers, exc_info)

        result = self.wsgi_app(environ, counting_start_response)
        try:
            for chunk in result:
                exchange.received += len(chunk)
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()
            with self.lock:
                self.exchanges.append(exchange)

    def take(self) -> list[Exchange]:
        with self.lock:
            taken, self.exchanges = self.exchanges, []
        return taken


def camera_photos(folder: Path | None) -> list[tuple[str, bytes]]:
    if folder is not None:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))[:3]
        if len(files) < 3:
            raise SystemExit(f"{folder} holds fewer than three JPEGs")
        return [(p.name, p.read_bytes()) for p in files]
    photos = []
    for seed in (101, 102, 103):
        scene = samples.add_noise(samples.shop_scene(seed, (4000, 3000)), 8, seed)
        exif = samples.make_exif(taken_at=datetime.now(), lat=30.2741, lon=120.1551, make="Xiaomi", model="13")
        photos.append((f"IMG_{seed}.jpg", samples.jpeg_bytes(scene, quality=92, exif=exif.tobytes())))
    return photos


def wait_until_empty(page: Any, timeout_s: float = 600) -> None:
    """Until the phone's queue is empty, whatever page it moved on to (the form opens the visit once sent)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate("async () => window.xwOutbox ? (await xwOutbox.list()).length === 0 : false"):
                return
        except PlaywrightError:
            pass  # the page navigated while we asked
        if time.monotonic() > deadline:
            raise SystemExit("the queue did not drain")
        time.sleep(0.05)


def kb(count: int) -> str:
    return f"{count / 1000:,.1f} kB"


def measure_visit(page: Any, merchant_id: int, photos: list[tuple[str, bytes]], wire: WireCounter) -> None:
    page.goto(f"/merchants/{merchant_id}/visits/new")
    page.wait_for_function("() => Boolean(window.xwOutbox && window.xwSync && window.xwPhotos)")
    page.locator("[data-checkin-start]").click()
    page.wait_for_function("() => document.querySelector('[data-checkin]').dataset.checkinState === 'accepted'")
    page.locator("[data-form-photos] input[data-photo-category=premises]").set_input_files(
        [{"name": name, "mimeType": "image/jpeg", "buffer": data} for name, data in photos])
    page.wait_for_function("() => document.querySelectorAll('[data-form-photos] [data-upload-state=kept]').length === 3",
                           timeout=120_000)
    shrunk = page.evaluate("async () => (await xwOutbox.list()).map((i) => i.size)")
    page.locator("input[name=effective][value=yes]").check()
    page.locator("#next_step").fill("下周带申请表再来")
    page.locator("#notes_lead").fill("老板有扩店打算，库存充足")
    wire.take()
    page.locator("[data-save-visit]").click()
    wait_until_empty(page)
    exchanges = wire.take()
    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))  # the form opens the visit once it is sent
    page.wait_for_function("() => Boolean(window.xwOutbox && window.xwSync)")

    print("One visit with three 12 MP photos")
    print(f"  camera files:  {', '.join(kb(len(data)) for _name, data in photos)}"
          f"  (total {kb(sum(len(d) for _n, d in photos))})")
    print(f"  shrunk on the phone (2048 px, JPEG 0.8): {', '.join(kb(size) for size in shrunk)}")
    print(f"  {'request':<24} {'status':>6} {'sent':>12} {'of it body':>12} {'answer':>11}")
    for e in exchanges:
        name = f"{e.method} {'photo' if '/photos/' in e.path else ('visit' if '/visits/' in e.path else e.path)}"
        print(f"  {name:<24} {e.status:>6} {kb(e.sent):>12} {kb(e.body):>12} {kb(e.received):>11}")
    sent = sum(e.sent for e in exchanges)
    received = sum(e.received for e in exchanges)
    verdict = "within" if sent <= AIM_BYTES else "OVER"
    print(f"  on the wire, phone to server: {kb(sent)} ({verdict} the {kb(AIM_BYTES)} aim); "
          f"server to phone: {kb(received)}; both ways: {kb(sent + received)}")


def measure_drain(page: Any, context: Any, merchant_id: int, visits: int, photos_each: int) -> None:
    context.set_offline(True)
    planned = planned_visits(visits, photos_each, days=1, seed=9)
    for start in range(0, visits, 25):
        page.evaluate(ENQUEUE_JS, {"visits": planned[start:start + 25], "author": "mgr4", "merchantId": merchant_id})
    items = page.evaluate("async () => (await xwOutbox.list()).length")
    context.set_offline(False)
    started = time.perf_counter()
    page.evaluate("() => { xwSync.kick(); }")
    wait_until_empty(page)
    elapsed = time.perf_counter() - started
    what = f"{visits} visits" + (f" and {visits * photos_each} photos (640 x 480)" if photos_each else "")
    print(f"Draining a queue of {what} ({items} items) on loopback: {elapsed:.1f} s "
          f"({elapsed / items * 1000:.0f} ms per item)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, help="a folder with at least three camera JPEGs")
    parser.add_argument("--visits", type=int, default=200, help="visits in the queue to drain (default 200)")
    parser.add_argument("--photos-each", type=int, default=0,
                        help="small photos per queued visit in the drain (default 0: visits only)")
    args = parser.parse_args()
    photos = camera_photos(args.photos)

    with tempfile.TemporaryDirectory() as folder, serve(Path(folder)) as server, sync_playwright() as playwright:
        wire = WireCounter(server.app.wsgi_app)
        server.app.wsgi_app = wire  # type: ignore[method-assign]
        merchant_id, shop = owned_merchant(server.app)
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        profile = {k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"}
        context = browser.new_context(**phone_args({**profile, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"},
                                                   server.url, shop))
        context.set_default_timeout(60_000)
        page = context.new_page()
        sign_in(page)
        measure_visit(page, merchant_id, photos, wire)
        print()
        measure_drain(page, context, merchant_id, args.visits, args.photos_each)
        browser.close()


if __name__ == "__main__":
    main()
