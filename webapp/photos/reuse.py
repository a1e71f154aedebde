"""Finding earlier photos that a photo repeats: a copy of the same exposure, or the same scene shot again.

Candidates come from four places, all by index:
- the keypoint index (photo_key): photos of the branch sharing at least two keys with this one; it finds
  copies however they were cropped, turned, mirrored, rescaled, recoloured or screenshotted;
- the same merchant's latest photos of other visits: a re-shoot is taken at the same shop;
- the same bytes (sha256), and the 64-bit perceptual hash's bands (photo_hash_band) for photos too plain to
  have keypoints.
Each candidate is verified by keypoint geometry from its stored fingerprint, and the survivors by pixels
(the stored original) in webapp.photos.verdict, which says `reused` or `same_scene` and why.

The stable entry point for other modules is `reuse_lookup(photo_id, among=...)`; the upload path calls
`search` with the pixels it already has, then `index_photo`.
"""
from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app
from PIL import Image

from webapp.database import insert_ignoring
from webapp.extensions import db
from webapp.models import Photo, PhotoFingerprint, PhotoHashBand, PhotoKeyFull, Visit
from webapp.photos.fingerprint import Fingerprint, fingerprint, pack, unpack
from webapp.photos.matching import identity_match
from webapp.photos.phash import content_box, hamming
from webapp.photos.reuse_index import KEY_POSTING_CAP, MAX_CANDIDATES, MIN_SCORE, MIN_VOTES, choose_keys
from webapp.photos.store import MissingFile, StoreUnavailable, photo_store, variant_name
from webapp.photos.verdict import Thresholds, Verdict, decide, geometry
from webapp.visits.integrity import EarlierPhoto

BAND_WIDTHS = (7, 7, 7, 7, 7, 7, 7, 7, 8)
MERCHANT_RECENT = 12  # photos of the same merchant's other visits compared for a re-shoot
MAX_MATCHES = 10
_PIXEL_SIDE = 1024  # stored originals are decoded at about this size for the pixel checks


@dataclass(frozen=True)
class ReuseMatch:
    """An earlier photo that this one repeats.

    kind: 'reused' (a copy of the same exposure: an accusation, with evidence) or 'same_scene' (the same
    place photographed again: information for the reviewer). `evidence` is what the flag stores: verdict,
    why, transform (scale, rotation_deg, mirrored, crop), region (the overlap outlined on both photos, as
    fractions of each) and figures (points, similarity_share, scene_agreement, detail_correlation).
    """

    photo_id: str
    visit_id: str
    kind: Literal["reused", "same_scene"]
    same_bytes: bool
    evidence: dict[str, Any]


def thresholds() -> Thresholds:
    config = current_app.config
    return Thresholds(min_inliers=int(config["PHOTO_MATCH_MIN_INLIERS"]),
                      min_spread=float(config["PHOTO_MATCH_MIN_SPREAD"]),
                      scene_agreement=float(config["PHOTO_SCENE_AGREEMENT_MIN"]),
                      scene_agreement_strong=float(config["PHOTO_SCENE_AGREEMENT_STRONG"]),
                      copy_detail=float(config["PHOTO_COPY_DETAIL_MIN"]),
                      copy_agreement=float(config["PHOTO_COPY_AGREEMENT_MIN"]))


# --- the index -------------------------------------------------------------------------------------------


def index_photo(photo: Photo, query: Fingerprint, *, merchant_id: int, camera: str | None,
                taken_at: datetime) -> PhotoFingerprint:
    """Store the fingerprint and its keys (the caller flushes and commits with the photo).

    The keys are counted and stored by two statements that take them as one parameter (_keys_param): as 48 ORM
    objects and an expanding IN (a new SQL text each time) they took 5.1 ms of a photo's CPU on PostgreSQL, now
    1.7 ms (3.7 and 1.4 ms on SQLite)."""
    row = PhotoFingerprint(photo_id=photo.id, visit_id=photo.visit_id, branch_id=photo.branch_id,
                           merchant_id=merchant_id, uploaded_by_id=photo.uploaded_by_id, camera=camera,
                           taken_at=taken_at, data=pack(query), created_at=photo.created_at)
    db.session.add(row)
    db.session.flush()
    wanted = query.keys
    connection = db.session.connection()
    statements = _key_sql(connection.dialect.name)
    holders: dict[int, int] = {key: count for key, count in connection.execute(statements.holders, {
        "branch": photo.branch_id, "keys": _keys_param(connection, wanted)})} if wanted else {}
    chosen = choose_keys(wanted, holders)
    if chosen:
        connection.execute(statements.store, {"branch": photo.branch_id, "fingerprint": row.id,
                                              "keys": _keys_param(connection, chosen)})
    full = [key for key in wanted if holders.get(key, 0) >= KEY_POSTING_CAP]
    full += [key for key in chosen if holders.get(key, 0) + 1 >= KEY_POSTING_CAP]
    if full:
        _mark_full(photo.branch_id, full)
    return row


