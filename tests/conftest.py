"""Fixtures: the app from the factory on a fresh database, logged-in clients, and a small world of people.

The database is SQLite in a temporary file, or PostgreSQL when TEST_DATABASE_URL is set (and
DB_BACKEND is not 'sqlite'): the schema is created once per run there and emptied between tests.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.api_helpers import good_body, put
from tests.factories import World, build_world
from tests.servers import redis_server, seaweed  # noqa: F401 - session fixtures: real SeaweedFS and Redis
from tests.visit_helpers import new_id
from webapp import create_app
from webapp.extensions import db

PASSWORD = "fieldwork-demo"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "webapp" / "translations"


def compile_translations(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile each catalogue whose .mo is missing or older than its .po (as ``make translations`` does), so a
    bare ``pytest`` in a fresh checkout tests the Chinese pages too. Returns the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=True)
        written.append(mo)
    return written


def pytest_sessionstart(session: pytest.Session) -> None:
    compile_translations()


def postgres_url() -> str | None:
    if os.environ.get("DB_BACKEND") == "sqlite":
        return None
    return os.environ.get("TEST_DATABASE_URL") or None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test`'s PostgreSQL pass (XW_DATABASE_TESTS_ONLY=1) runs only the tests that reach a database: through
    the app fixtures (which take the schema), or a module that asks for the database URL itself. The others (pure
    geometry, image processing, deadline arithmetic) ran in the SQLite pass and would only repeat themselves."""
    if postgres_url() is None or not os.environ.get("XW_DATABASE_TESTS_ONLY"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        module = getattr(item, "module", None)
        reaches = "_postgres_schema" in getattr(item, "fixturenames", ()) or hasattr(module, "postgres_url")
        (kept if reaches else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def base_test_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "PHOTO_STORE": str(tmp_path / "photos"),
        "RATELIMIT_ENABLED": False,
        # No tile server in tests: the browser tests serve a blank tile of their own (tests/browser/conftest.py).
        "MAP_TILE_URL": "",
        # Pushes are sent before the request returns, so no thread outlives a test's database.
        "PUSH_SYNC": True,
    }


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str | None]:
    """Create the schema on PostgreSQL once per run, from the models."""
    url = postgres_url()
    if url is None:
        yield None
        return
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield url
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app_config(tmp_path: Path, _postgres_schema: str | None) -> dict[str, Any]:
    url = _postgres_schema or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return base_test_config(tmp_path, url)


@pytest.fixture
def app(app_config: dict[str, Any], _postgres_schema: str | None) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        else:
            _empty_all_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def world(app: Flask) -> World:
    """Branch HZ with sub-branches A1 and A2, their people, and a few merchants in each."""
    with app.app_context():
        built = build_world()
        db.session.commit()
        return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class LoggedIn:
    """A test client logged in as one user, carrying the CSRF token its pages hold."""

    client: FlaskClient
    username: str
    csrf: str

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=payload, **kwargs)

    def htmx_get(self, url: str, **kwargs: Any) -> Any:
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        return self.client.get(url, headers=headers, **kwargs)

    def api(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {"X-CSRFToken": self.csrf, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)


def login_client(app: Flask, username: str, password: str = PASSWORD) -> LoggedIn:
    client = app.test_client()
    page = client.get("/login")
    token = CSRF_META.search(page.get_data(as_text=True))
    assert token, "login page has no csrf meta tag"
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    assert response.status_code == 303, f"login as {username} failed: {response.status_code}"
    home = client.get("/merchants/")
    token = CSRF_META.search(home.get_data(as_text=True))
    assert token
    return LoggedIn(client=client, username=username, csrf=token.group(1))


@pytest.fixture
def login(app: Flask, world: World) -> Any:
    """login('mgr1') -> a LoggedIn client."""
    return lambda username, password=PASSWORD: login_client(app, username, password)


@pytest.fixture
def squad_visit(world: World, login: Any) -> str:
    """mgr1 leads, mgr2 supports, mgr3 observes, at mgr1's merchant."""
    vid = new_id()
    response = put(login("mgr1"), vid, good_body(world, support="mgr2", observer="mgr3"))
    assert response.status_code == 201
    return vid
