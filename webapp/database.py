"""Engine set-up that differs by database: SQLite pragmas and write transactions that lock early.

SQLite in WAL mode with a busy timeout still fails read-then-write transactions under concurrency
("database is locked") when they start as readers and upgrade later; ``BEGIN IMMEDIATE`` takes the
write lock up front and waits in the busy handler instead. Requests that may write (every method but
GET/HEAD/OPTIONS) and CLI commands run their transactions that way.

A view that does heavy work before it writes (the photo upload decodes an image) is marked with
``@explicit_transactions``: its request starts with ordinary transactions, and the view takes the write
lock itself (``immediate_transactions()``) only around its rows, so the lock never covers the heavy part.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import Executable

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_begin_immediate", default=False)
View = TypeVar("View", bound=Callable[..., Any])
EXPLICIT_TRANSACTIONS = "explicit_transactions"
BUSY_TIMEOUT_MS = 5000


def explicit_transactions(view: View) -> View:
    """Mark a view that opens its own write transactions: the request hook leaves BEGIN IMMEDIATE to it."""
    setattr(view, EXPLICIT_TRANSACTIONS, True)
    return view


def uses_explicit_transactions(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, EXPLICIT_TRANSACTIONS, False))


@contextlib.contextmanager
def immediate_transactions() -> Iterator[None]:
    """Within this block, SQLite transactions begin with BEGIN IMMEDIATE (a no-op elsewhere)."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


@contextlib.contextmanager
def deferred_transactions() -> Iterator[None]:
    """Within this block, transactions begin as readers (after a commit: reads that must not wait for
    or fail on the write lock)."""
    token = _immediate.set(False)
    try:
        yield
    finally:
        _immediate.reset(token)


def holds_write_lock() -> bool:
    """Whether transactions begun now take SQLite's write lock up front (a write request outside an
    ``@explicit_transactions`` view, or inside ``immediate_transactions()``)."""
    return _immediate.get()


def write_if_free(engine: Engine, statement: Executable, wait_ms: int) -> bool:
    """Run one statement in a short write transaction of its own, waiting at most ``wait_ms`` for SQLite's
    write lock; False when the database stayed busy. For writes worth less than the request's time."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={int(wait_ms)}")  # type: ignore[union-attr]
        try:
            with immediate_transactions(), connection.begin():
                connection.execute(statement)
            return True
        except OperationalError:
            return False
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # type: ignore[union-attr]


def insert_ignoring(model: Any, values: list[dict[str, Any]], dialect: str) -> Executable:
    """INSERT ... ON CONFLICT DO NOTHING on either database: rows that exist already are left as they are (two
    writers may insert the same row at once on PostgreSQL; SQLite serialises them, and the clause costs nothing)."""
    if dialect == "postgresql":
        return postgresql.insert(model).values(values).on_conflict_do_nothing()
    return sqlite.insert(model).values(values).on_conflict_do_nothing()


def set_immediate(value: bool) -> contextvars.Token[bool]:
    """For request hooks, which cannot wrap the request in a ``with`` block."""
    return _immediate.set(value)


def reset_immediate(token: contextvars.Token[bool]) -> None:
    _immediate.reset(token)


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and transaction control; PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        # 64 MB of page cache (the default is 2 MB): the review queue looks visits up by random id in
        # indexes that outgrow 2 MB at a million visits, and counting then goes to the disk.
        cursor.execute("PRAGMA cache_size=-65536")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")
