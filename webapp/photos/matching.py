"""Geometric verification of two fingerprints: is this the same scene, and is it the same exposure?

Signatures pair up points of the two photos; RANSAC keeps the pairs that one geometry explains.
- The same scene (a copy or a re-shoot): many pairs agree on one homography, and they are spread over the
  photo, not bunched on one signboard (shops of one chain share their signboards and goods, not their
  whole frame).
- The same exposure (a copy): a copy is the original cropped, turned, mirrored, scaled or recoloured, all of
  which move every point by one similarity (scale, rotation, shift, maybe a mirror). The pairs then fit a
  similarity to a fraction of a pixel. A second photo of the scene is taken from another spot: perspective
  and parallax leave residuals of pixels that no similarity removes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from webapp.photos.fingerprint import F32, Fingerprint
from webapp.photos.signature_pairs import mutual_pairs

# What OpenCV's robust estimators return: the model and the inlier mask, both None when nothing fits.
Estimate = tuple[npt.NDArray[np.float64] | None, npt.NDArray[Any] | None]

MAX_SIGNATURE_BITS = 40  # of 128: pairs further apart are not the same point
RATIO = 0.85  # best pair must beat the second best by this factor
SCENE_THRESHOLD_PX = 6.0  # homography inlier tolerance (analysis pixels)
SIMILARITY_THRESHOLD_PX = 2.0
MIN_INLIERS = 12
MIN_SPREAD = 0.12  # share of the overlap the inliers' hull must cover
CONFIDENCE = 0.995
MAX_ITERATIONS = 2000
MIN_ITERATIONS = 50
ITERATION_MARGIN = 3  # times the draws the confidence needs (at 3, 997 look-ups at a million photos kept every model)


@dataclass(frozen=True)
class GeometricMatch:
    """Two photos of one scene: pairs, transforms and how well a similarity explains them."""

    mirrored: bool
    pairs: int  # signature pairs before RANSAC
    inliers: int  # pairs the homography explains
    spread: float  # share of the query's overlap covered by the inliers' hull
    similarity_share: float  # of the homography inliers, the share a similarity explains within its tolerance
    similarity_rms_px: float  # residual of the similarity over those pairs (analysis pixels of the stored photo)
    homography_rms_px: float
    similarity: npt.NDArray[np.float64]  # 2x3, query analysis pixels -> stored analysis pixels (mirror applied)
    homography: npt.NDArray[np.float64]  # 3x3, the same mapping for a second photo of the scene
    query_region: F32  # where the two photos overlap, as a polygon in fractions of the query photo
    stored_region: F32  # the same overlap in fractions of the stored photo
    frame_share: tuple[float, float]  # the query's width and height in widths and heights of the stored photo

    @property
    def scale(self) -> float:
        """Query pixels per stored pixel at analysis size (1: same size, < 1: the query shows a wider view)."""
        a, b = self.similarity[0, 0], self.similarity[1, 0]
        return 1.0 / max(1e-9, math.hypot(a, b))

    @property
    def rotation_deg(self) -> float:
        """How far the query is turned relative to the stored photo, degrees anticlockwise as seen.

        The similarity maps query pixels back to stored pixels (y pointing down), so a picture turned
        anticlockwise shows up as a positive angle in it."""
        return math.degrees(math.atan2(self.similarity[1, 0], self.similarity[0, 0]))


def match(query: Fingerprint, stored: Fingerprint) -> GeometricMatch | None:
    """The best of the plain and the mirrored reading, or None when no scene geometry holds."""
    if len(query.points) < 4 or len(stored.points) < 4:
        return None
    plain = _match_one(query, stored, _pairs(query.signatures, stored.signatures), mirrored=False)
    # A mirrored reading is looked for unless the plain one already holds by twice the points it needs: then a
    # mirror image cannot explain more of them, and the search saves the second RANSAC on its likeliest pair.
    if query.mirrored_signatures is None or (plain is not None and plain.inliers >= 2 * MIN_INLIERS):
        return plain
    pairs = _pairs(query.mirrored_signatures, stored.signatures)
    if plain is not None and len(pairs[0]) < plain.inliers:
        return plain  # fewer pairs than the plain reading's inliers: the mirrored one cannot win
    mirrored = _match_one(query, stored, pairs, mirrored=True)
    found = [m for m in (plain, mirrored) if m is not None]
    if not found:
        return None
    return max(found, key=lambda m: (m.inliers, m.similarity_share))


def _pairs(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Mutual best partners that beat their second best by RATIO, within MAX_SIGNATURE_BITS."""
    return mutual_pairs(a, b, max_bits=MAX_SIGNATURE_BITS, ratio=RATIO)


