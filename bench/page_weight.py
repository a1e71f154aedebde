"""Fast on the wire, first and repeat visits: bytes of the pages managers open at the shop door, and Lighthouse's
mobile scores for them. Prints the figures; not a test.

    .venv/bin/python bench/page_weight.py                  # or: make bench-pages (installs Lighthouse from npm)
    .venv/bin/python bench/page_weight.py --runs 3         # Lighthouse runs per page (the median is printed)

The demo is served as `make run` has it (werkzeug, the app's own compression), on loopback. Bytes are what
Chromium counted on the wire (compressed bodies and headers, CDP's encodedDataLength) for:
- the first visit of the visit form: a phone that never opened the app (no cache, no service worker), the
  sign-in cookie already set; aim: at most 60 KB;
- a repeat visit: the same phone again after the service worker installed; the shell (every /static/ file)
  must come from the phone (0 bytes on the wire), only the page itself (fetched by the worker) and the small
  requests the page makes are on the wire.
Lighthouse 13 (npm, with the Node 22 it pins: bench/package.json, installed by `npm ci --prefix bench`) audits
Today, the merchant list, the visit form and the review queue on its mobile profile (simulated slow 4G, 4x CPU
slowdown), each with the cookie of the person who opens it; aims: performance at least 95, accessibility 100.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import BrowserContext, Page, Request, sync_playwright  # noqa: E402

from tests.browser.conftest import owned_merchant, phone_args, serve, sign_in, wait_for_app  # noqa: E402
from tests.browser.lighthouse import audit, install  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE_VERSION = "13.5.0"  # bench/package.json
FIRST_VISIT_AIM = 60 * 1024


def count_bytes(page: Page, context: BrowserContext, url: str) -> dict[str, int]:
    """Open url and add up what came over the network, per kind: {document, static, other, total}. The page's own
    requests are counted by DevTools (those the service worker answered cost nothing there); what the service
    worker itself fetched from the network (a page it passes through, say) is counted from Playwright's
    context-level requests, so a repeat visit's page is not hidden behind the worker."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    from_worker: set[str] = set()
    worker_fetched: list[tuple[str, int]] = []

    def worker_request(request: Request) -> None:
        if request.service_worker is not None:
            measured = request.sizes()
            worker_fetched.append((request.url, measured["responseBodySize"] + measured["responseHeadersSize"]))

    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.responseReceived",
           lambda e: from_worker.add(e["requestId"]) if e["response"].get("fromServiceWorker") else None)
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    context.on("requestfinished", worker_request)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(1500)  # late requests (the sprite, the inbox count)
    context.remove_listener("requestfinished", worker_request)
    cdp.detach()
    measured = [(urls.get(request_id, ""), size) for request_id, size in sizes.items() if request_id not in from_worker]
    totals = {"document": 0, "static": 0, "other": 0}
    for address, size in [*measured, *worker_fetched]:
        kind = "document" if address.split("?")[0] == url else ("static" if "/static/" in address else "other")
        totals[kind] += size
    totals["total"] = sum(totals.values())
    if os.environ.get("PAGE_WEIGHT_DETAIL"):
        for address, size in sorted(measured, key=lambda item: -item[1]):
            print(f"    {size:7d} {address[:120]}")
        for address, size in worker_fetched:
            print(f"    {size:7d} (fetched by the service worker) {address[:120]}")
    return totals


def wait_until_the_worker_rests(context: BrowserContext, page: Page, quiet_ms: int = 3000) -> None:
    """After install the worker keeps the pages a manager may open offline (/sync/offline-pages): wait until it
    has fetched nothing for quiet_ms, so the repeat visit counts that visit only."""
    last = [time.monotonic()]

    def seen(request: Request) -> None:
        if request.service_worker is not None:
            last[0] = time.monotonic()

    context.on("request", seen)
    deadline = time.monotonic() + 120
    while time.monotonic() - last[0] < quiet_ms / 1000 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    context.remove_listener("request", seen)


