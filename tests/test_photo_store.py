"""The photo store's contract, asked of both backends: local files and S3 (a real SeaweedFS started for the run).
The API-level suite over both backends is tests/test_photo_store_api.py."""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploy.stack import Stack, free_port
from tests.servers import s3_config
from webapp.photos.store import (
    LocalPhotoStore,
    MissingFile,
    PhotoStore,
    S3PhotoStore,
    StoreUnavailable,
    new_held_name,
    new_photo_key,
    photo_id_of,
    photo_names,
    store_from_config,
    variant_name,
    write_file_durably,
)

PHOTO_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PhotoStore]:
    if request.param == "local":
        yield LocalPhotoStore(tmp_path / "photos")
    else:
        seaweed: Stack = request.getfixturevalue("seaweed")
        yield store_from_config(s3_config(seaweed))


def test_a_file_put_is_read_back_listed_and_deleted(store: PhotoStore) -> None:
    key = new_photo_key(PHOTO_ID)
    names = photo_names(key)
    for index, name in enumerate(names):
        store.put(name, f"copy {index}".encode())
    assert [store.get(name) for name in names] == [b"copy 0", b"copy 1", b"copy 2"]
    listed = {f.name: f for f in store.list()}
    assert set(listed) == set(names)
    assert listed[names[0]].size == len(b"copy 0")
    assert abs(listed[names[0]].modified - datetime.now(UTC)) < timedelta(minutes=2)
    store.delete(names[0])
    store.delete(names[0])  # twice: still fine
    with pytest.raises(MissingFile):
        store.get(names[0])
    assert {f.name for f in store.list()} == set(names[1:])


def test_every_upload_gets_names_of_its_own(store: PhotoStore) -> None:
    first, second = new_held_name(PHOTO_ID), new_held_name(PHOTO_ID)
    assert first != second and new_photo_key(PHOTO_ID) != new_photo_key(PHOTO_ID)
    store.put(first, b"a")
    store.put(second, b"b")
    assert (store.get(first), store.get(second)) == (b"a", b"b")
    assert photo_id_of(first) == photo_id_of(second) == PHOTO_ID


@pytest.mark.parametrize("name", ["../etc/passwd", "ab/not-a-uuid-display.jpg", f"0f/{PHOTO_ID}-raw.jpg",
                                  f"held/{PHOTO_ID}.exe", "", f"0f/{PHOTO_ID}-display.jpg/../../x"])
def test_names_the_server_never_makes_are_refused(store: PhotoStore, name: str) -> None:
    with pytest.raises(ValueError):
        store.put(name, b"x")
    with pytest.raises(ValueError):
        store.get(name)


def test_old_keys_without_a_random_part_still_resolve() -> None:
    assert variant_name(f"0f/{PHOTO_ID}", "thumb") == f"0f/{PHOTO_ID}-thumb.jpg"
    assert photo_id_of(f"held/{PHOTO_ID}.upload") == PHOTO_ID


def test_the_health_check_passes_on_a_working_store(store: PhotoStore) -> None:
    store.check()


def test_an_unreachable_s3_store_fails_its_health_check() -> None:
    dead = S3PhotoStore(bucket="photos", endpoint_url=f"http://127.0.0.1:{free_port()}", access_key="k",
                        secret_key="s", timeout_s=1)
    with pytest.raises(StoreUnavailable):
        dead.check()


def test_a_local_store_that_cannot_be_written_fails_its_health_check(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable):
        LocalPhotoStore(blocker).check()


def test_local_writes_leave_no_temporary_and_stale_temporaries_are_swept(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    name = new_held_name(PHOTO_ID)
    store.put(name, b"bytes")
    assert [p.name for p in (tmp_path / "held").iterdir()] == [name.split("/")[1]]
    stale = tmp_path / "held" / ".x.upload.0123456789abcdef.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    fresh = tmp_path / "held" / ".y.upload.0123456789abcdef.tmp"
    fresh.write_bytes(b"in progress")
    assert store.remove_stale_temporaries(datetime.now(UTC) - timedelta(hours=1)) == 1
    assert not stale.exists() and fresh.exists()


def test_a_failed_durable_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(_fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_file_durably(tmp_path / "a" / "b.jpg", b"data")
    assert list((tmp_path / "a").iterdir()) == []
