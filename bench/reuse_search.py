"""The reuse search against a branch of a million stored photos, on SQLite and on PostgreSQL.

    .venv/bin/python bench/reuse_search.py --database sqlite:///instance/bench-reuse-1m.sqlite3
    .venv/bin/python bench/reuse_search.py --database postgresql://postgres@127.0.0.1:55432/xw_bench_reuse
    make bench-reuse            # SQLite, and PostgreSQL too when BENCH_REUSE_PG is set

Seeds a throwaway database (never the demo's: the file or database is given and must not be the demo's) through
the Alembic migrations, once: `--photos` fingerprints with their keys. A pool of real photos (the evaluation's
generated scenes) is fingerprinted and stored among them; the other rows reuse the pool's fingerprints and get
keys drawn like the pool's (the share of keys the pool's photos have in common is kept, the rest are random),
stored under the same cap per key as the app. Then it times, per query photo (copies of pool photos, and new
photos), the search the upload path runs before any pixel is read: the key look-up and vote (one statement,
the database counts), loading the candidates' fingerprints with it and their keypoint verification
(webapp.photos.reuse.index_rows and webapp.photos.verdict.geometry), and separately the same with the merchant's
latest photos (candidate_rows). It prints medians and the load average (the machine is shared: a busy machine
inflates every figure: the process CPU time of the search is printed beside the wall clock); the pixel check of a confirmed candidate reads two images and does not depend on the
number of stored photos.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from evaluation import photo_copies, photo_scenes  # noqa: E402
from evaluation.photo_scenes import KINDS, Scene, View  # noqa: E402
from webapp.photos.fingerprint import (  # noqa: E402
    KEY_POINTS,
    Fingerprint,
    fingerprint,
    pack,
    unpack,
)
from webapp.photos.phash import content_box  # noqa: E402
from webapp.photos.reuse_index import KEY_POSTING_CAP  # noqa: E402

BRANCH = 1
MERCHANTS = 10_000
BATCH = 20_000
# The keys the seeded photos filled to the cap, as the upload path lists them (webapp.photos.reuse.index_photo).
FULL_KEYS = ("INSERT INTO photo_key_full (branch_id, key) SELECT branch_id, key FROM photo_key GROUP BY branch_id, key"
             f" HAVING count(*) >= {KEY_POSTING_CAP}")


def pool(size: int, queries: int) -> tuple[list[Fingerprint], list[tuple[str, int | None, Fingerprint]]]:
    """Pool photos (stored) and query photos: copies of pool photos (expected: that photo) and new ones."""
    stored, asked = [], []
    rng = random.Random(7)
    for i in range(size):
        image = photo_scenes.photo(Scene(KINDS[i % 4], 50_000 + i, chain=i), View(noise=i), (1024, 768))
        stored.append(fingerprint(image, content_box(image)))
        if i < queries // 2:
            steps = rng.choice(photo_copies.TRANSFORMS)
            copy = photo_copies.apply(image, steps, random.Random(i))
            asked.append((photo_copies.label(steps), i, fingerprint(copy, content_box(copy), query=True)))
    for j in range(queries - len(asked)):
        image = photo_scenes.photo(Scene(KINDS[j % 4], 90_000 + j), View(noise=j + 1), (1024, 768))
        asked.append(("new photo", None, fingerprint(image, content_box(image), query=True)))
    return stored, asked


def key_rows(total: int, pool_fps: list[Fingerprint], pool_at: dict[int, int], seed: int) -> np.ndarray:
    """(key, fingerprint id) for every photo, capped per key as the app stores them, sorted by key."""
    rng = np.random.default_rng(seed)
    pool_keys = [fp.keys for fp in pool_fps]
    every = np.array([k for keys in pool_keys for k in keys[:KEY_POINTS]], dtype=np.int64)
    # The share of a pool photo's keys that another pool photo has too: common corners, common glyphs.
    counts = {k: n for k, n in zip(*np.unique(every, return_counts=True))}
    shared = float(np.mean([np.mean([counts[k] > 1 for k in keys[:KEY_POINTS]]) for keys in pool_keys if keys]))
    holders = np.zeros(1 << 24, dtype=np.uint16)
    out = np.empty((total * KEY_POINTS, 2), dtype=np.int64)
    n = 0
    for ref in range(1, total + 1):
        if ref in pool_at:
            candidates = pool_keys[pool_at[ref]]
        else:
            common = rng.random(KEY_POINTS + 16) < shared
            candidates = np.where(common, rng.choice(every, KEY_POINTS + 16),
                                  rng.integers(0, 1 << 24, KEY_POINTS + 16)).tolist()
        chosen = 0
        for key in dict.fromkeys(candidates):
            if holders[key] < KEY_POSTING_CAP:
                holders[key] += 1
                out[n] = (key, ref)
                n += 1
                chosen += 1
                if chosen == KEY_POINTS:
                    break
    print(f"  keys: {n:,} rows; pool keys shared with another pool photo: {shared:.1%}; "
          f"keys at the cap: {int((holders >= KEY_POSTING_CAP).sum()):,}", flush=True)
    rows = out[:n]
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def seed(engine: sa.Engine, total: int, pool_fps: list[Fingerprint]) -> dict[int, int]:
    """Fill photo_fingerprint, photo_key and photo_key_full (foreign keys off: the photo rows themselves are not
    needed)."""
    rng = random.Random(11)
    positions = rng.sample(range(1, total + 1), len(pool_fps))
    pool_at = {ref: i for i, ref in enumerate(positions)}
    blobs = [pack(fp) for fp in pool_fps]
    # The other rows: the pool's point layouts with random signatures, photos that match nothing asked.
    noise = np.random.default_rng(5)
    strangers = []
    for fp in pool_fps[:64]:
        other = unpack(pack(fp))
        other.signatures = noise.integers(0, np.iinfo(np.uint64).max, other.signatures.shape, dtype=np.uint64,
                                          endpoint=True)
        strangers.append(pack(other))
    now = datetime.now(UTC)
    started = time.monotonic()
    keys = key_rows(total, pool_fps, pool_at, 3)
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
                with cursor.copy("COPY photo_fingerprint (id, photo_id, visit_id, branch_id, merchant_id, "
                                 "uploaded_by_id, taken_at, data, created_at) FROM STDIN") as copy:
                    for ref in range(1, total + 1):
                        blob = blobs[pool_at[ref]] if ref in pool_at else strangers[ref % len(strangers)]
                        copy.write_row((ref, str(uuid.UUID(int=ref)), str(uuid.UUID(int=ref // 3 + 1 << 64)), BRANCH,
                                        ref % MERCHANTS + 1, ref % 900 + 1, now, blob, now))
                with cursor.copy("COPY photo_key (branch_id, key, fingerprint_id) FROM STDIN") as copy:
                    for key, ref in keys.tolist():
                        copy.write_row((BRANCH, key, ref))
                cursor.execute(f"SELECT setval('photo_fingerprint_id_seq', {total})")
                cursor.execute(FULL_KEYS)
            raw.commit()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE photo_fingerprint")
                conn.exec_driver_sql("VACUUM ANALYZE photo_key")
                conn.exec_driver_sql("VACUUM ANALYZE photo_key_full")
        else:
            sqlite = raw.driver_connection
            stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
            sqlite.execute("PRAGMA foreign_keys=OFF")
            sqlite.execute("PRAGMA synchronous=OFF")
            sqlite.execute("BEGIN")
            for start in range(1, total + 1, BATCH):
                sqlite.executemany(
                    "INSERT INTO photo_fingerprint (id, photo_id, visit_id, branch_id, merchant_id, uploaded_by_id,"
                    " taken_at, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(ref, str(uuid.UUID(int=ref)), str(uuid.UUID(int=ref // 3 + 1 << 64)), BRANCH,
                      ref % MERCHANTS + 1, ref % 900 + 1, stamp,
                      blobs[pool_at[ref]] if ref in pool_at else strangers[ref % len(strangers)], stamp)
                     for ref in range(start, min(total + 1, start + BATCH))])
            for start in range(0, len(keys), BATCH * 10):
                sqlite.executemany("INSERT INTO photo_key (branch_id, key, fingerprint_id) VALUES (?, ?, ?)",
                                   [(BRANCH, int(k), int(r)) for k, r in keys[start:start + BATCH * 10]])
            sqlite.execute(FULL_KEYS)
            sqlite.execute("COMMIT")
            sqlite.execute("ANALYZE")
    finally:
        raw.close()
    print(f"  seeded {total:,} fingerprints in {time.monotonic() - started:,.0f} s", flush=True)
    return pool_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a throwaway database (never the demo's)")
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=120)
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.config import default_config, normalise_database_url
    from webapp.extensions import db
    from webapp.photos.reuse import MERCHANT_RECENT, candidate_rows, index_rows, key_candidates
    from webapp.photos.verdict import Thresholds, geometry

    url = sa.make_url(normalise_database_url(args.database))
    demo = sa.make_url(default_config(str(ROOT / "instance"))["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        url = url.set(database=str(Path(url.database or "").resolve()))
        if demo.database and Path(url.database or "") == Path(demo.database).resolve():
            raise SystemExit("refusing the demo database: give another file")
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    print(f"fingerprinting {args.pool} pool photos and {args.queries} query photos ...", flush=True)
    pool_fps, asked = pool(args.pool, args.queries)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "SECRET_KEY": "bench"})
    with app.app_context():
        with mock.patch("logging.config.fileConfig"):
            upgrade()
        held = db.session.scalar(sa.text("SELECT count(*) FROM photo_fingerprint"))
        if held == 0:
            print(f"seeding {args.photos:,} photos into {url.render_as_string()} ...", flush=True)
            pool_at = seed(db.engine, args.photos, pool_fps)
        elif held != args.photos:
            raise SystemExit(f"the database holds {held:,} fingerprints, not {args.photos:,}: use a fresh one")
        else:
            print(f"using the {held:,} fingerprints already seeded in {url.render_as_string()}", flush=True)
        rng = random.Random(11)
        pool_at = {ref: i for i, ref in enumerate(rng.sample(range(1, args.photos + 1), args.pool))}
        ref_of = {i: ref for ref, i in pool_at.items()}
        limits = Thresholds()
        lookup_ms: dict[str, list[float]] = {"copy": [], "new": []}
        search_ms: dict[str, list[float]] = {"copy": [], "new": []}
        search_cpu_ms: dict[str, list[float]] = {"copy": [], "new": []}
        merchant_ms: list[float] = []
        found = candidates = 0
        for run in range(args.runs + 1):  # the first run warms the caches and is not counted
            for label, original, query in asked:
                group = "new" if original is None else "copy"
                visit = str(uuid.uuid4())
                start = time.perf_counter()
                key_candidates(BRANCH, query)
                lookup = (time.perf_counter() - start) * 1000
                start, cpu = time.perf_counter(), time.process_time()
                rows = index_rows(branch_id=BRANCH, visit_id=visit, photo_id=visit, query=query)
                verified = [row for row in rows if geometry(query, unpack(row.data), limits) is not None]
                search = (time.perf_counter() - start) * 1000
                search_cpu = (time.process_time() - cpu) * 1000
                start = time.perf_counter()
                every = candidate_rows(branch_id=BRANCH, merchant_id=1 + (hash(label) % MERCHANTS),
                                       visit_id=visit, photo_id=visit, query=query)
                for row in every:
                    geometry(query, unpack(row.data), limits)
                whole = (time.perf_counter() - start) * 1000
                db.session.rollback()
                if run:
                    lookup_ms[group].append(lookup)
                    search_ms[group].append(search)
                    search_cpu_ms[group].append(search_cpu)
                    merchant_ms.append(whole)
                    candidates += len(rows)
                    if original is not None:
                        found += any(row.id == ref_of[original] for row in verified)
        copies = sum(1 for _l, original, _q in asked if original is not None)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"\n{url.get_backend_name()}: {args.photos:,} stored photos, {len(asked)} query photos x {args.runs} runs"
              f" (load average {load} on {os.cpu_count()} cores)")
        for group in ("copy", "new"):
            if search_ms[group]:
                print(f"  {group:5s} photos: key look-up and vote median {statistics.median(lookup_ms[group]):5.2f} ms;"
                      f" reuse search (look-up, candidates' fingerprints, keypoint check) median "
                      f"{statistics.median(search_ms[group]):5.2f} ms, p90 "
                      f"{sorted(search_ms[group])[len(search_ms[group]) * 9 // 10]:5.2f} ms; its process CPU time median "
                      f"{statistics.median(search_cpu_ms[group]):5.2f} ms")
        every_ms = search_ms["copy"] + search_ms["new"]
        every_cpu = search_cpu_ms["copy"] + search_cpu_ms["new"]
        print(f"  reuse search, all query photos: median {statistics.median(every_ms):.2f} ms (aim <= 5 ms), process CPU "
              f"time median {statistics.median(every_cpu):.2f} ms (this process only: on PostgreSQL the vote's own work "
              "is the server's); "
              f"index candidates per query {candidates / max(1, len(every_ms)):.1f}; "
              f"copies whose original was found {found / max(1, copies * args.runs):.1%}")
        print(f"  with the same merchant's latest {MERCHANT_RECENT} photos also checked (the same-scene look, a fixed "
              f"cost): median {statistics.median(merchant_ms):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
