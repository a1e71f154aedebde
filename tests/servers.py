"""Real servers for tests, started on free loopback ports and ended by process id: SeaweedFS (S3), Redis,
gunicorn with the production config (optionally behind nginx). Built on deploy/stack.py, the same launcher
`make serve` and the load benchmark use.

Also a small HTTP client (cookies, CSRF token, multipart) for talking to those servers like a phone does.
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploy.stack import Stack

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One SeaweedFS (`weed mini`) for the whole run; each test takes a bucket of its own."""
    stack = Stack(tmp_path_factory.mktemp("seaweed"), s3=True, redis=False, nginx=False, metrics=False)
    stack.start_seaweed()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("redis"), s3=False, redis=True, nginx=False, metrics=False)
    stack.start_redis()
    yield stack
    stack.stop()


def s3_config(seaweed: Stack) -> dict[str, Any]:
    """App settings for the S3 store on a new, empty bucket."""
    from webapp.photos.store import S3PhotoStore

    bucket = f"t{secrets.token_hex(6)}"
    S3PhotoStore(bucket=bucket, endpoint_url=seaweed.s3_endpoint, access_key="k", secret_key="s").ensure_bucket()
    return {"PHOTO_STORE_BACKEND": "s3", "PHOTO_S3_BUCKET": bucket, "PHOTO_S3_ENDPOINT_URL": seaweed.s3_endpoint,
            "PHOTO_S3_ACCESS_KEY_ID": "k", "PHOTO_S3_SECRET_ACCESS_KEY": "s"}


def flask_env(config: dict[str, Any]) -> dict[str, str]:
    """App settings as the environment variables a server process reads (FLASK_<NAME>, JSON values)."""
    env = {}
    for key, value in config.items():
        if key in ("SQLALCHEMY_DATABASE_URI",):
            env["DATABASE_URL"] = str(value)
        elif key == "SECRET_KEY":
            env["SECRET_KEY"] = str(value)
        elif key != "TESTING":
            env[f"FLASK_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def app_server(folder: Path, config: dict[str, Any], *, nginx: bool = False, workers: int = 1, threads: int = 4,
               extra_env: dict[str, str] | None = None) -> Stack:
    """gunicorn (production config) serving the test's own database and store, optionally behind nginx."""
    env = flask_env(config)
    env.update(extra_env or {})
    stack = Stack(folder, database_url=env.pop("DATABASE_URL"), s3=False, redis=False, nginx=nginx, metrics=False,
                  workers=workers, threads=threads, app_env=env)
    stack.start_app()
    if nginx:
        stack.start_nginx()
    return stack


# --- a phone's HTTP client -------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Phone:
    """Cookies, the session's CSRF token, JSON and multipart: what the outbox sends."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = 30) -> Answer:
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return Answer(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def login(self, username: str, password: str = "fieldwork-demo") -> Answer:
        page = self.request("GET", "/login").body.decode()
        token = CSRF_META.search(page)
        assert token, "no CSRF token on the login page"
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token.group(1)})
        answer = self.request("POST", "/login", form.encode(),
                              {"Content-Type": "application/x-www-form-urlencoded"})
        if answer.status == 303:
            session = self.request("GET", "/sync/session").json()
            self.csrf = session["csrf_token"]
        return answer

    def put_json(self, path: str, payload: Any) -> Answer:
        return self.request("PUT", path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json", "X-CSRFToken": self.csrf})

    def put_photo(self, visit_id: str, photo_id: str, data: bytes, fields: dict[str, str]) -> Answer:
        body, content_type = multipart(fields, data)
        return self.request("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", body,
                            {"Content-Type": content_type, "X-CSRFToken": self.csrf})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def multipart(fields: dict[str, str], data: bytes, filename: str = "photo.jpg") -> tuple[bytes, str]:
    boundary = f"----xw{secrets.token_hex(12)}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def raw_request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


def open_socket(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def read_status(sock: socket.socket) -> int:
    """The status code of the answer on a raw socket (0 when the server closed without one)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return 0
        data += chunk
    return int(data.split(b" ", 2)[1])