def _match_one(query: Fingerprint, stored: Fingerprint, pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]], *,
               mirrored: bool) -> GeometricMatch | None:
    qi, si = pairs
    if len(qi) < MIN_INLIERS:
        return None
    q = query.points[qi].astype(np.float32)
    if mirrored:
        q = q.copy()
        q[:, 0] = query.width - 1 - q[:, 0]
    s = stored.points[si].astype(np.float32)
    # OpenCV's stubs omit that both come back None when no model is found.
    homography, mask = cast(Estimate, cv2.findHomography(q, s, cv2.USAC_MAGSAC, SCENE_THRESHOLD_PX,
                                                         maxIters=ransac_iterations(len(qi)), confidence=CONFIDENCE))
    if homography is None or mask is None:
        return None
    inlier = mask.ravel().astype(bool)
    if inlier.sum() < MIN_INLIERS:
        return None
    qin, sin = q[inlier], s[inlier]
    projected = cv2.perspectiveTransform(qin.reshape(-1, 1, 2), homography).reshape(-1, 2)
    homography_rms = float(np.sqrt(np.mean(np.sum((projected - sin) ** 2, axis=1))))
    similarity, share, similarity_rms = _similarity(qin, sin)
    spread = _spread(qin, homography, query, stored)
    query_region, stored_region = _overlap(homography, query, stored, mirrored)
    linear = similarity[:, :2]
    frame_share = (float(np.hypot(*linear[:, 0])) * query.width / stored.width,
                   float(np.hypot(*linear[:, 1])) * query.height / stored.height)
    return GeometricMatch(
        mirrored=mirrored, pairs=len(qi), inliers=int(inlier.sum()), spread=spread,
        similarity_share=share, similarity_rms_px=similarity_rms, homography_rms_px=homography_rms,
        similarity=similarity, homography=homography.astype(np.float64), query_region=query_region,
        stored_region=stored_region, frame_share=frame_share,
    )


def ransac_iterations(pairs: int) -> int:
    """Draws enough to find a homography that MIN_INLIERS of `pairs` pairs agree on, with CONFIDENCE, times
    ITERATION_MARGIN; at most MAX_ITERATIONS.

    RANSAC stops early once a model holds, so the bound is spent in full only when nothing fits: a look-alike
    of another shop, the commonest candidate. Four pairs drawn at random are all of a 12-inlier model with
    chance (12/n)^4; at 20 pairs that is 1 in 8, so 2,000 draws were 50 times what a real model needs, and
    the failed look-ups were most of the keypoint check's time (bench/reuse_search.py)."""
    hit = min(1.0, MIN_INLIERS / max(1, pairs)) ** 4
    if hit >= 1.0:
        return MIN_ITERATIONS
    needed = math.log(1 - CONFIDENCE) / math.log(1 - hit)
    return max(MIN_ITERATIONS, min(MAX_ITERATIONS, math.ceil(ITERATION_MARGIN * needed)))


def _similarity(q: F32, s: F32) -> tuple[npt.NDArray[np.float64], float, float]:
    """The similarity that explains most pairs within SIMILARITY_THRESHOLD_PX, refined on them."""
    matrix, mask = cast(Estimate, cv2.estimateAffinePartial2D(q, s, method=cv2.RANSAC,
                                                              ransacReprojThreshold=SIMILARITY_THRESHOLD_PX,
                                                              maxIters=2000, confidence=0.995, refineIters=20))
    if matrix is None or mask is None:
        return np.eye(2, 3), 0.0, float("inf")
    inlier = mask.ravel().astype(bool)
    projected = q @ matrix[:, :2].T + matrix[:, 2]
    residual = np.sqrt(np.sum((projected - s) ** 2, axis=1))
    share = float(inlier.mean())
    rms = float(np.sqrt(np.mean(residual[inlier] ** 2))) if inlier.any() else float("inf")
    return matrix.astype(np.float64), share, rms


