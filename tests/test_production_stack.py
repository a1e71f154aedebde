"""The production stack as an operator runs it (deploy/stack.py: nginx, gunicorn gthread, Redis, SeaweedFS,
the metrics exporter), smoke-tested end to end; and shared state: two app servers, one Redis, one throttle."""
from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path
from typing import Any

from flask import Flask, url_for

from deploy.stack import Stack
from tests import photo_samples as samples
from tests.factories import World
from tests.servers import (
    Phone,
    app_server,
    multipart,
    open_socket,
    raw_request_head,
    s3_config,
)
from tests.test_api_visit_writes import good_body
from tests.visit_helpers import new_id, now_iso
from webapp.static_prepared import minified


def test_the_production_stack_serves_a_phone_end_to_end(
    app: Flask, app_config: dict[str, Any], world: World, tmp_path: Path, redis_server: Stack, seaweed: Stack
) -> None:
    config = {**app_config, **s3_config(seaweed), "REDIS_URL": redis_server.redis_url, "PROXY_FIX_X_FOR": 1,
              "PROXY_FIX_X_PROTO": 1, "LOG_FORMAT": "json"}
    stack = app_server(tmp_path / "stack", config, nginx=True, workers=2, threads=4)
    try:
        phone = Phone(stack.url)
        health = phone.request("GET", "/healthz")
        assert health.status == 200 and health.json() == {"status": "ok", "database": "ok", "store": "ok",
                                                          "dialect": health.json()["dialect"]}
        request_id = health.headers["X-Request-Id"]
        assert len(request_id) >= 16

        page = phone.request("GET", "/login", headers={"Accept-Encoding": "gzip"})
        assert page.headers.get("Content-Encoding") == "gzip" and b"csrf-token" in gzip.decompress(page.body)
        static = phone.request("GET", "/static/css/app.css", headers={"Accept-Encoding": "gzip"})
        assert static.status == 200 and static.headers.get("Content-Encoding") == "gzip"
        assert static.headers["Cache-Control"] == "no-cache"
        # The content-hashed name the pages use (webapp/static_assets.py): kept for a year, the same bytes.
        with app.test_request_context():
            hashed = url_for("static", filename="css/app.css")
        assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", hashed)
        named = phone.request("GET", hashed)
        assert named.status == 200 and named.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # ... as sent by the app: minified (webapp/static_prepared.py), the same style sheet.
        source = (Path(app.static_folder or "static") / "css" / "app.css").read_text(encoding="utf-8")
        assert named.body == minified("css/app.css", source).encode("utf-8")
        stale = phone.request("GET", "/static/css/app.0123456789ab.css")  # no version of the file
        assert stale.status == 404 and "immutable" not in stale.headers.get("Cache-Control", "")
        assert "immutable" not in phone.request("GET", "/static/css/app.css?v=0123abcd").headers["Cache-Control"]
        assert phone.request("GET", "/metrics").status == 404  # metrics never leave the machine through nginx

        assert phone.login("mgr1").status == 303
        vid, pid = new_id(), new_id()
        assert phone.put_json(f"/api/v1/visits/{vid}", good_body(world)).status == 201
        data = samples.jpeg_bytes(samples.shop_scene(1, (1600, 1200)))
        fields = {"category": "premises", "captured_at": now_iso(-60)}
        assert phone.put_photo(vid, pid, data, fields).status == 201
        assert phone.put_photo(vid, pid, data, fields).status == 200
        served = phone.request("GET", f"/photos/{pid}/display.jpg")
        assert served.status == 200 and served.body[:3] == b"\xff\xd8\xff"

        # Phones that stall half-way are held by nginx, not by the app: everyone else is served at once.
        body, content_type = multipart(fields, data)
        stalled = []
        for _ in range(12):
            sock = open_socket(stack.url)
            sock.sendall(raw_request_head("PUT", f"/api/v1/visits/{vid}/photos/{new_id()}", {
                "Content-Type": content_type, "Content-Length": str(len(body))}) + body[: len(body) // 3])
            stalled.append(sock)
        started = time.monotonic()
        assert phone.request("GET", "/healthz", timeout=60).status == 200
        # Had they reached gunicorn's 8 threads, this would wait for the app's 30 s body timeout.
        assert time.monotonic() - started < 15
        for sock in stalled:
            sock.close()

        logged = [json.loads(line) for line in stack.log("gunicorn").read_text().splitlines()
                  if line.startswith("{")]
        assert any(entry.get("request_id") == request_id and entry.get("path") == "/healthz" for entry in logged)
        assert all("?" not in str(entry.get("path", "")) for entry in logged)
        nginx_lines = [json.loads(line) for line in stack.log("nginx-access").read_text().splitlines()]
        assert any(entry["request_id"] == request_id for entry in nginx_lines)
    finally:
        stack.stop()


def test_two_app_servers_share_one_login_throttle_in_redis(
    app: Flask, app_config: dict[str, Any], world: World, tmp_path: Path, redis_server: Stack
) -> None:
    # The account's failure limit (webapp.auth.throttle): the fourth failure uses it up, and from then on the
    # account refuses every attempt, the right password too. The address limit stays out of the way.
    config = {**app_config, "REDIS_URL": redis_server.redis_url, "RATELIMIT_ENABLED": True,
              "LOGIN_ACCOUNT_FAILURE_LIMIT": "4 per minute", "LOGIN_ADDRESS_FAILURE_LIMIT": "1000 per minute",
              "RATELIMIT_KEY_PREFIX": f"t{new_id()[:8]}"}
    first = app_server(tmp_path / "one", config)
    second = app_server(tmp_path / "two", config)
    try:
        phones = [Phone(first.url), Phone(second.url)]
        statuses = [phones[i % 2].login("mgr1", "wrong password").status for i in range(4)]
        assert statuses == [401, 401, 401, 429]  # the fourth attempt, on either server, is over the limit
        assert Phone(first.url).login("mgr1").status == 429
    finally:
        first.stop()
        second.stop()
