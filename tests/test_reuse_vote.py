"""The keypoint index in the database: the vote scores as webapp.photos.reuse_index.rank does, and full keys
(KEY_POSTING_CAP holders, listed in photo_key_full) cast no vote, on SQLite and PostgreSQL.

The vote reads only photo_key and photo_key_full, so these tests write those rows directly, with the foreign
keys to fingerprints and photos left unchecked inside a transaction that is rolled back.
"""
from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask

from webapp.extensions import db
from webapp.models import Photo, PhotoKey, PhotoKeyFull
from webapp.photos.fingerprint import Fingerprint
from webapp.photos.reuse import index_photo, key_candidates
from webapp.photos.reuse_index import KEY_POSTING_CAP, MAX_CANDIDATES, MemoryIndex, rank

BRANCH = 1


@pytest.fixture
def unchecked(app: Flask) -> Iterator[None]:
    """Foreign keys unchecked until the end of the test, which rolls everything back."""
    with app.app_context():
        if db.session.connection().dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            db.session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
        yield
        db.session.rollback()


def asking(probes: list[int], keys: list[int] | None = None) -> Fingerprint:
    empty = np.zeros((0, 2), np.float32)
    return Fingerprint(640, 480, (0.0, 0.0, 1.0, 1.0), empty, np.zeros(0, np.float32), np.zeros(0, np.float32),
                       np.zeros((0, 2), np.uint64), keys=keys or [], probes=sorted(set(probes)))


def store(rows: list[tuple[int, int]], full: Sequence[int] = ()) -> None:
    db.session.add_all(PhotoKey(branch_id=BRANCH, key=key, fingerprint_id=ref) for key, ref in rows)
    db.session.add_all(PhotoKeyFull(branch_id=BRANCH, key=key) for key in full)
    db.session.flush()


def listed_full() -> list[int]:
    return sorted(db.session.scalars(sa.select(PhotoKeyFull.key).where(PhotoKeyFull.branch_id == BRANCH)))


@pytest.mark.parametrize("seed", range(6))
def test_the_database_vote_ranks_as_the_index_rules_do(unchecked: None, seed: int) -> None:
    rng = random.Random(seed)
    rows: set[tuple[int, int]] = set()
    for key in range(40):  # holders from one photo to a full key, over 80 photos
        holders = KEY_POSTING_CAP if key % 7 == 0 else rng.choice([1, 1, 2, 3, 5, 8, 20])
        rows.update((key, ref) for ref in rng.sample(range(1, 81), holders))
    full = sorted({key for key, _ref in rows if sum(1 for k, _r in rows if k == key) >= KEY_POSTING_CAP})
    store(sorted(rows), full)
    probes = rng.sample(range(50), 30)  # some probes answer nothing
    expected = rank(row for row in rows if row[0] in probes)[:MAX_CANDIDATES]
    found = key_candidates(BRANCH, asking(probes))
    assert [ref for ref, _score in found] == [ref for ref, _score in expected]
    assert [score for _ref, score in found] == pytest.approx([score for _ref, score in expected])


def test_a_full_key_casts_no_vote(unchecked: None) -> None:
    """Photo 7 shares a full key and a rare key with the query: one vote, not a candidate. Photo 8 shares two rare
    keys. The memory index (the evaluation's) agrees."""
    full_key = 100
    crowd = [(full_key, ref) for ref in range(7, 7 + KEY_POSTING_CAP)]
    store([*crowd, (101, 7), (102, 8), (103, 8)], [full_key])
    query = asking([full_key, 101, 102, 103])
    assert [ref for ref, _score in key_candidates(BRANCH, query)] == [8]
    memory = MemoryIndex()
    for key, ref in [*crowd, (101, 7), (102, 8), (103, 8)]:
        memory.postings[key].append(ref)
    assert [ref for ref, _score in memory.candidates(query)] == [8]


def photo_row(photo_id: str) -> Photo:
    return Photo(id=photo_id, visit_id=f"visit-{photo_id}", branch_id=BRANCH, uploaded_by_id=1,
                 created_at=datetime(2026, 12, 4, tzinfo=UTC))


def test_the_photo_that_fills_a_key_lists_it_and_a_later_photo_does_not_take_it(unchecked: None) -> None:
    filling, rare = 200, 201
    store([(filling, ref) for ref in range(1000, 1000 + KEY_POSTING_CAP - 1)])
    first = index_photo(photo_row("p1"), asking([], keys=[filling, rare]), merchant_id=1, camera=None,
                        taken_at=datetime(2026, 12, 4, tzinfo=UTC))
    db.session.flush()
    assert listed_full() == [filling]
    second = index_photo(photo_row("p2"), asking([], keys=[filling, rare]), merchant_id=1, camera=None,
                         taken_at=datetime(2026, 12, 4, tzinfo=UTC))
    db.session.flush()
    held = db.session.execute(sa.select(PhotoKey.key, PhotoKey.fingerprint_id)
                              .where(PhotoKey.fingerprint_id.in_([first.id, second.id]))).all()
    assert sorted(held) == sorted([(filling, first.id), (rare, first.id), (rare, second.id)])
    assert listed_full() == [filling]  # listed once, the second photo's listing left as it was


def test_a_key_filled_past_the_cap_unlisted_is_listed_by_the_next_photo(unchecked: None) -> None:
    """Two uploads on PostgreSQL can each count 31 holders and fill a key together without listing it."""
    overfull = 300
    store([(overfull, ref) for ref in range(2000, 2000 + KEY_POSTING_CAP + 1)])
    assert listed_full() == []
    index_photo(photo_row("p3"), asking([], keys=[overfull, 301]), merchant_id=1, camera=None,
                taken_at=datetime(2026, 12, 4, tzinfo=UTC))
    db.session.flush()
    assert listed_full() == [overfull]