def run_lighthouse(url: str, cookie: str, runs: int) -> dict[str, Any]:
    """Median performance and accessibility of `runs` Lighthouse runs, with the page's transfer size."""
    results = [audit(url, cookie) for _ in range(runs)]
    for result in results:
        if result.final_url != url:
            raise RuntimeError(f"Lighthouse audited {result.final_url}, not {url} (the sign-in cookie was lost)")
        if result.failing:
            print(f"    accessibility findings on {url}: {', '.join(result.failing)}")
    scores = [r.performance or 0 for r in results]
    return {"performance": statistics.median(scores), "lowest": min(scores), "highest": max(scores),
            "accessibility": statistics.median(r.accessibility or 0 for r in results),
            "blocking": statistics.median(r.blocking_ms for r in results),
            "cpu": statistics.median(r.benchmark_index for r in results),
            "bytes": int(statistics.median(r.transferred for r in results))}


def cookie_header(context: BrowserContext) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median printed)")
    parser.add_argument("--no-lighthouse", action="store_true", help="bytes only")
    args = parser.parse_args()
    if not args.no_lighthouse:
        missing = install()
        if missing:
            print(f"Lighthouse cannot run: {missing}; or pass --no-lighthouse")
            return 2
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright, serve(Path(folder)) as server:
        merchant_id, shop = owned_merchant(server.app, "mgr1")
        form = f"{server.url}/merchants/{merchant_id}/visits/new"
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        profile = playwright.devices["Pixel 7"]
        device = {k: v for k, v in profile.items() if k != "default_browser_type"}
        base = {**phone_args({**device, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}, server.url, shop)}

        # First visit: signed in, nothing cached, no service worker.
        first = browser.new_context(**base, service_workers="block")
        sign_in(first.new_page(), "mgr1")
        fresh = browser.new_context(**base, service_workers="block")
        fresh.add_cookies(first.cookies())
        first_visit = count_bytes(fresh.new_page(), fresh, form)
        manager_cookie = cookie_header(first)
        first.close()
        fresh.close()

        # Repeat visit: the phone that has the app installed (service worker, its shell precached).
        phone = browser.new_context(**base)
        page = phone.new_page()
        sign_in(page, "mgr1")
        wait_for_app(page)
        page.goto(form)
        wait_until_the_worker_rests(phone, page)
        repeat_visit = count_bytes(page, phone, form)
        phone.close()

        reviewer = browser.new_context(**base)
        sign_in(reviewer.new_page(), "reviewer1")
        reviewer_cookie = cookie_header(reviewer)
        reviewer.close()
        browser.close()

        print("Bytes on the wire (compressed, headers included), visit form on a Pixel 7:")
        print(f"  first visit: {first_visit['total'] / 1024:.1f} KB (page {first_visit['document'] / 1024:.1f}, "
              f"static {first_visit['static'] / 1024:.1f}, other {first_visit['other'] / 1024:.1f}); "
              f"aim ≤ {FIRST_VISIT_AIM // 1024} KB: {'met' if first_visit['total'] <= FIRST_VISIT_AIM else 'NOT met'}")
        print(f"  repeat visit: shell {repeat_visit['static']} bytes (aim 0: "
              f"{'met' if repeat_visit['static'] == 0 else 'NOT met'}), page {repeat_visit['document'] / 1024:.1f} KB, "
              f"other {repeat_visit['other'] / 1024:.1f} KB")
        if args.no_lighthouse:
            return 0
        pages = [("Today", f"{server.url}/today/", manager_cookie),
                 ("Merchant list", f"{server.url}/merchants/", manager_cookie),
                 ("Visit form", form, manager_cookie),
                 ("Review queue", f"{server.url}/review/", reviewer_cookie)]
        print(f"Lighthouse {LIGHTHOUSE_VERSION}, mobile, median of {args.runs} (aims: performance ≥ 95, "
              "accessibility 100):")
        for name, url, cookie in pages:
            result = run_lighthouse(url, cookie, args.runs)
            print(f"  {name:14s} performance {result['performance']:5.1f} ({result['lowest']:.0f}-{result['highest']:.0f})"
                  f"  accessibility {result['accessibility']:5.1f}  TBT {result['blocking']:4.0f} ms"
                  f"  transferred {result['bytes'] / 1024:.1f} KB  CPU benchmark index {result['cpu']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
