"""Prometheus metrics: request latency per route, sync outcomes, photo pipeline time, held photos waiting.

Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR and one exporter process
(``flask metrics-serve``, a systemd unit of its own) adds them up; it listens on loopback only, on a port the
nginx site never exposes. A single process (``make run`` with FLASK_METRICS_PORT) serves its own samples from
a thread. The held-photo gauge is read from the database when the exporter is scraped.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "xw_http_request_duration_seconds", "Time from the request reaching the app to its answer, by route.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
SYNC_OUTCOMES = Counter(
    "xw_sync_outcomes_total", "Answers to the phone's outbox writes, by kind and outcome.", ["kind", "outcome"])
PIPELINE_SECONDS = Histogram(
    "xw_photo_pipeline_seconds", "Photo pipeline time (decode, copies, hash, watermark) per photo.",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0))


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(route, method, str(status)).observe(seconds)


def count_sync_outcome(kind: str, outcome: str) -> None:
    SYNC_OUTCOMES.labels(kind, outcome).inc()


def observe_pipeline(seconds: float) -> None:
    PIPELINE_SECONDS.observe(seconds)


class HeldPhotosCollector(Collector):
    """Photos held for visits that have not arrived, and their bytes, read from the database at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from webapp.extensions import db
        from webapp.models import HeldPhoto

        count = GaugeMetricFamily("xw_held_photos", "Photos held on the server waiting for their visit.")
        size = GaugeMetricFamily("xw_held_photo_bytes", "Bytes of the photos held waiting for their visit.")
        try:
            with self.app.app_context():
                number, total = db.session.execute(
                    sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(HeldPhoto.size_bytes), 0))
                    .where(HeldPhoto.state == "held")).one()
                db.session.remove()
        except Exception:
            log.warning("could not count held photos for the metrics", exc_info=True)
            return
        count.add_metric([], float(number))
        size.add_metric([], float(total))
        yield count
        yield size


def metrics_registry(app: Flask) -> CollectorRegistry:
    """Every worker's samples (multiprocess) or this process's own, plus the held-photo gauge."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    registry.register(HeldPhotosCollector(app))
    return registry


def serve_metrics(app: Flask, host: str, port: int) -> Any:
    """Start the exporter's HTTP server in a daemon thread; returns (server, thread)."""
    return start_http_server(port, addr=host, registry=metrics_registry(app))


_started = threading.Lock()
_started_ports: set[int] = set()


def start_in_process_exporter(app: Flask) -> None:
    """For a single-process server (make run): FLASK_METRICS_PORT serves this process's metrics, once."""
    port = int(app.config.get("METRICS_PORT") or 0)
    if not port or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    with _started:
        if port in _started_ports:
            return
        serve_metrics(app, str(app.config.get("METRICS_HOST") or "127.0.0.1"), port)
        _started_ports.add(port)
