"""The production stack on one machine without containers: nginx -> gunicorn (gthread) -> the app, with Redis
for shared state, SeaweedFS as the S3 photo store, and the Prometheus exporter, all bound to loopback.

Used by `make serve` (python -m deploy.stack serve), the load benchmark (bench/load_serving.py) and the
tests that need real servers (tests/servers.py). Every process is a child of this one, on free ports, with
its files under one folder; ``stop()`` ends them by their process ids.

The database is DATABASE_URL (PostgreSQL) or a SQLite file in the stack's folder; it is migrated on start.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NGINX_DIR = ROOT / "deploy" / "nginx"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, with_grpc: bool = False) -> int:
    """A free loopback port (and, for SeaweedFS, port + 10000 free as well: its gRPC twin)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if not with_grpc:
            return port
        if port < 55000 and port_is_free(port + 10000):
            return port
    raise RuntimeError("no free port pair found")


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, process: subprocess.Popen[bytes] | None = None,
               log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {process.returncode}\n{tail}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} not ready after {timeout_s} s\n{tail}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(200 <= answer.status < 500)
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def tcp_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Stack:
    """One local production stack. Call start(); stop() or kill_all() end every process it started."""

    folder: Path
    database_url: str | None = None
    s3: bool = True
    redis: bool = True
    nginx: bool = True
    metrics: bool = True
    workers: int | None = None
    threads: int | None = None
    upload_slots: int | None = None  # photo uploads at once through nginx (default: one more than the cores)
    app_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    bucket: str = "photos"
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "logs").mkdir(exist_ok=True)
        (self.folder / "metrics").mkdir(exist_ok=True)  # before any app process imports prometheus_client

    # --- addresses ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where a phone talks to: nginx, or gunicorn itself when the stack runs without nginx."""
        port = self.ports["nginx"] if self.nginx else self.ports["app"]
        return f"http://127.0.0.1:{port}"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['app']}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{self.folder / 'fieldwork.sqlite3'}"

    def log(self, name: str) -> Path:
        return self.folder / "logs" / f"{name}.log"

    # --- the services -------------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        handle = open(self.log(name), "ab")  # noqa: SIM115 - the child keeps it open
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                   start_new_session=True)
        handle.close()
        self.processes[name] = process
        return process

    def start_redis(self) -> None:
        port = self.ports.setdefault("redis", free_port())
        data = self.folder / "redis"
        data.mkdir(exist_ok=True)
        process = self._spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                        "--save", "", "--appendonly", "no", "--dir", str(data)])
        wait_until(lambda: tcp_open(port), 15, "redis-server", process, self.log("redis"))

    def start_seaweed(self) -> None:
        ports = {name: self.ports.get(name) or free_port(with_grpc=True)
                 for name in ("s3", "master", "volume", "filer", "weed_admin")}
        self.ports.update(ports)
        data = self.folder / "seaweed"
        data.mkdir(exist_ok=True)
        weed = shutil.which("weed", path=str(VENV_BIN)) or shutil.which("weed") or "weed"
        process = self._spawn("seaweed", [
            weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.port={ports['s3']}", f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}", f"-admin.port={ports['weed_admin']}", "-admin.ui=false",
            "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0"])
        wait_until(lambda: http_ok(self.s3_endpoint + "/"), 60, "SeaweedFS", process, self.log("seaweed"))
        from webapp.photos.store import S3PhotoStore

        store = S3PhotoStore(bucket=self.bucket, endpoint_url=self.s3_endpoint, access_key="xiaowei",
                             secret_key="xiaowei-local")
        wait_until(lambda: _try(store.ensure_bucket), 30, "the S3 bucket", process, self.log("seaweed"))

    def environment(self) -> dict[str, str]:
        """What every app process (gunicorn, the exporter, flask commands) gets."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "XW_"))}
        env.update({
            "DATABASE_URL": self.database_url or self.sqlite_url,
            "SECRET_KEY": (self.folder / "secret_key").read_text().strip() if (self.folder / "secret_key").exists()
            else _new_secret(self.folder / "secret_key"),
            "FLASK_APP": "webapp",
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "metrics"),
            "FLASK_LOG_FORMAT": "json",
            "FLASK_SESSION_COOKIE_SECURE": "false",  # plain http on loopback; a real site is https only
            "FLASK_PROXY_FIX_X_FOR": "1" if self.nginx else "0",
            "FLASK_PROXY_FIX_X_PROTO": "1" if self.nginx else "0",
            "FLASK_PHOTO_STORE": str(self.folder / "photos"),
        })
        if self.s3:
            env.update({"FLASK_PHOTO_STORE_BACKEND": "s3", "FLASK_PHOTO_S3_BUCKET": self.bucket,
                        "FLASK_PHOTO_S3_ENDPOINT_URL": self.s3_endpoint, "FLASK_PHOTO_S3_ACCESS_KEY_ID": "xiaowei",
                        "FLASK_PHOTO_S3_SECRET_ACCESS_KEY": "xiaowei-local"})
        if self.redis:
            env["FLASK_REDIS_URL"] = self.redis_url
        env.update(self.app_env)
        return env

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(VENV_BIN / "flask"), *args], env=self.environment(), cwd=ROOT, check=check,
                              capture_output=True, text=True)

    def migrate(self) -> None:
        result = self.flask("db", "upgrade", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"flask db upgrade failed:\n{result.stdout}\n{result.stderr}")

    def start_app(self) -> None:
        port = self.ports.setdefault("app", free_port())
        env = self.environment()
        env["XW_BIND"] = f"127.0.0.1:{port}"
        if self.workers:
            env["XW_WORKERS"] = str(self.workers)
        if self.threads:
            env["XW_THREADS"] = str(self.threads)
        process = self._spawn("gunicorn", [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                              env)
        # Workers import the app in parallel: on a busy 2-core machine that has taken a minute.
        wait_until(lambda: http_ok(self.app_url + "/healthz"), 180, "gunicorn", process, self.log("gunicorn"))

    def start_metrics(self) -> None:
        port = self.ports.setdefault("metrics", free_port())
        process = self._spawn("metrics", [str(VENV_BIN / "flask"), "metrics-serve", "--port", str(port)],
                              self.environment())
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/metrics"), 120, "the metrics exporter", process,
                   self.log("metrics"))

    def nginx_config(self) -> str:
        """The production site's shared files, pointed at this stack's ports and folders."""
        uploads = self.upload_slots or (os.cpu_count() or 1) + 1
        http = (NGINX_DIR / "xiaowei-http.conf").read_text().replace(
            "server 127.0.0.1:8000;", f"server 127.0.0.1:{self.ports['app']};").replace(
            "server 127.0.0.1:8000 max_conns=5;", f"server 127.0.0.1:{self.ports['app']} max_conns={uploads};")
        locations = (NGINX_DIR / "xiaowei-locations.conf").read_text().replace(
            "/srv/xiaowei/app/static/", f"{ROOT / 'static'}/")
        temp = self.folder / "nginx"
        user = "user root root;\n" if os.geteuid() == 0 else ""
        return (f"{user}worker_processes 1;\npid {temp}/nginx.pid;\nerror_log {self.log('nginx-error')} warn;\n"
                f"events {{ worker_connections 2048; }}\n"
                f"http {{\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n"
                f" client_body_temp_path {temp}/body;\n proxy_temp_path {temp}/proxy;\n"
                f" fastcgi_temp_path {temp}/fastcgi;\n uwsgi_temp_path {temp}/uwsgi;\n scgi_temp_path {temp}/scgi;\n"
                f"{http}\n server {{\n  listen 127.0.0.1:{self.ports['nginx']};\n"
                f"  access_log {self.log('nginx-access')} xiaowei_json;\n{locations}\n }}\n}}\n")

    def start_nginx(self) -> None:
        self.ports.setdefault("nginx", free_port())
        (self.folder / "nginx").mkdir(exist_ok=True)
        conf = self.folder / "nginx.conf"
        conf.write_text(self.nginx_config())
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        process = self._spawn("nginx", [nginx, "-e", str(self.log("nginx-error")), "-c", str(conf),
                                        "-g", "daemon off;"])
        wait_until(lambda: http_ok(self.url + "/healthz"), 30, "nginx", process, self.log("nginx-error"))

    def start(self, *, migrate: bool = True) -> Stack:
        if self.redis:
            self.start_redis()
        if self.s3:
            self.start_seaweed()
        if migrate:
            self.migrate()
        self.start_app()
        if self.metrics:
            self.start_metrics()
        if self.nginx:
            self.start_nginx()
        return self

    # --- ending -------------------------------------------------------------------------------------

    def stop(self) -> None:
        """SIGTERM each process group this stack started, then SIGKILL what is left."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)
        self.processes.clear()

    def kill_all(self) -> None:
        """SIGKILL every process of the stack at once (the crash test): no process gets to clean up."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)
        for process in self.processes.values():
            process.wait(10)
        self.processes.clear()
        # gunicorn's workers were in the same process group as their master; nginx's too.


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _try(action: Callable[[], object]) -> bool:
    try:
        action()
    except Exception:
        return False
    return True


def _new_secret(path: Path) -> str:
    key = os.urandom(32).hex()
    path.write_text(key)
    path.chmod(0o600)
    return key


def serve(args: argparse.Namespace) -> None:
    stack = Stack(Path(args.folder), database_url=os.environ.get("DATABASE_URL") or None,
                  workers=args.workers, threads=args.threads)
    if args.port:
        stack.ports["nginx"] = args.port
    try:
        stack.start()
        seeded = stack.flask("seed-demo", check=False)
        print(seeded.stdout.strip())
        print(f"小微外勤 production stack on {stack.url} (nginx -> gunicorn on {stack.app_url}; "
              f"S3 {stack.s3_endpoint}; {stack.redis_url}; metrics http://127.0.0.1:{stack.ports['metrics']}/metrics)")
        print(f"logs in {stack.folder / 'logs'}; Ctrl-C stops everything")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("a process of the stack exited; stopping", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the stack until Ctrl-C")
    run.add_argument("--folder", default=str(ROOT / "instance" / "stack"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")) or 8080)
    run.add_argument("--workers", type=int, default=None)
    run.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args)


if __name__ == "__main__":
    main()
