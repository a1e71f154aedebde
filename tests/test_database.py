"""Database behaviour the app relies on: SQLite's pragmas, write transactions that lock early, the dialect.

Why BEGIN IMMEDIATE: in WAL mode a transaction that starts as a reader and writes later fails with
"database is locked" when another writer committed in between, and the busy timeout cannot help it.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import base_test_config, login_client, postgres_url
from tests.factories import build_world
from webapp import create_app
from webapp.database import immediate_transactions
from webapp.extensions import db

WORKERS = 4
INCREMENTS = 25

counter = sa.Table(
    "test_counter",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    """Always SQLite in a file, whatever the run's backend: these are SQLite's own rules."""
    app = create_app(base_test_config(tmp_path, f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    with app.app_context():
        db.create_all()
        counter.create(db.engine)
        with db.engine.begin() as conn:
            conn.execute(counter.insert().values(id=1, value=0))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _read(conn: sa.Connection) -> int:
    return conn.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar_one()


def _write(conn: sa.Connection, value: int) -> None:
    conn.execute(counter.update().where(counter.c.id == 1).values(value=value))


def test_sqlite_pragmas_hold_on_every_connection(sqlite_app: Flask) -> None:
    with sqlite_app.app_context(), db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_foreign_keys_are_enforced(sqlite_app: Flask) -> None:
    with sqlite_app.app_context(), db.engine.connect() as conn, \
            pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
        conn.exec_driver_sql("INSERT INTO team (sub_branch_id, name) VALUES (999, 'nowhere')")


def test_requests_that_write_begin_immediate(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        build_world()
        db.session.commit()
        engine = db.engine
    begins: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.upper().startswith("BEGIN"):
            begins.append(statement)

    user = login_client(sqlite_app, "mgr1")
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert user.get("/merchants/").status_code == 200
        reads = list(begins)
        begins.clear()
        assert user.post("/language", {"lang": "en", "next": "/merchants/"}).status_code == 303
        writes = list(begins)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert reads and set(reads) == {"BEGIN"}
    assert writes and set(writes) == {"BEGIN IMMEDIATE"}


def test_plain_begin_fails_to_write_after_a_concurrent_commit(sqlite_app: Flask) -> None:
    """The failure BEGIN IMMEDIATE exists for, reproduced in order rather than by racing threads."""
    with sqlite_app.app_context(), db.engine.connect() as reader:
        transaction = reader.begin()
        value = _read(reader)
        with immediate_transactions(), db.engine.connect() as writer, writer.begin():
            _write(writer, value + 1)
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            _write(reader, value + 1)
        transaction.rollback()


def test_begin_immediate_takes_the_write_lock_up_front(sqlite_app: Flask, tmp_path: Path) -> None:
    """A second writer waits at its BEGIN, before it has read anything that could go stale."""
    with sqlite_app.app_context(), immediate_transactions(), db.engine.connect() as first:
        transaction = first.begin()
        other = sqlite3.connect(tmp_path / "app.sqlite3", timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT value FROM test_counter").fetchone() == (0,)  # readers go on
        finally:
            other.close()
        _write(first, _read(first) + 1)
        transaction.commit()


def test_concurrent_read_then_write_transactions_all_succeed(sqlite_app: Flask) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def increment_many() -> None:
        with sqlite_app.app_context(), immediate_transactions():
            start.wait()
            for _ in range(INCREMENTS):
                try:
                    value = db.session.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar_one()
                    db.session.execute(counter.update().where(counter.c.id == 1).values(value=value + 1))
                    db.session.commit()
                except sa.exc.SQLAlchemyError as error:  # recorded, so the assertion shows what went wrong
                    db.session.rollback()
                    errors.append(error)
            db.session.remove()

    threads = [threading.Thread(target=increment_many, name=f"writer-{n}") for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    with sqlite_app.app_context(), db.engine.connect() as conn:
        assert _read(conn) == WORKERS * INCREMENTS


def test_healthz_names_the_database_in_use(client: FlaskClient) -> None:
    """On the PostgreSQL pass this proves the suite really ran there, not on a fallback SQLite."""
    response = client.get("/healthz")
    assert response.status_code == 200
    expected = "postgresql" if postgres_url() else "sqlite"
    assert response.get_json() == {"status": "ok", "database": "ok", "dialect": expected}
