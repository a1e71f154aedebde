"""The evaluation sets at the small size CI runs, with their aims asserted (make eval-reuse and make
eval-copies run them at full size and print the figures).

They touch no database, so they run in the SQLite pass only.
"""
from __future__ import annotations

import pytest

from evaluation import photo_reuse, report_texts
from tests.conftest import postgres_url
from webapp.config import default_config

pytestmark = pytest.mark.skipif(postgres_url() is not None, reason="no database: runs in the SQLite pass")


def test_photo_reuse_evaluation_meets_its_aims() -> None:
    report = photo_reuse.run(photo_reuse.SMALL, workers=1)
    assert len(report.recall) == 28  # 7 transformations alone and 21 pairs
    assert report.counts["lookalike"] and report.counts["unrelated"] and report.counts["reshoot"]
    assert report.failures() == [], report.misses
    assert min(report.recall.values()) >= photo_reuse.AIM_RECALL
    assert report.false_match_rate <= photo_reuse.AIM_FALSE_MATCH
    assert report.reshoot_same_scene >= photo_reuse.AIM_RESHOOT_SAME_SCENE and report.reshoot_reused == 0


def test_report_copy_evaluation_meets_its_aims() -> None:
    config = default_config("instance")
    report = report_texts.run(report_texts.SMALL, min_similarity=float(config["REPORT_COPY_MIN_SIMILARITY"]),
                              min_shared=int(config["REPORT_COPY_MIN_SHARED"]))
    assert len(report.recall) == 21  # 6 edits alone and 15 pairs
    assert report.failures() == []
    assert min(report.recall.values()) >= report_texts.AIM_RECALL
    assert report.false_match_rate <= report_texts.AIM_FALSE_MATCH and report.stock_matches == 0
