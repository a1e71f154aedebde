"""Three days without a network: visits and their photos queued on the phone, then sent while the network
drops in and out. The server ends with exactly what the phone had, nothing twice.

Size: OFFLINE_SOAK_VISITS visits with three photos each (20 by default, so CI stays quick);
`make test-offline-full` runs the full 200 visits and 600 photos.
"""
from __future__ import annotations

import os
import random
import time
from collections import Counter

from playwright.sync_api import expect

from tests.browser.conftest import (
    MANAGER,
    LiveServer,
    Phone,
    enqueue,
    outbox_items,
    phone_photo_hashes,
    planned_visits,
    server_record,
    wait_kept,
)

VISITS = int(os.environ.get("OFFLINE_SOAK_VISITS", "20"))
PHOTOS_EACH = 3


def test_three_days_offline_then_a_flaky_network_delivers_everything_once(
    phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    before = server_record(server.app)  # the demo's own visits by this manager (its two weeks of field work)
    wait_kept(page, "/today/")  # the page reloaded offline below
    context.set_offline(True)
    visits = planned_visits(VISITS, PHOTOS_EACH, days=3, seed=5)
    for start in range(0, VISITS, 20):
        enqueue(page, visits[start:start + 20], merchant_id)
    total = VISITS * (1 + PHOTOS_EACH)
    assert len(outbox_items(page)) == total
    phone_hashes = phone_photo_hashes(page)
    assert len(phone_hashes) == VISITS * PHOTOS_EACH
    # Items older than a day: the phone warns.
    page.reload()
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-state", "stale")
    expect(page.locator("[data-sync-badge]")).to_have_attribute("data-sync-waiting", str(total))

    # The network comes and goes (a market, a lift, a basement) until the queue is empty.
    rng = random.Random(VISITS)
    deadline = time.monotonic() + max(120, VISITS * 6)
    drops = 0
    remaining = total
    while remaining:
        assert time.monotonic() < deadline, f"{remaining} items still queued"
        context.set_offline(False)
        page.wait_for_timeout(rng.uniform(300, 1500))
        context.set_offline(True)
        drops += 1
        page.wait_for_timeout(rng.uniform(100, 600))
        remaining = page.evaluate("async () => (await xw.outbox.list()).length")
    context.set_offline(False)
    assert drops > 1

    visit_ids = [v["id"] for v in visits]
    record = server_record(server.app, visit_ids)
    assert set(record.visits) == set(visit_ids)
    assert set(record.visits.values()) == {MANAGER}
    assert record.versions == VISITS  # every visit written once: no replay made a second version
    assert {pid: sha for pid, (_vid, sha) in record.photos.items()} == phone_hashes
    assert Counter(vid for vid, _sha in record.photos.values()) == dict.fromkeys(visit_ids, PHOTOS_EACH)
    all_mine = server_record(server.app)  # nothing else appeared under the manager's name
    assert len(all_mine.visits) - len(before.visits) == VISITS
    assert len(all_mine.photos) - len(before.photos) == VISITS * PHOTOS_EACH
    context.close()
