
"""gunicorn for 小微外勤 in production: `gunicorn -c deploy/gunicorn.conf.py`.

Every value can be set from the environment (the systemd unit and the compose file do), so one file serves
a branch server, `make serve` and the load benchmark.

- Workers: two processes per core plus one, each with XW_THREADS (2) threads (gthread): a slow client or a
  photo waiting for the database never idles a whole process, and few threads per process keep the one that
  holds the database's write lock from starving for Python's interpreter lock behind photo decodes (measured
  under load: lock hold times of 0.5-1.4 s with 4 threads per process).
- Uploads: nginx buffers whole request bodies before they reach gunicorn (deploy/nginx/xiaowei.conf); for a
  client that reaches gunicorn directly, the app times out a body that stops arriving (UPLOAD_READ_TIMEOUT_S)
  and answers 400 incomplete_upload.
- Metrics: each worker writes its samples to PROMETHEUS_MULTIPROC_DIR; `flask metrics-serve` exports them.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

cores = os.cpu_count() or 1

wsgi_app = "wsgi:app"
bind = os.environ.get("XW_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("XW_WORKERS") or 2 * cores + 1)
worker_class = "gthread"
threads = int(os.environ.get("XW_THREADS") or 2)
# A request may take this long (a 30 MB photo through the pipeline on a busy machine takes a few seconds).
timeout = int(os.environ.get("XW_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory growth from image libraries), not all at once.
max_requests = int(os.environ.get("XW_MAX_REQUESTS") or 5000)
max_requests_jitter = max_requests // 10
backlog = 512
# Only the local nginx may say who the client is (the app's ProxyFix then trusts one hop).
forwarded_allow_ips = os.environ.get("XW_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one JSON access line per request with its request id; gunicorn's own would repeat it.
accesslog = os.environ.get("XW_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("XW_LOG_LEVEL", "info")
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): several servers of one
# user (tests, `make serve`, the benchmark) would take it from each other. Nothing here uses it.
control_socket_disable = True
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"  # heartbeat files off the disk


def on_starting(server: Any) -> None:
    """A fresh, empty folder for the workers' metric files (stale files would add up old counts)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="xw-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    path = Path(folder)
    if path.exists():
        for child in path.iterdir():
            if child.is_file():
                child.unlink()
            else:
                shutil.rmtree(child)
    path.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
