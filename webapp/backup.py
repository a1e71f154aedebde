"""Backups of a whole installation: the database and the photo files its rows name, consistent with each other.

``flask backup create DEST`` writes ``DEST/xiaowei-backup-<time>/``: the database (SQLite's online backup API,
or ``pg_dump`` in one exported snapshot), the files the snapshot's rows name (copied from whichever store is
configured, local or S3), and ``manifest.json`` last, with the SHA-256 of every file: a folder without a
manifest is not a backup.

Why it is consistent: files are written before the rows that name them and never rewritten, so every file a
snapshot names exists when the snapshot is taken. The one thing that can remove such a file afterwards is a
held photo being attached (or expiring) during the backup; a snapshot whose held file vanished is taken again.

``flask backup restore SRC`` puts a backup into an empty installation (a new SQLite file or an empty
PostgreSQL database, any photo store), checks every file against the manifest and reports what it restored.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.photos.store import (
    HELD_PREFIX,
    MissingFile,
    photo_names,
    photo_store,
    write_file_durably,
)

FORMAT = 1
ATTEMPTS = 3
_REFERENCED = ("SELECT storage_key FROM photo",
               "SELECT storage_name FROM held_photo WHERE state IN ('held', 'rejected')")


class BackupError(RuntimeError):
    """The backup or restore cannot be made; the message says why."""


@dataclass(frozen=True)
class Summary:
    folder: Path
    dialect: str
    files: int
    counts: dict[str, int]


def _names_from_rows(keys: list[str], held: list[str]) -> list[str]:
    names = [name for key in keys for name in photo_names(key)]
    return sorted(set(names) | set(held))


def _count_rows(execute: Any) -> dict[str, int]:
    counts = {}
    for table in ("visit", "photo", "held_photo", "user", "merchant"):
        counts[table] = int(execute(f'SELECT count(*) FROM "{table}"')[0][0])
    return counts


def _database_url() -> sa.engine.URL:
    return db.engine.url


def _libpq_url(url: sa.engine.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_snapshot(target: Path) -> tuple[list[str], dict[str, int]]:
    source_path = _database_url().database
    if not source_path:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent copy even while the app writes
        rows = [r[0] for r in copy.execute(_REFERENCED[0])]
        held = [r[0] for r in copy.execute(_REFERENCED[1])]
        counts = _count_rows(lambda sql: copy.execute(sql).fetchall())
    finally:
        copy.close()
        source.close()
    return _names_from_rows(rows, held), counts


def _postgres_snapshot(target: Path) -> tuple[list[str], dict[str, int]]:
    """pg_dump reads the snapshot this transaction exported, and the file list comes from the same snapshot."""
    import psycopg

    url = _libpq_url(_database_url())
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        dump = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                               f"--snapshot={snapshot[0]}", f"--file={target}", url],
                              capture_output=True, text=True, check=False)
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
        rows = [r[0] for r in connection.execute(_REFERENCED[0]).fetchall()]
        held = [r[0] for r in connection.execute(_REFERENCED[1]).fetchall()]
        counts = _count_rows(lambda sql: connection.execute(sql).fetchall())
        connection.execute("ROLLBACK")
    return _names_from_rows(rows, held), counts


def create_backup(destination: Path) -> Summary:
    """A new backup folder under ``destination``; BackupError if no consistent one could be made."""
    dialect = db.engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup method for {dialect}")
    db.session.remove()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = destination / f"xiaowei-backup-{stamp}"
    if folder.exists():
        raise BackupError(f"{folder} exists already")
    database_file = "database.sqlite3" if dialect == "sqlite" else "database.pgdump"
    store = photo_store()
    for _attempt in range(ATTEMPTS):
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "photos").mkdir(parents=True)
        snapshot = _sqlite_snapshot if dialect == "sqlite" else _postgres_snapshot
        names, counts = snapshot(folder / database_file)
        digests: dict[str, str] = {}
        vanished: list[str] = []
        for name in names:
            try:
                data = store.get(name)
            except MissingFile:
                vanished.append(name)
                continue
            write_file_durably(folder / "photos" / name, data)
            digests[name] = hashlib.sha256(data).hexdigest()
        if vanished and all(name.startswith(HELD_PREFIX) for name in vanished):
            continue  # a held photo was attached or expired meanwhile: take the snapshot again
        if vanished:
            shutil.rmtree(folder, ignore_errors=True)
            raise BackupError(f"{len(vanished)} files named by rows are missing from the store, "
                              f"for example {vanished[0]}")
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "dialect": dialect,
                    "database": database_file, "store": store.description, "counts": counts, "files": digests}
        write_file_durably(folder / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        return Summary(folder, dialect, len(digests), counts)
    shutil.rmtree(folder, ignore_errors=True)
    raise BackupError("held photos kept changing during the backup; try again")


def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / "manifest.json"
    if not path.exists():
        raise BackupError(f"{source} has no manifest.json: not a complete backup")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        data_path = source / "photos" / name
        if not data_path.is_file() or hashlib.sha256(data_path.read_bytes()).hexdigest() != digest:
            raise BackupError(f"{name} is missing or damaged in the backup")
    return manifest


def _database_is_empty() -> bool:
    return not sa.inspect(db.engine).get_table_names()


def restore_backup(source: Path) -> Summary:
    """Restore into this (empty) installation; BackupError if it is not empty or the backup is damaged."""
    manifest = _read_manifest(source)
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"a {manifest['dialect']} backup cannot be restored into {dialect}")
    db.session.remove()
    if not _database_is_empty():
        raise BackupError("the database is not empty: restore into a new installation")
    dump = source / manifest["database"]
    if dialect == "sqlite":
        target = _database_url().database
        if not target:
            raise BackupError("cannot restore into an in-memory SQLite database")
        db.engine.dispose()
        backup = sqlite3.connect(dump)
        live = sqlite3.connect(target)
        try:
            backup.backup(live)
        finally:
            live.close()
            backup.close()
    else:
        db.engine.dispose()
        restored = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                                   f"--dbname={_libpq_url(_database_url())}", str(dump)],
                                  capture_output=True, text=True, check=False)
        if restored.returncode != 0:
            raise BackupError(f"pg_restore failed: {restored.stderr.strip()}")
    store = photo_store()
    for name in manifest["files"]:
        store.put(name, (source / "photos" / name).read_bytes())
    with db.engine.connect() as connection:
        counts = _count_rows(lambda sql: connection.execute(sa.text(sql)).fetchall())
    if counts != manifest["counts"]:
        raise BackupError(f"restored rows {counts} differ from the backup's {manifest['counts']}")
    current_app.logger.info("restored backup %s", source)
    return Summary(source, dialect, len(manifest["files"]), counts)
