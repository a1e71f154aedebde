"""The verdict on a pair of photos: a reused capture, the same scene photographed again, or unrelated.

Pure: fingerprints, pixels and thresholds in, a `Verdict` with its figures and the transformation out. The
write path and the evaluation script (scripts/eval_photo_reuse.py) both call `judge`, so the figures the
README gives are the figures of the code that flags.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from PIL import Image

from webapp.photos.exposure import PixelComparison, compare
from webapp.photos.fingerprint import Fingerprint
from webapp.photos.matching import GeometricMatch, match

Kind = Literal["reused", "same_scene"]


@dataclass(frozen=True)
class Thresholds:
    """Settings (webapp/config.py: PHOTO_MATCH_MIN_INLIERS, PHOTO_MATCH_MIN_SPREAD, PHOTO_SCENE_AGREEMENT_MIN,
    PHOTO_SCENE_AGREEMENT_STRONG, PHOTO_COPY_DETAIL_MIN, PHOTO_COPY_AGREEMENT_MIN)."""

    min_inliers: int = 12
    min_spread: float = 0.05
    scene_agreement: float = 0.3
    scene_agreement_strong: float = 0.5
    copy_detail: float = 0.4
    copy_agreement: float = 0.7


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    geometry: GeometricMatch
    pixels: PixelComparison
    pixel_scale: float  # this photo's pixels per pixel of the other, in the photos as uploaded and stored

    def evidence(self) -> dict[str, Any]:
        """What the flag stores: the verdict and why, the transformation and the matched regions."""
        g, p = self.geometry, self.pixels
        return {
            "verdict": self.kind,
            "why": "same_exposure" if self.kind == "reused" else "another_exposure",
            "transform": {**transform_of(g), "scale": round(self.pixel_scale, 3)},
            "region": {"this": _polygon(g.query_region), "other": _polygon(g.stored_region)},
            "figures": {
                "points": g.inliers,
                "similarity_share": round(g.similarity_share, 3),
                "similarity_rms_px": round(g.similarity_rms_px, 2) if math.isfinite(g.similarity_rms_px) else None,
                "scene_agreement": round(p.scene_agreement, 3),
                "detail_correlation": round(p.detail_correlation, 3),
                "detail_side_px": p.detail_side,
            },
        }


def judge(query: Fingerprint, query_image: Image.Image, stored: Fingerprint, stored_image: Image.Image,
          thresholds: Thresholds = Thresholds()) -> Verdict | None:
    """Reused when the pair agrees everywhere and shares its fine detail under one similarity; the same scene
    when it agrees but the detail is another exposure's; None when the keypoints or the pixels disagree."""
    found = geometry(query, stored, thresholds)
    if found is None:
        return None
    return decide(query, query_image, stored, stored_image, found, thresholds)


def geometry(query: Fingerprint, stored: Fingerprint, thresholds: Thresholds = Thresholds()) -> GeometricMatch | None:
    """The keypoint step alone (no pixels): cheap, so every candidate of the index goes through it."""
    found = match(query, stored)
    if found is None or found.inliers < thresholds.min_inliers:
        return None
    return found


def decide(query: Fingerprint, query_image: Image.Image, stored: Fingerprint, stored_image: Image.Image,
           found: GeometricMatch, thresholds: Thresholds = Thresholds()) -> Verdict | None:
    """The pixel step on a pair whose geometry is known (from keypoints, or the identity for plain photos)."""
    pixels = compare(query_image, query, stored_image, stored, found)
    scale = found.scale * _native_per_analysis(query_image, query) / _native_per_analysis(stored_image, stored)
    if (pixels.detail_correlation >= thresholds.copy_detail and pixels.scene_agreement >= thresholds.copy_agreement
            and pixels.detail_cells >= 4):
        return Verdict("reused", found, pixels, scale)
    # Another exposure: the points must cover the scene, not one signboard or the counter that shops of a
    # chain share, and the structure must agree there: strongly, or weakly over twice the spread.
    broad = found.spread >= 2 * thresholds.min_spread
    if (found.spread >= thresholds.min_spread and pixels.structure_cells >= 4
            and (pixels.scene_agreement >= thresholds.scene_agreement_strong
                 or (broad and pixels.scene_agreement >= thresholds.scene_agreement))):
        return Verdict("same_scene", found, pixels, scale)
    return None


def _native_per_analysis(image: Image.Image, fp: Fingerprint) -> float:
    return (fp.box[2] - fp.box[0]) * image.width / max(1, fp.width)


def transform_of(g: GeometricMatch) -> dict[str, Any]:
    """Crop, rotation, scale and mirror that take the other photo to this one, in words a reviewer reads.

    `shows` is this photo's width and height as shares of the other's ("90 % x 100 % of that photo, turned
    3 degrees"); `crop` the bounding box, on the other photo, of the part they share (fractions).
    """
    region = g.stored_region
    crop = None
    if len(region) >= 3:
        x0, y0 = np.clip(region.min(axis=0), 0.0, 1.0)
        x1, y1 = np.clip(region.max(axis=0), 0.0, 1.0)
        crop = [round(float(v), 3) for v in (x0, y0, x1, y1)]
    share = [round(min(1.0, v), 3) for v in g.frame_share]
    return {"scale": round(g.scale, 3), "rotation_deg": round(g.rotation_deg, 1), "mirrored": g.mirrored,
            "crop": crop, "shows": share}


def _polygon(points: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 4), round(float(y), 4)] for x, y in points]
