"""A backup restored into an empty installation has every visit, photo and held photo, with their files;
a damaged or partial backup, or a database that is not empty, is refused."""
from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from tests import photo_samples as samples
from tests.conftest import base_test_config, login_client, postgres_url
from tests.factories import World
from tests.test_api_visit_writes import good_body, put
from tests.visit_helpers import new_id, now_iso
from webapp import create_app
from webapp.extensions import db
from webapp.models import HeldPhoto, Photo, Visit
from webapp.photos.store import photo_names, photo_store


def upload(user: Any, visit_id: str, photo_id: str, data: bytes) -> Any:
    form = {"file": (io.BytesIO(data), "p.jpg"), "category": "premises", "captured_at": now_iso(-60)}
    return user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=form,
                    content_type="multipart/form-data")


@pytest.fixture
def empty_install(tmp_path: Path) -> Iterator[Flask]:
    """A second installation: a new database (SQLite file or PostgreSQL database) and a new photo store."""
    url = postgres_url()
    if url is None:
        target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield create_app(base_test_config(tmp_path / "restored", target))
        return
    name = f"xw_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    restored = sa.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database=name)
    app = create_app(base_test_config(tmp_path / "restored", restored.render_as_string(hide_password=False)))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_a_backup_restores_into_an_empty_install_with_every_visit_and_photo(
    app: Flask, world: World, login: Any, tmp_path: Path, empty_install: Flask
) -> None:
    mgr1 = login("mgr1")
    visits, photos = [new_id(), new_id()], []
    for index, vid in enumerate(visits):
        assert put(mgr1, vid, good_body(world)).status_code == 201
        for seed in range(2):
            pid = new_id()
            assert upload(mgr1, vid, pid, samples.jpeg_bytes(samples.shop_scene(index * 10 + seed))).status_code == 201
            photos.append(pid)
    held = new_id()
    assert upload(mgr1, new_id(), held, samples.jpeg_bytes(samples.shop_scene(99))).status_code == 202

    created = run(app, "backup", "create", str(tmp_path / "backups"))
    assert created.exit_code == 0, created.output
    report = json.loads(created.output)
    folder = Path(report["backup"])
    assert report["files"] == len(photos) * 3 + 1 and report["rows"]["visit"] == 2
    assert json.loads((folder / "manifest.json").read_text())["counts"]["photo"] == 4

    restored = run(empty_install, "backup", "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    with empty_install.app_context():
        assert sorted(db.session.scalars(sa.select(Visit.id))) == sorted(visits)
        assert sorted(db.session.scalars(sa.select(Photo.id))) == sorted(photos)
        store = photo_store()
        for photo in db.session.scalars(sa.select(Photo)):
            for name in photo_names(photo.storage_key):
                assert store.get(name)[:3] == b"\xff\xd8\xff"
        held_row = db.session.get(HeldPhoto, held)
        assert held_row is not None and store.get(held_row.storage_name)
    # The restored install serves the photos to the same people.
    with empty_install.app_context():
        db.session.remove()
    client = login_client(empty_install, "mgr1")
    with client.get(f"/photos/{photos[0]}/display.jpg") as served:
        assert served.status_code == 200

    again = empty_install.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert again.exit_code != 0 and "not empty" in again.output


def test_a_damaged_or_unfinished_backup_is_refused(
    app: Flask, world: World, login: Any, tmp_path: Path, empty_install: Flask
) -> None:
    mgr1 = login("mgr1")
    vid = new_id()
    assert put(mgr1, vid, good_body(world)).status_code == 201
    assert upload(mgr1, vid, new_id(), samples.jpeg_bytes(samples.shop_scene(5))).status_code == 201
    folder = Path(json.loads(run(app, "backup", "create", str(tmp_path / "b")).output)["backup"])
    victim = next((folder / "photos").rglob("*-thumb.jpg"))
    victim.write_bytes(b"not the photo")
    damaged = empty_install.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert damaged.exit_code != 0 and "damaged" in damaged.output
    (folder / "manifest.json").unlink()
    unfinished = empty_install.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert unfinished.exit_code != 0 and "manifest" in unfinished.output
    with empty_install.app_context():
        assert not sa.inspect(db.engine).get_table_names()