@dataclass(frozen=True)
class _KeySql:
    holders: sa.TextClause  # (key, photos holding it) for the wanted keys that any photo holds
    store: sa.TextClause  # the chosen keys of one fingerprint


@lru_cache(maxsize=4)
def _key_sql(dialect: str) -> _KeySql:
    if dialect == "postgresql":
        among, keys = "key = ANY(CAST(:keys AS integer[]))", "unnest(CAST(:keys AS integer[])) AS k(value)"
    else:
        among, keys = "key IN (SELECT value FROM json_each(:keys))", "json_each(:keys)"
    return _KeySql(
        holders=sa.text(f"SELECT key, count(*) FROM photo_key WHERE branch_id = :branch AND {among} GROUP BY key"),
        store=sa.text("INSERT INTO photo_key (branch_id, key, fingerprint_id)"
                      f" SELECT CAST(:branch AS integer), value, CAST(:fingerprint AS integer) FROM {keys}"))


def _keys_param(connection: sa.Connection, keys: Sequence[int]) -> str:
    """Keys as one parameter: an array literal on PostgreSQL, cast by the server (psycopg's list adapter cost
    0.25 ms of client CPU at 400 keys), a JSON array on SQLite (read by json_each)."""
    if connection.dialect.name == "postgresql":
        return "{" + ",".join(str(int(key)) for key in keys) + "}"
    return json.dumps([int(key) for key in keys])


def _mark_full(branch_id: int, keys: list[int]) -> None:
    """List the keys that are full (this photo filled them, or found them full): from now on they cast no vote.
    A key already listed is left as it is. Keys found full are listed again because two uploads on PostgreSQL
    may each count a key below the cap and fill it past the cap together, neither listing it."""
    db.session.execute(insert_ignoring(PhotoKeyFull, [{"branch_id": branch_id, "key": key} for key in keys],
                                       db.session.connection().dialect.name))


@dataclass(frozen=True)
class StoredFingerprint:
    """The columns of a photo_fingerprint row that verification reads (a plain row: loading six ORM objects
    per search cost as much as the vote)."""

    id: int
    photo_id: str
    visit_id: str
    data: bytes


def _vote_sql(dialect: str) -> str:
    """The key look-up and vote as SQL: the probes travel as one parameter (a JSON array on SQLite, an array
    literal on PostgreSQL; as hundreds of bound parameters the statement costs more to build than to run), the index
    (branch, key, fingerprint) answers them from its own pages, and the database scores the votes, so only
    the few candidates travel back, never the thousand-odd (key, photo) rows. A (key, photo) pair is stored
    once (the primary key) and the probes are distinct: a photo's count is the number of keys it shares with the
    query, and each key weighs 1 / the number of photos answering it, as webapp.photos.reuse_index.rank
    scores them. Full keys (photo_key_full) are dropped from the probes first: they cast no vote, and reading
    their holders was most of the work. PostgreSQL looks each probe up in the table's primary key, as a scalar
    subquery, which no plan turns into a join: written as NOT EXISTS, a custom plan (a connection's first
    executions, or every one where statements are not prepared, as behind a transaction-pooling PgBouncer) hashed
    the whole table, 1.2 ms of a 4 ms statement at a million photos; written as EXCEPT, a custom plan scanned it
    (the statement 1.9-2.2 ms against 1.6-1.9 ms now, generic plans 1.57-1.60 against 1.46-1.54 ms; pgbench, one
    query's 400 probes at a million photos). SQLite seeks each probe's row."""
    probes = ("key = ANY(ARRAY(SELECT k FROM unnest(CAST(:keys AS integer[])) AS k WHERE (SELECT f.key"
              " FROM photo_key_full AS f WHERE f.branch_id = :branch AND f.key = k) IS NULL))"
              if dialect == "postgresql"
              else "key IN (SELECT value FROM json_each(:keys) AS j WHERE NOT EXISTS (SELECT 1 FROM photo_key_full"
                   " AS f WHERE f.branch_id = :branch AND f.key = j.value))")
    return ("SELECT fingerprint_id, sum(weight) AS score FROM (SELECT fingerprint_id, CAST(1.0 AS DOUBLE PRECISION)"
            f" / count(*) OVER (PARTITION BY key) AS weight FROM photo_key WHERE branch_id = :branch AND {probes})"
            " AS hits GROUP BY fingerprint_id HAVING count(*) >= :votes AND sum(weight) >= :score"
            " ORDER BY score DESC, fingerprint_id"
            " LIMIT :most")


