"""Finding earlier photos that this one repeats: same bytes, or a perceptual hash a few bits away.

The 64-bit hash is cut into nine bands (eight of 7 bits, one of 8). If two hashes differ in at most
8 bits, at least one of the nine bands is identical (pigeonhole), so an exact index look-up on the
bands finds every candidate; the Hamming distance is then checked in Python.
"""
from __future__ import annotations

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Photo, PhotoHashBand
from webapp.photos.phash import hamming
from webapp.visits.integrity import EarlierPhoto

BAND_WIDTHS = (7, 7, 7, 7, 7, 7, 7, 7, 8)


def hash_bands(phash_hex: str) -> list[int]:
    value = int(phash_hex, 16)
    bands: list[int] = []
    shift = 64
    for width in BAND_WIDTHS:
        shift -= width
        bands.append((value >> shift) & ((1 << width) - 1))
    return bands


def band_rows(photo_id: str, phash_hex: str, branch_id: int) -> list[PhotoHashBand]:
    return [
        PhotoHashBand(band=index, value=value, photo_id=photo_id, branch_id=branch_id)
        for index, value in enumerate(hash_bands(phash_hex))
    ]


def find_earlier_matches(
    *, branch_id: int, visit_id: str, photo_id: str, sha256: str, phash_hex: str, max_bits: int
) -> list[EarlierPhoto]:
    """Photos of other visits in the branch that are the same picture (by bytes or by look)."""
    band_match = sa.or_(
        *(
            sa.and_(PhotoHashBand.band == index, PhotoHashBand.value == value)
            for index, value in enumerate(hash_bands(phash_hex))
        )
    )
    candidate_ids = sa.select(PhotoHashBand.photo_id).where(PhotoHashBand.branch_id == branch_id, band_match)
    rows = db.session.scalars(
        sa.select(Photo)
        .where(
            Photo.branch_id == branch_id,
            Photo.visit_id != visit_id,
            Photo.id != photo_id,
            sa.or_(Photo.sha256 == sha256, Photo.id.in_(candidate_ids)),
        )
        .order_by(Photo.created_at)
        .limit(200)
    )
    matches: list[EarlierPhoto] = []
    for row in rows:
        bits = hamming(row.phash, phash_hex)
        same = row.sha256 == sha256
        if same or bits <= max_bits:
            matches.append(EarlierPhoto(photo_id=row.id, visit_id=row.visit_id, distance_bits=bits, same_bytes=same))
    return matches