def _frame(fp: Fingerprint) -> F32:
    return np.array([[0, 0], [fp.width, 0], [fp.width, fp.height], [0, fp.height]], dtype=np.float32)


def _overlap(homography: npt.NDArray[np.float64], query: Fingerprint, stored: Fingerprint,
             mirrored: bool) -> tuple[F32, F32]:
    """The overlap of the two frames, drawn on each photo (fractions): the matched region a reviewer sees."""
    try:
        inverse = np.linalg.inv(homography)
    except np.linalg.LinAlgError:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    stored_in_query = cv2.perspectiveTransform(_frame(stored).reshape(-1, 1, 2), inverse).reshape(-1, 2)
    query_in_stored = cv2.perspectiveTransform(_frame(query).reshape(-1, 1, 2), homography).reshape(-1, 2)
    _area, on_query = cv2.intersectConvexConvex(_frame(query), stored_in_query.astype(np.float32))
    _area, on_stored = cv2.intersectConvexConvex(_frame(stored), query_in_stored.astype(np.float32))
    on_query = np.zeros((0, 2), np.float32) if on_query is None else np.asarray(on_query, np.float32).reshape(-1, 2)
    on_stored = np.zeros((0, 2), np.float32) if on_stored is None else np.asarray(on_stored, np.float32).reshape(-1, 2)
    if mirrored and len(on_query):
        on_query[:, 0] = query.width - on_query[:, 0]
    return query.to_photo(on_query), stored.to_photo(on_stored)


def _hull(points: F32) -> F32:
    if len(points) < 3:
        return points.astype(np.float32)
    return np.asarray(cv2.convexHull(points.reshape(-1, 1, 2).astype(np.float32)), np.float32).reshape(-1, 2)


def _spread(q: F32, homography: npt.NDArray[np.float64], query: Fingerprint, stored: Fingerprint) -> float:
    """Hull area of the inliers over the area where the two photos overlap (in query pixels)."""
    hull_area = float(cv2.contourArea(_hull(q).reshape(-1, 1, 2)))
    try:
        inverse = np.linalg.inv(homography)
    except np.linalg.LinAlgError:
        return 0.0
    corners = np.array([[0, 0], [stored.width, 0], [stored.width, stored.height], [0, stored.height]],
                       dtype=np.float32).reshape(-1, 1, 2)
    in_query = cv2.perspectiveTransform(corners, inverse).reshape(-1, 2)
    frame = np.array([[0, 0], [query.width, 0], [query.width, query.height], [0, query.height]], dtype=np.float32)
    area, _overlap = cv2.intersectConvexConvex(frame, in_query.astype(np.float32))
    if area <= 0:
        return 0.0
    return min(1.0, hull_area / float(area))


def identity_match(query: Fingerprint, stored: Fingerprint) -> GeometricMatch:
    """The pair as if nothing moved (frames laid on each other): for photos too plain for keypoints, whose
    global hash already says they look alike; the pixel checks then decide whether it is the same exposure."""
    scale_x, scale_y = stored.width / max(1, query.width), stored.height / max(1, query.height)
    homography = np.array([[scale_x, 0, 0.5 * scale_x - 0.5], [0, scale_y, 0.5 * scale_y - 0.5], [0, 0, 1]])
    frame = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float32)
    return GeometricMatch(
        mirrored=False, pairs=0, inliers=0, spread=1.0, similarity_share=1.0, similarity_rms_px=0.0,
        homography_rms_px=0.0, similarity=homography[:2].copy(), homography=homography,
        query_region=query.to_photo(np.asarray(frame * [query.width, query.height], np.float32)),
        stored_region=stored.to_photo(np.asarray(frame * [stored.width, stored.height], np.float32)),
        frame_share=(1.0, 1.0),
    )
