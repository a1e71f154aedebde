"""Where photo files live, behind one interface: local files (the default) or any S3-compatible store.

Names are made by the server only (``ab/<photo id>.<random>-display.jpg``, ``held/<photo id>.<random>.upload``),
never from a client's file name, and every write gets a name of its own: two uploads of one photo id never
share (and so never overwrite or steal) a file; the database row says which name won. A name once written is
never rewritten, so a copy anywhere (a browser cache, a backup) stays true.

``put`` returns only when the bytes are durable (local: temporary name, fsync, rename, fsync of the folder;
S3: the PUT was acknowledged with a matching MD5), so a database row that follows never points at nothing.
Files are read through scoped views only (webapp/visits/routes.py ``photo_file``).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

VARIANTS = ("original", "display", "thumb")
HELD_PREFIX = "held/"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# ``ab/<uuid>`` is the key of photos stored before every upload got a name of its own.
_KEY_RE = re.compile(rf"^[0-9a-f]{{2}}/{_UUID}(\.[0-9a-f]{{16}})?$")
_NAME_RE = re.compile(
    rf"^(?:[0-9a-f]{{2}}/{_UUID}(?:\.[0-9a-f]{{16}})?-(?:original|display|thumb)\.jpg"
    rf"|held/{_UUID}(?:\.[0-9a-f]{{16}})?\.upload)$")


class MissingFile(LookupError):
    """The store has no file of this name."""


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or written (health checks report it)."""


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    modified: datetime


def new_photo_key(photo_id: str) -> str:
    """The key of one upload's three copies: the photo id plus a random part of its own."""
    return f"{photo_id[:2]}/{photo_id}.{secrets.token_hex(8)}"


def variant_name(key: str, variant: str) -> str:
    if variant not in VARIANTS or not _KEY_RE.match(key):
        raise ValueError("bad photo key or variant")
    return f"{key}-{variant}.jpg"


def photo_names(key: str) -> list[str]:
    return [variant_name(key, variant) for variant in VARIANTS]


def new_held_name(photo_id: str) -> str:
    """The file of one held upload: two uploads of one id before its visit never share a file."""
    return f"{HELD_PREFIX}{photo_id}.{secrets.token_hex(8)}.upload"


def valid_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def photo_id_of(name: str) -> str | None:
    """The photo id a file name belongs to (for the sweeper), or None for a name the store never makes."""
    match = re.search(_UUID, name)
    return match.group(0) if match and valid_name(name) else None


def _checked(name: str) -> str:
    if not valid_name(name):
        raise ValueError(f"not a photo store name: {name!r}")
    return name


def write_file_durably(path: Path, data: bytes) -> None:
    """Write to a temporary name of its own, fsync, rename, fsync the folder: once this returns the bytes
    survive a power cut, and a reader never sees half a file. The one durable file write of the app."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class PhotoStore(Protocol):
    """What the app needs of a place for files. Names are checked by ``valid_name``."""

    description: str

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...

    def list(self) -> Iterator[StoredFile]: ...

    def remove_stale_temporaries(self, before: datetime) -> int: ...

    def check(self) -> None: ...


class LocalPhotoStore:
    """Files under one folder (``PHOTO_STORE``): the default, and what ``make run`` uses."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.description = f"local:{self.root}"

    def path(self, name: str) -> Path:
        return self.root / _checked(name)

    def put(self, name: str, data: bytes) -> None:
        write_file_durably(self.path(name), data)

    def get(self, name: str) -> bytes:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            raise MissingFile(name) from None

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def list(self) -> Iterator[StoredFile]:
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*")):
            name = path.relative_to(self.root).as_posix()
            if path.is_file() and valid_name(name):
                stat = path.stat()
                yield StoredFile(name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def remove_stale_temporaries(self, before: datetime) -> int:
        """Temporary files of writers killed before their rename."""
        removed = 0
        if not self.root.exists():
            return 0
        for path in self.root.rglob(".*.tmp"):
            if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < before:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def check(self) -> None:
        """Writable and durable: a small probe file written, read back and removed."""
        probe = self.root / ".health" / f"probe-{secrets.token_hex(4)}"
        try:
            write_file_durably(probe, b"ok")
            ok = probe.read_bytes() == b"ok"
            probe.unlink()
        except OSError as error:
            raise StoreUnavailable(str(error)) from error
        if not ok:
            raise StoreUnavailable("probe file read back wrong")


class S3PhotoStore:
    """Objects in one bucket of any S3-compatible store (AWS, MinIO, SeaweedFS, Ceph), through boto3."""

    def __init__(self, *, bucket: str, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = "", access_key: str | None = None, secret_key: str | None = None,
                 timeout_s: float = 10.0) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.description = f"s3:{endpoint_url or 'aws'}/{bucket}/{self.prefix}"
        self.client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or "us-east-1",
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=Config(s3={"addressing_style": "path"}, connect_timeout=timeout_s, read_timeout=timeout_s,
                          retries={"max_attempts": 3, "mode": "standard"}))

    def _key(self, name: str) -> str:
        return self.prefix + _checked(name)

    def put(self, name: str, data: bytes) -> None:
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data, ContentMD5=digest)

    def get(self, name: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except self.client.exceptions.NoSuchKey:
            raise MissingFile(name) from None
        body: bytes = answer["Body"].read()
        return body

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def list(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(self.prefix):]
                if valid_name(name):
                    yield StoredFile(name, int(item["Size"]), item["LastModified"].astimezone(UTC))

    def remove_stale_temporaries(self, before: datetime) -> int:
        """An S3 PUT is all or nothing: there are no temporaries to remove."""
        return 0

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as error:  # botocore raises many kinds; any of them means "not usable now"
            raise StoreUnavailable(str(error)) from error

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (deployment and tests; the app never creates it itself)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception:
            self.client.create_bucket(Bucket=self.bucket)


def store_from_config(config: Any) -> PhotoStore:
    backend = str(config.get("PHOTO_STORE_BACKEND") or "local").lower()
    if backend == "local":
        return LocalPhotoStore(config["PHOTO_STORE"])
    if backend == "s3":
        bucket = config.get("PHOTO_S3_BUCKET")
        if not bucket:
            raise RuntimeError("PHOTO_STORE_BACKEND=s3 needs PHOTO_S3_BUCKET")
        return S3PhotoStore(bucket=bucket, endpoint_url=config.get("PHOTO_S3_ENDPOINT_URL"),
                            region=config.get("PHOTO_S3_REGION"), prefix=config.get("PHOTO_S3_PREFIX") or "",
                            access_key=config.get("PHOTO_S3_ACCESS_KEY_ID"),
                            secret_key=config.get("PHOTO_S3_SECRET_ACCESS_KEY"))
    raise RuntimeError(f"unknown PHOTO_STORE_BACKEND {backend!r} (local or s3)")


def init_photo_store(app: Flask) -> None:
    app.extensions["xw_photo_store"] = store_from_config(app.config)


def photo_store() -> PhotoStore:
    """The app's one store (made once per app: a boto3 client is thread-safe and costly to build)."""
    store: PhotoStore = current_app.extensions["xw_photo_store"]
    return store
