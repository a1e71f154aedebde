"""The RANSAC bound of the keypoint check (webapp.photos.matching.ransac_iterations): cut to what a real
model needs, so look-alikes that fit nothing fail fast, yet a model of the fewest inliers the check accepts is
still found among the most pairs that bound allows."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from webapp.photos.matching import (
    CONFIDENCE,
    MAX_ITERATIONS,
    MIN_INLIERS,
    MIN_ITERATIONS,
    SCENE_THRESHOLD_PX,
    ransac_iterations,
)


def test_the_bound_grows_with_the_pairs_and_stays_within_its_limits() -> None:
    bounds = [ransac_iterations(n) for n in range(MIN_INLIERS, 80)]
    assert bounds == sorted(bounds)
    assert bounds[0] == MIN_ITERATIONS and bounds[-1] == MAX_ITERATIONS
    assert ransac_iterations(20) < MAX_ITERATIONS / 10  # the commonest look-alike: 12-29 pairs
    assert ransac_iterations(0) == MIN_ITERATIONS


@pytest.mark.parametrize("pairs", [14, 20, 25, 30, 35])
def test_a_model_of_the_fewest_inliers_accepted_is_found_within_the_bound(pairs: int) -> None:
    """MIN_INLIERS pairs that one homography explains, the rest scattered: found in every one of 30 draws."""
    rng = np.random.default_rng(pairs)
    truth = np.array([[0.97, 0.05, 12.0], [-0.04, 1.02, -8.0], [1e-5, -2e-5, 1.0]])
    found = 0
    for _trial in range(30):
        query = rng.uniform(0, [640, 480], (pairs, 2)).astype(np.float32)
        stored = cv2.perspectiveTransform(query.reshape(-1, 1, 2), truth).reshape(-1, 2)
        stored[:MIN_INLIERS] += rng.normal(0, 0.7, (MIN_INLIERS, 2))
        stored[MIN_INLIERS:] = rng.uniform(0, [640, 480], (pairs - MIN_INLIERS, 2))
        _model, mask = cv2.findHomography(query, stored.astype(np.float32), cv2.USAC_MAGSAC, SCENE_THRESHOLD_PX,
                                          maxIters=ransac_iterations(pairs), confidence=CONFIDENCE)
        found += mask is not None and int(mask[:MIN_INLIERS].sum()) >= MIN_INLIERS - 1
    assert found == 30