def _vote_params(connection: sa.Connection, branch_id: int, query: Fingerprint, most: int) -> dict[str, Any]:
    return {"branch": branch_id, "keys": _keys_param(connection, query.probes), "votes": MIN_VOTES,
            "score": MIN_SCORE, "most": most}


def key_candidates(branch_id: int, query: Fingerprint) -> list[tuple[int, float]]:
    """(fingerprint id, score) of the branch's photos sharing at least MIN_VOTES keys with the query, the
    MAX_CANDIDATES with the highest score first (ties: the earlier photo)."""
    if not query.probes:
        return []
    connection = db.session.connection()
    rows = connection.execute(sa.text(_vote_sql(connection.dialect.name)),
                              _vote_params(connection, branch_id, query, MAX_CANDIDATES))
    return [(int(ref), float(score)) for ref, score in rows]


@lru_cache(maxsize=4)
def _voted_sql(dialect: str) -> sa.TextClause:
    return sa.text("SELECT f.id, f.photo_id, f.visit_id, f.data FROM photo_fingerprint AS f"
                   f" JOIN ({_vote_sql(dialect)}) AS voted ON voted.fingerprint_id = f.id"
                   " WHERE f.visit_id != :visit AND f.photo_id != :photo ORDER BY voted.score DESC, f.id LIMIT :take")


def _voted_fingerprints(branch_id: int, query: Fingerprint, visit_id: str, photo_id: str) -> list[StoredFingerprint]:
    """The key index's candidates with their fingerprints, in one statement: the vote, then the rows. Photos of
    this visit are left out before the MAX_CANDIDATES are taken (the vote keeps twice as many for that)."""
    if not query.probes:
        return []
    connection = db.session.connection()
    params = {**_vote_params(connection, branch_id, query, 2 * MAX_CANDIDATES), "visit": visit_id,
              "photo": photo_id, "take": MAX_CANDIDATES}
    return [StoredFingerprint(*row) for row in connection.execute(_voted_sql(connection.dialect.name), params)]


def hash_bands(phash_hex: str) -> list[int]:
    """The 64-bit hash cut into nine bands: two hashes within 8 bits share one band exactly (pigeonhole)."""
    value = int(phash_hex, 16)
    bands: list[int] = []
    shift = 64
    for width in BAND_WIDTHS:
        shift -= width
        bands.append((value >> shift) & ((1 << width) - 1))
    return bands


def band_rows(photo_id: str, phash_hex: str, branch_id: int) -> list[PhotoHashBand]:
    return [PhotoHashBand(band=index, value=value, photo_id=photo_id, branch_id=branch_id)
            for index, value in enumerate(hash_bands(phash_hex))]


def find_earlier_matches(
    *, branch_id: int, visit_id: str, photo_id: str, sha256: str, phash_hex: str, max_bits: int
) -> list[EarlierPhoto]:
    """Photos of other visits in the branch with the same bytes or a perceptual hash within max_bits."""
    band_match = sa.or_(*(sa.and_(PhotoHashBand.band == index, PhotoHashBand.value == value)
                          for index, value in enumerate(hash_bands(phash_hex))))
    candidate_ids = sa.select(PhotoHashBand.photo_id).where(PhotoHashBand.branch_id == branch_id, band_match)
    rows = db.session.scalars(
        sa.select(Photo).where(Photo.branch_id == branch_id, Photo.visit_id != visit_id, Photo.id != photo_id,
                               sa.or_(Photo.sha256 == sha256, Photo.id.in_(candidate_ids)))
        .order_by(Photo.created_at).limit(200))
    matches: list[EarlierPhoto] = []
    for row in rows:
        bits = hamming(row.phash, phash_hex)
        same = row.sha256 == sha256
        if same or bits <= max_bits:
            matches.append(EarlierPhoto(photo_id=row.id, visit_id=row.visit_id, distance_bits=bits, same_bytes=same))
    return matches


