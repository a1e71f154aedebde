"""The app's own serving parts, without a server: compression, forwarded headers, request ids, JSON logs,
the health check of the store, and the metrics an exporter serves."""
from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any
from unittest import mock

import brotli
import pytest
from flask import Flask

from deploy.stack import free_port
from tests.factories import World
from webapp import create_app
from webapp.health.logs import JsonFormatter, RequestIdFilter
from webapp.health.metrics import serve_metrics
from webapp.photos.store import StoreUnavailable


def test_the_app_compresses_text_but_not_photos(app: Flask, world: World, login: Any) -> None:
    client = app.test_client()
    # Static files stream from disk: Flask-Compress compresses streams with brotli (or zstd, deflate).
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate, br"}) as css:
        assert css.headers["Content-Encoding"] == "br" and "Accept-Encoding" in css.headers["Vary"]
        assert b"{" in brotli.decompress(css.get_data())
    photo_like = client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "br"})
    assert photo_like.headers.get("Content-Encoding") is None  # images are not compressed again
    photo_like.close()
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"csrf-token" in gzip.decompress(page.get_data())
    assert client.get("/login").headers.get("Content-Encoding") is None  # only when asked


def test_forwarded_headers_count_only_when_a_proxy_is_configured(app_config: dict[str, Any]) -> None:
    def seen_address(config: dict[str, Any]) -> str:
        probe = create_app(config)

        @probe.get("/_address")
        def _address() -> str:
            from flask import request

            return f"{request.remote_addr} {request.scheme}"

        return probe.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.9",
                                                              "X-Forwarded-Proto": "https"}).get_data(as_text=True)

    assert seen_address(app_config) == "127.0.0.1 http"
    assert seen_address({**app_config, "PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1}) == "203.0.113.9 https"


def test_every_answer_carries_a_request_id(app: Flask) -> None:
    client = app.test_client()
    made = client.get("/healthz").headers["X-Request-Id"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-Id": "abc12345-nginx"}).headers["X-Request-Id"] == \
        "abc12345-nginx"
    assert client.get("/healthz", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"] != "<script>"


def test_json_log_lines_carry_the_request_id_and_extra_fields(app: Flask) -> None:
    formatter, id_filter = JsonFormatter(), RequestIdFilter()
    with app.test_request_context("/x"):
        from flask import g

        g.request_id = "r-123456789"
        record = logging.LogRecord("webapp.access", logging.INFO, __file__, 1, "request", None, None)
        record.status = 201
        id_filter.filter(record)
        entry = json.loads(formatter.format(record))
    assert entry["request_id"] == "r-123456789" and entry["status"] == 201 and entry["level"] == "info"


def test_health_is_503_naming_the_store_when_it_cannot_be_written(app: Flask) -> None:
    with mock.patch("webapp.photos.store.LocalPhotoStore.check", side_effect=StoreUnavailable("read-only")):
        answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["store"] == "unreachable" and answer.get_json()["database"] == "ok"


def test_the_exporter_serves_request_latency_and_the_held_photo_gauge(app: Flask, world: World,
                                                                        login: Any) -> None:
    login("mgr1").get("/today/")
    port = free_port()
    server, thread = serve_metrics(app, "127.0.0.1", port)
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        from prometheus_client import REGISTRY

        for collector in list(REGISTRY._collector_to_names):  # the held-photo collector of this app
            if type(collector).__name__ == "HeldPhotosCollector":
                REGISTRY.unregister(collector)
    assert 'xw_http_request_duration_seconds_count{method="GET",route="/today/",status="200"}' in text
    assert "xw_held_photos 0.0" in text


@pytest.mark.parametrize("path", ["/metrics", "/metrics/"])
def test_the_app_itself_has_no_metrics_route(app: Flask, path: str) -> None:
    assert app.test_client().get(path).status_code == 404


def test_the_nginx_site_never_routes_to_the_metrics() -> None:
    locations = (Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "xiaowei-locations.conf").read_text()
    assert "location = /metrics" in locations and "9464" not in locations.split("location = /metrics")[1][:60]


def test_an_app_process_runs_the_photo_pipeline_on_one_thread() -> None:
    """numpy's OpenBLAS starts a busy-waiting thread per core unless told otherwise before numpy is imported: it
    cost a photo 265 ms of CPU for 160 ms of work, and under load took the cores other requests needed. A
    process that imports the app first (wsgi.py, the CLI) and then fingerprints a photo stays on one thread."""
    script = (
        "import os, webapp\n"
        "from PIL import Image\n"
        "from tests import photo_samples as samples\n"
        "from webapp.photos.fingerprint import fingerprint\n"
        "from webapp.photos.phash import content_box\n"
        "image = samples.shop_scene(3, (1024, 768))\n"
        "fingerprint(image, content_box(image), query=True)\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    answer = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1], env=environment, check=True)
    assert answer.stdout.strip().splitlines()[-1] == "1", answer.stdout + answer.stderr
