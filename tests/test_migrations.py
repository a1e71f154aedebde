"""The Alembic migrations build exactly the models' schema, and the demo seed is safe to run twice.

`make run` creates its database with `flask db upgrade`, while the other tests use `create_all()`: if a
model changes without a migration, only this test notices before a deployed database does.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from tests.conftest import PASSWORD, base_test_config, postgres_url
from webapp import create_app
from webapp.config import normalise_database_url
from webapp.demo.seed import DEMO_USERS
from webapp.extensions import db
from webapp.models import Merchant, User

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BACKENDS = ("sqlite", "postgresql")


def _run_cli(app: Flask, *args: str) -> str:
    """A `flask` command in-process; migrations/env.py's fileConfig would otherwise disable the run's loggers."""
    with mock.patch("logging.config.fileConfig"):
        result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None, result.output
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def throwaway_postgres() -> Iterator[str]:
    """A database of its own on the test server: the session-wide schema of tests/conftest.py stays untouched."""
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL runs when TEST_DATABASE_URL is set and DB_BACKEND is not 'sqlite'")
    server_url = sa.make_url(normalise_database_url(url))
    name = f"xw_migrations_{os.getpid()}"
    admin = sa.create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield server_url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database with nothing created yet: the migrations must do it all."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    else:
        url = request.getfixturevalue("throwaway_postgres")
    app = create_app(base_test_config(tmp_path, url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_upgrade_builds_exactly_the_models_schema(fresh_app: Flask) -> None:
    _run_cli(fresh_app, "db", "upgrade")
    with fresh_app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, "render_as_batch": True}
        )
        differences: list[Any] = compare_metadata(context, db.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert not differences, "models and migrations differ (write a migration):\n" + "\n".join(
        _describe(d) for d in differences
    )
    assert {t.name for t in db.metadata.sorted_tables} | {"alembic_version"} == tables


def _describe(difference: Any) -> str:
    """One line per autogenerate difference, naming the table and column rather than dumping reprs."""
    if isinstance(difference, list):  # column modifications come as a list of tuples
        return "; ".join(_describe(item) for item in difference)
    operation, *details = difference
    names = [getattr(d, "name", None) or (d if isinstance(d, str) else None) for d in details]
    return f"{operation}: {' '.join(str(n) for n in names if n)}"


def _log_in(app: Flask, username: str, password: str) -> int:
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token, "the login page has no CSRF token"
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    return response.status_code


def test_seed_demo_creates_the_demo_once(fresh_app: Flask) -> None:
    _run_cli(fresh_app, "db", "upgrade")
    first = _run_cli(fresh_app, "seed-demo")
    with fresh_app.app_context():
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        merchants = db.session.scalar(sa.select(sa.func.count()).select_from(Merchant))
        db.session.remove()

    second = _run_cli(fresh_app, "seed-demo")

    assert "created" in first.lower()
    assert "already present" in second.lower()
    with fresh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Merchant)) == merchants
        db.session.remove()
    assert users == len(DEMO_USERS)
    assert merchants is not None and merchants >= 300
    usernames = {"admin", "lead1", "reviewer1", *(f"mgr{n}" for n in range(1, 10))}
    assert usernames <= {u[0] for u in DEMO_USERS}
    for username in sorted(usernames):
        assert _log_in(fresh_app, username, PASSWORD) == 303, f"{username} cannot log in with the demo password"
    assert _log_in(fresh_app, "mgr1", "not-the-password") == 401
