"""Pixel checks on a pair the keypoints matched: does the whole picture agree, and is it the same exposure?

Keypoints say two photos share a geometry; the pixels say how much they share:
- scene agreement: with the stored photo laid over the new one (homography, analysis size), the share of
  textured cells whose structure correlates. A copy or a re-shoot agrees nearly everywhere; another shop of
  the same chain agrees on its signboard and little else.
- fine detail: with the stored photo laid over the new one by the copy hypothesis (one similarity), at the
  finest scale both still have, the correlation of the band of detail just above the pixel grid: grain,
  sensor noise, the exact edges. A copy carries the very same detail; a second exposure has its own noise,
  and its perspective shifts edges by pixels, which at this scale is decorrelation.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from webapp.photos.fingerprint import Fingerprint
from webapp.photos.matching import GeometricMatch

DETAIL_MAX_SIDE = 1024
GRID = 8
_TEXTURE_MIN_STD = 2.0  # grey levels of band-pass: below, a cell is flat at that scale
_STRUCTURE_AGREES = 0.6

F32 = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PixelComparison:
    scene_agreement: float  # share of textured cells whose structure agrees under the homography
    structure_cells: int
    detail_correlation: float  # median fine-band correlation over textured cells under the similarity
    detail_cells: int
    detail_side: int  # long side, in pixels, at which the detail was compared


def compare(query_image: Image.Image, query: Fingerprint, stored_image: Image.Image, stored: Fingerprint,
            found: GeometricMatch) -> PixelComparison:
    """Both checks; the images are the upright photos the fingerprints were made from (any size)."""
    q_analysis = _region(query_image, query.box, (query.width, query.height))
    s_analysis = _region(stored_image, stored.box, (stored.width, stored.height))
    warped, valid = _warp(s_analysis, q_analysis.shape, _compose(found.homography, query, stored, q_analysis.shape,
                                                                  s_analysis.shape, found.mirrored))
    q_view = q_analysis[:, ::-1] if found.mirrored else q_analysis
    agreement, cells = _structure(q_view, warped, valid)

    side = _detail_side(query_image, query, stored_image, stored)
    q_size = _scaled((query.width, query.height), side)
    s_size = _scaled((stored.width, stored.height), side)
    q_detail = _region(query_image, query.box, q_size)
    s_detail = _region(stored_image, stored.box, s_size)
    similarity = np.vstack([found.similarity, [0.0, 0.0, 1.0]])
    warped_detail, valid_detail = _warp(s_detail, q_detail.shape,
                                        _compose(similarity, query, stored, q_detail.shape, s_detail.shape,
                                                 found.mirrored))
    q_detail_view = q_detail[:, ::-1] if found.mirrored else q_detail
    correlation, detail_cells = _detail(q_detail_view, warped_detail, valid_detail)
    return PixelComparison(scene_agreement=agreement, structure_cells=cells, detail_correlation=correlation,
                           detail_cells=detail_cells, detail_side=side)


def _region(image: Image.Image, box: tuple[float, float, float, float], size: tuple[int, int]) -> F32:
    """The fingerprint's region of `image` in grey at `size` (width, height)."""
    width, height = image.size
    pixels = (box[0] * width, box[1] * height, box[2] * width, box[3] * height)
    grey = image if image.mode == "L" else image.convert("L")
    shrink = (pixels[2] - pixels[0]) / size[0]
    resample = Image.Resampling.BOX if shrink > 1.5 else Image.Resampling.BILINEAR
    return np.asarray(grey.resize(size, resample, box=pixels, reducing_gap=3.0 if shrink > 1.5 else None),
                      dtype=np.float32)