def _among_by_look(among: list[str], *, visit_id: str, photo_id: str, sha256: str, phash_hex: str,
                   max_bits: int) -> list[EarlierPhoto]:
    """Of the photos `among`, those with the same bytes or a perceptual hash within max_bits: the same look the
    branch-wide search takes through the hash bands, so a plain photo or a photo stored before fingerprints
    existed is judged alike whichever way the caller asks."""
    if not among:
        return []
    rows = db.session.execute(sa.select(Photo.id, Photo.visit_id, Photo.sha256, Photo.phash).where(
        Photo.id.in_(among), Photo.visit_id != visit_id, Photo.id != photo_id)).all()
    found = []
    for ref, visit, digest, phash in rows:
        bits = hamming(phash, phash_hex)
        if digest == sha256 or bits <= max_bits:
            found.append(EarlierPhoto(photo_id=ref, visit_id=visit, distance_bits=bits, same_bytes=digest == sha256))
    return found


# --- the search ------------------------------------------------------------------------------------------


def search(*, branch_id: int, merchant_id: int, visit_id: str, photo_id: str, sha256: str, phash_hex: str,
           query: Fingerprint, image: Image.Image, limits: Thresholds, max_bits: int,
           among: Sequence[str] | None = None) -> list[ReuseMatch]:
    """Earlier photos of other visits that this photo (fingerprint `query`, pixels `image`) repeats.

    With `among`, only those photo ids are compared (no index look-up)."""
    by_look: dict[str, EarlierPhoto] = {}
    if among is not None:
        by_look = {m.photo_id: m for m in _among_by_look(list(among), visit_id=visit_id, photo_id=photo_id,
                                                          sha256=sha256, phash_hex=phash_hex, max_bits=max_bits)}
        rows = _fingerprints(sa.select(PhotoFingerprint.id).where(PhotoFingerprint.photo_id.in_(list(among))),
                             visit_id, photo_id)
    else:
        by_look = {m.photo_id: m for m in find_earlier_matches(branch_id=branch_id, visit_id=visit_id,
                                                                photo_id=photo_id, sha256=sha256,
                                                                phash_hex=phash_hex, max_bits=max_bits)}
        rows = candidate_rows(branch_id=branch_id, merchant_id=merchant_id, visit_id=visit_id, photo_id=photo_id,
                              query=query, also_photo_ids=list(by_look))
    matches: list[ReuseMatch] = []
    seen: set[str] = set()
    for row in rows:
        seen.add(row.photo_id)
        found = _verify(query, image, row, limits, by_look.get(row.photo_id))
        if found is not None:
            matches.append(found)
    for earlier in by_look.values():  # same bytes, but no fingerprint (stored before fingerprints existed)
        if earlier.photo_id not in seen and earlier.same_bytes:
            matches.append(ReuseMatch(earlier.photo_id, earlier.visit_id, "reused", True,
                                      {"verdict": "reused", "why": "same_bytes"}))
    matches.sort(key=lambda m: (m.kind != "reused", not m.same_bytes,
                                -float(m.evidence.get("figures", {}).get("detail_correlation", 0.0))))
    return matches[:MAX_MATCHES]


def index_rows(*, branch_id: int, visit_id: str, photo_id: str, query: Fingerprint) -> list[StoredFingerprint]:
    """The key index's candidates among all the branch's photos: what bench/reuse_search.py times at a million."""
    return _voted_fingerprints(branch_id, query, visit_id, photo_id)


