"""A second writer that must not wait for the first one's transaction: the tests of locks held only at commit."""
from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from webapp.extensions import db


def postgres_only(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock serialises writers whatever the rows: the PostgreSQL pass runs it")


def assert_commits_while_open(app: Flask, write: Callable[[], None]) -> None:
    """Run `write` and commit it in another thread and session, while the caller's transaction stays open. A row
    or advisory lock the caller holds until its commit would make it fail with lock_timeout (3 s)."""
    outcome: list[BaseException | str] = []

    def second_writer() -> None:
        try:
            with app.app_context():
                db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
                write()
                db.session.commit()
                outcome.append("committed")
        except BaseException as error:  # the assertion below shows it
            outcome.append(error)

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(30)
    assert outcome == ["committed"], outcome