def _scaled(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _detail_side(query_image: Image.Image, query: Fingerprint, stored_image: Image.Image, stored: Fingerprint) -> int:
    """The finest scale both photos really have: a shrunk copy has no detail finer than its own pixels."""
    def native(image: Image.Image, fp: Fingerprint) -> float:
        x0, y0, x1, y1 = fp.box
        return max((x1 - x0) * image.width, (y1 - y0) * image.height)

    return int(min(native(query_image, query), native(stored_image, stored), DETAIL_MAX_SIDE))


def _compose(transform: Matrix, query: Fingerprint, stored: Fingerprint, q_shape: tuple[int, ...],
             s_shape: tuple[int, ...], mirrored: bool) -> Matrix:
    """Query pixels at q_shape -> stored pixels at s_shape, through the analysis frames (pixel centres)."""
    def to_analysis(fp: Fingerprint, shape: tuple[int, ...]) -> Matrix:
        kx, ky = shape[1] / fp.width, shape[0] / fp.height
        return np.array([[1 / kx, 0, 0.5 / kx - 0.5], [0, 1 / ky, 0.5 / ky - 0.5], [0, 0, 1]])

    q_to = to_analysis(query, q_shape)
    s_from = np.linalg.inv(to_analysis(stored, s_shape))
    flip = np.array([[-1.0, 0, query.width - 1], [0, 1, 0], [0, 0, 1]]) if mirrored else np.eye(3)
    # The query view passed to the checks is already mirrored, so undo the flip at its own scale first.
    own_flip = np.array([[-1.0, 0, q_shape[1] - 1], [0, 1, 0], [0, 0, 1]]) if mirrored else np.eye(3)
    return s_from @ transform @ flip @ q_to @ own_flip


def _warp(source: F32, shape: tuple[int, ...], matrix: Matrix) -> tuple[F32, npt.NDArray[np.bool_]]:
    size = (shape[1], shape[0])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpPerspective(source, matrix, size, flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    ones = np.ones(source.shape, np.uint8)
    valid = cv2.warpPerspective(ones, matrix, size, flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    valid = cv2.erode(valid, np.ones((5, 5), np.uint8))
    return warped.astype(np.float32), valid.astype(bool)


def _cells(shape: tuple[int, ...]) -> list[tuple[slice, slice]]:
    height, width = shape[:2]
    return [(slice(height * r // GRID, height * (r + 1) // GRID), slice(width * c // GRID, width * (c + 1) // GRID))
            for r in range(GRID) for c in range(GRID)]


def _ncc(a: F32, b: F32) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else 0.0


def _structure(query: F32, stored: F32, valid: npt.NDArray[np.bool_]) -> tuple[float, int]:
    """Share of textured, overlapping cells whose smoothed structure correlates."""
    q = cv2.GaussianBlur(query, (0, 0), 1.5)
    s = cv2.GaussianBlur(stored, (0, 0), 1.5)
    agree = counted = 0
    for rows, cols in _cells(q.shape):
        mask = valid[rows, cols]
        if mask.mean() < 0.8:
            continue
        qc, sc = q[rows, cols][mask], s[rows, cols][mask]
        if qc.std() < 4 or sc.std() < 4:
            continue
        counted += 1
        agree += _ncc(np.asarray(qc, np.float32), np.asarray(sc, np.float32)) >= _STRUCTURE_AGREES
    return (agree / counted if counted else 0.0), counted


def _detail(query: F32, stored: F32, valid: npt.NDArray[np.bool_]) -> tuple[float, int]:
    """Median correlation of the finest band over the cells where both photos have any."""
    def band(image: F32) -> F32:
        return cv2.GaussianBlur(image, (0, 0), 0.7) - cv2.GaussianBlur(image, (0, 0), 2.0)

    q, s = band(query), band(stored)
    values = []
    for rows, cols in _cells(q.shape):
        mask = valid[rows, cols]
        if mask.mean() < 0.8:
            continue
        qc, sc = q[rows, cols][mask], s[rows, cols][mask]
        if qc.std() < _TEXTURE_MIN_STD or sc.std() < _TEXTURE_MIN_STD:
            continue
        values.append(_ncc(qc, sc))
    return (float(np.median(values)) if values else 0.0), len(values)
