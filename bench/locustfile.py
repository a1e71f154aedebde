"""Locust phones for bench/load_serving.py: each simulated phone drains an outbox the way static/js/outbox.js
does (a visit, then its 1-3 photos of about 260 KB, one item at a time), with replays of items already sent
and, now and then, two copies of one photo sent at once. An item leaves the outbox only on a 2xx answer; 409
and 422 are refusals; network errors, 5xx, 408, 429 and 400 incomplete_upload are retried with backoff.

Every acknowledged write is appended to the ack log (JSON lines) so the runner can check, after the load and
after every process was killed, that each is stored exactly once with its files.

Settings come from the environment the runner sets: XW_BENCH_ACCOUNTS (JSON file: usernames, merchant ids,
password), XW_BENCH_PHOTOS (folder of JPEGs), XW_BENCH_PHOTO_COUNT (how many of them), XW_BENCH_ACKS (the ack log).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, constant, events, task

ACCOUNTS = json.loads(Path(os.environ["XW_BENCH_ACCOUNTS"]).read_text())
# The run's pool of distinct scenes, read when sent (hundreds of files).
PHOTOS = sorted(Path(os.environ["XW_BENCH_PHOTOS"]).glob("shop-*.jpg"))[:int(os.environ["XW_BENCH_PHOTO_COUNT"])]
ACK_LOG = Path(os.environ["XW_BENCH_ACKS"])
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
RETRYABLE = {0, 408, 429, 500, 502, 503, 504}
_next_account = itertools.count()
_next_photo = itertools.count()  # each new photo id takes the next scene of the pool (cycling when it runs out)
_ack_lock = threading.Lock()


def acknowledge(entry: dict[str, Any]) -> None:
    with _ack_lock, ACK_LOG.open("a") as log:
        log.write(json.dumps(entry) + "\n")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Phone(HttpUser):
    """One manager's phone with an outbox that is refilled as soon as it is drained."""

    wait_time = constant(0)

    def on_start(self) -> None:
        index = next(_next_account) % len(ACCOUNTS["users"])
        self.username = ACCOUNTS["users"][index]
        self.merchant_id = ACCOUNTS["merchants"][index % len(ACCOUNTS["merchants"])]
        self.csrf = ""
        self.sent: list[tuple[str, str, Any, dict[str, str] | None]] = []
        self.login()

    # --- the session -----------------------------------------------------------------------------------

    def login(self) -> None:
        while True:
            try:
                page = self.client.get("/login", name="GET /login")
                token = CSRF_META.search(page.text or "")
                if token:
                    answer = self.client.post("/login", name="POST /login", allow_redirects=False, data={
                        "username": self.username, "password": ACCOUNTS["password"], "csrf_token": token.group(1)})
                    if answer.status_code == 303:
                        session = self.client.get("/sync/session", name="GET /sync/session").json()
                        if session.get("csrf_token"):
                            self.csrf = session["csrf_token"]
                            return
            except Exception as error:
                self.last_error = repr(error)
            gevent.sleep(1.0)

    # --- sending one item like the outbox --------------------------------------------------------------

    def send(self, method: str, url: str, name: str, body: Any, files: dict[str, Any] | None) -> int:
        """Until acknowledged or refused; the final status."""
        delay = 0.25
        while True:
            try:
                headers = {"X-CSRFToken": self.csrf, "X-Expected-User": self.username}
                if files is None:
                    answer = self.client.request(method, url, name=name, json=body, headers=headers,
                                                 allow_redirects=False)
                else:
                    answer = self.client.request(method, url, name=name, data=body, files=files, headers=headers,
                                                 allow_redirects=False)
                status = answer.status_code
                error = (answer.json().get("error") if status >= 400 and
                         "json" in answer.headers.get("Content-Type", "") else None)
            except Exception:
                status, error = 0, None
            if 200 <= status < 300:
                return status
            if status == 401 or (status == 400 and error == "csrf"):
                self.login()
                continue
            if status in RETRYABLE or (status == 400 and error == "incomplete_upload"):
                gevent.sleep(delay)
                delay = min(delay * 2, 8.0)
                continue
            return status

    def put_visit(self, visit_id: str, body: dict[str, Any]) -> int:
        status = self.send("PUT", f"/api/v1/visits/{visit_id}", "PUT /api/v1/visits/[id]", body, None)
        if status in (200, 201):
            acknowledge({"kind": "visit", "id": visit_id, "user": self.username})
        return status

    def put_photo(self, visit_id: str, photo_id: str, data: bytes, captured: str) -> int:
        fields = {"category": "premises", "captured_at": captured}
        files = {"file": ("photo.jpg", data, "image/jpeg")}
        status = self.send("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}",
                           "PUT /api/v1/visits/[id]/photos/[id]", fields, files)
        if status in (200, 201):
            acknowledge({"kind": "photo", "id": photo_id, "visit": visit_id,
                         "sha256": hashlib.sha256(data).hexdigest(), "user": self.username})
        return status

    # --- the outbox ---------------------------------------------------------------------------------------

    @task
    def drain_one_visit(self) -> None:
        now = datetime.now(UTC)
        visit_id = str(uuid.uuid4())
        body = {
            "merchant_id": self.merchant_id, "kind": "marketing", "started_at": iso(now - timedelta(minutes=5)),
            "squad": {"lead": self.username, "support": None, "observer": None},
            "checkin": {"lat": ACCOUNTS["lat"], "lon": ACCOUNTS["lon"], "accuracy_m": 12,
                        "captured_at": iso(now - timedelta(minutes=4))},
            "outcome": {"effective": True, "deals": ["credit_card"], "next_step": "下周再来"},
            "notes": {"lead": "压测"},
        }
        if self.put_visit(visit_id, body) not in (200, 201):
            return
        for index in range(random.randint(1, 3)):
            photo_id = str(uuid.uuid4())
            data = PHOTOS[next(_next_photo) % len(PHOTOS)].read_bytes()
            captured = iso(now - timedelta(minutes=3, seconds=index))
            if random.random() < 0.1:
                # Two copies of one photo at once (a page and the service worker both replaying).
                twin = gevent.spawn(self.put_photo, visit_id, photo_id, data, captured)
                self.put_photo(visit_id, photo_id, data, captured)
                twin.join()
            else:
                self.put_photo(visit_id, photo_id, data, captured)
            self.sent.append((visit_id, photo_id, data, {"captured": captured}))
        if self.sent and random.random() < 0.2:
            # A lost acknowledgement: the same item again, answered 200 with nothing new stored.
            old_visit, old_photo, old_data, extra = random.choice(self.sent[-20:])
            assert extra is not None
            self.put_photo(old_visit, old_photo, old_data, extra["captured"])
        del self.sent[:-50]


@events.test_start.add_listener
def _mark_start(environment: Any, **_kwargs: Any) -> None:
    acknowledge({"kind": "start", "at": time.time()})