def candidate_rows(*, branch_id: int, merchant_id: int, visit_id: str, photo_id: str, query: Fingerprint,
                   also_photo_ids: Sequence[str] = ()) -> list[StoredFingerprint]:
    """The fingerprints to verify: the key index's candidates, the merchant's latest photos of other visits
    (a fixed number, whatever the branch's size), and `also_photo_ids` (found by the perceptual hash)."""
    rows = _voted_fingerprints(branch_id, query, visit_id, photo_id)
    seen = {row.id for row in rows}
    recent = sa.select(PhotoFingerprint.id).where(PhotoFingerprint.merchant_id == merchant_id,
                                                  PhotoFingerprint.visit_id != visit_id) \
        .order_by(PhotoFingerprint.id.desc()).limit(MERCHANT_RECENT)
    refs = [ref for ref in db.session.scalars(recent) if ref not in seen]
    if also_photo_ids:
        refs.extend(db.session.scalars(sa.select(PhotoFingerprint.id).where(
            PhotoFingerprint.photo_id.in_(list(also_photo_ids)), PhotoFingerprint.id.not_in(seen))))
    return rows + _fingerprints(list(dict.fromkeys(refs)), visit_id, photo_id)


def _fingerprints(refs: Any, visit_id: str, photo_id: str) -> list[StoredFingerprint]:
    if isinstance(refs, list) and not refs:
        return []
    return [StoredFingerprint(*row) for row in db.session.execute(
        sa.select(PhotoFingerprint.id, PhotoFingerprint.photo_id, PhotoFingerprint.visit_id, PhotoFingerprint.data)
        .where(PhotoFingerprint.id.in_(refs), PhotoFingerprint.visit_id != visit_id,
               PhotoFingerprint.photo_id != photo_id))]


def _verify(query: Fingerprint, image: Image.Image, row: StoredFingerprint, limits: Thresholds,
            by_look: EarlierPhoto | None) -> ReuseMatch | None:
    stored = unpack(row.data)
    found = geometry(query, stored, limits)
    plain = found is None and by_look is not None
    if found is None and not plain:
        return None
    stored_image = _stored_pixels(row.photo_id)
    if stored_image is None:
        return None
    if found is None:
        found = identity_match(query, stored)
    verdict: Verdict | None = decide(query, image, stored, stored_image, found, limits)
    same_bytes = bool(by_look and by_look.same_bytes)
    if same_bytes:
        return ReuseMatch(row.photo_id, row.visit_id, "reused", True,
                          {**(verdict.evidence() if verdict else {}), "verdict": "reused", "why": "same_bytes"})
    if verdict is None or (plain and verdict.pixels.scene_agreement < limits.copy_agreement):
        return None
    evidence = verdict.evidence()
    if by_look is not None:
        evidence["hash_bits"] = by_look.distance_bits
    return ReuseMatch(row.photo_id, row.visit_id, verdict.kind, False, evidence)


def _stored_pixels(photo_id: str) -> Image.Image | None:
    """The stored original (upright, unwatermarked), decoded at about _PIXEL_SIDE."""
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        return None
    try:
        data = photo_store().get(variant_name(photo.storage_key, "original"))
    except (MissingFile, StoreUnavailable, ValueError):
        return None
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as source:
            width, height = source.size
            scale = max(1, max(width, height) // _PIXEL_SIDE)
            source.draft("RGB", (width // scale, height // scale))
            source.load()
            return source.convert("RGB")
    except (OSError, ValueError):
        return None


# --- the stable look-up for other modules ----------------------------------------------------------------


def reuse_lookup(photo_id: str, *, among: Sequence[str] | None = None) -> list[ReuseMatch]:
    """Earlier photos that the stored photo `photo_id` repeats, verified as the upload path verifies.

    Takes a stored photo's id and, optionally, `among`: the ids of the photos to compare it with (for
    instance the pre-loan survey photos of the same loan). Without `among`, the branch-wide index, the same
    merchant's latest photos and the perceptual hash supply the candidates. Photos of the same visit are
    never matches. Returns ReuseMatch items, reused before same_scene, at most MAX_MATCHES; an unknown id or
    a photo whose file is gone returns []. Scope is the caller's business: the result names photos the
    caller's user may not see (webapp.integrity.evidence redacts evidence for display).
    """
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        return []
    image = _stored_pixels(photo.id)
    if image is None:
        return []
    query = fingerprint(image, content_box(image), query=True)
    merchant_id = db.session.scalar(sa.select(Visit.merchant_id).where(Visit.id == photo.visit_id))
    return search(branch_id=photo.branch_id, merchant_id=merchant_id or 0, visit_id=photo.visit_id,
                  photo_id=photo.id, sha256=photo.sha256, phash_hex=photo.phash, query=query, image=image,
                  limits=thresholds(), max_bits=int(current_app.config["PHOTO_REUSE_BITS"]), among=among)
