"""Reuse verdicts per transformation and per false-match family, on the evaluation's generated scenes.

Each copy below is one thing people do to a photo before uploading it again (evaluation.photo_copies), and
must be called `reused` with the transformation found; each false-match family (another shop of the same
chain, an unrelated scene, the same place photographed again) must not be.
"""
from __future__ import annotations

import random
from functools import lru_cache

import pytest
from PIL import Image

from evaluation import photo_copies, photo_scenes
from evaluation.photo_scenes import Scene, View
from webapp.photos.fingerprint import Fingerprint, fingerprint, pack, unpack
from webapp.photos.phash import content_box
from webapp.photos.reuse_index import KEY_POSTING_CAP, MemoryIndex, choose_keys, rank
from webapp.photos.verdict import Verdict, judge

SIDE = 800


def size_of(kind: str) -> tuple[int, int]:
    return (SIDE * 3 // 4, SIDE) if kind == "shelf" else (SIDE, SIDE * 3 // 4)


@lru_cache(maxsize=16)
def original(kind: str, seed: int = 1) -> Image.Image:
    return photo_scenes.photo(Scene(kind, seed, chain=seed), View(noise=seed), size_of(kind))


def fp(image: Image.Image, *, query: bool) -> Fingerprint:
    return fingerprint(image, content_box(image), query=query)


def verdict_of(copy: Image.Image, source: Image.Image) -> Verdict | None:
    return judge(fp(copy, query=True), copy, fp(source, query=False), source)


def found_by_index(copy: Image.Image, source: Image.Image) -> bool:
    index = MemoryIndex()
    index.add(0, fp(source, query=False))
    return any(ref == 0 for ref, _votes in index.candidates(fp(copy, query=True)))


@pytest.mark.parametrize("steps", [("crop",), ("rotate",), ("mirror",), ("resize",), ("recompress",), ("colour",),
                                   ("screenshot",), ("rotate", "crop"), ("mirror", "screenshot"),
                                   ("colour", "resize")], ids=photo_copies.label)
@pytest.mark.parametrize("kind", ["street", "shelf"])
def test_each_transformation_is_found_and_called_reuse(kind: str, steps: tuple[str, ...]) -> None:
    source = original(kind)
    copy = photo_copies.apply(source, steps, random.Random(f"{kind}{steps}"))
    assert found_by_index(copy, source)
    verdict = verdict_of(copy, source)
    assert verdict is not None and verdict.kind == "reused", verdict
    evidence = verdict.evidence()
    assert evidence["why"] == "same_exposure" and evidence["figures"]["detail_correlation"] >= 0.4
    assert evidence["transform"]["mirrored"] is ("mirror" in steps)
    assert len(evidence["region"]["this"]) >= 3 and len(evidence["region"]["other"]) >= 3


def test_the_transformation_found_is_the_one_applied() -> None:
    """A copy cut to the middle 80 % and turned 4 degrees: the evidence says so."""
    source = original("interior")
    width, height = source.size
    turned = source.rotate(4, Image.Resampling.BICUBIC, expand=False)
    copy = turned.crop((round(width * 0.1), round(height * 0.1), round(width * 0.9), round(height * 0.9)))
    half = copy.resize((copy.width // 2, copy.height // 2), Image.Resampling.BILINEAR)
    verdict = verdict_of(half, source)
    assert verdict is not None and verdict.kind == "reused"
    transform = verdict.evidence()["transform"]
    assert transform["rotation_deg"] == pytest.approx(4, abs=0.5)
    assert transform["scale"] == pytest.approx(0.5, abs=0.05)
    assert transform["shows"] == pytest.approx([0.8, 0.8], abs=0.03)
    x0, y0, x1, y1 = transform["crop"]  # the turned frame's bounding box on the original
    assert (x0 + x1) / 2 == pytest.approx(0.5, abs=0.03) and (y0 + y1) / 2 == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("kind", photo_scenes.KINDS)
def test_another_shop_of_the_same_chain_is_not_a_match(kind: str) -> None:
    """Same brand, signboard and goods; another place."""
    other = photo_scenes.photo(Scene(kind, 2, chain=1), View(noise=9), size_of(kind))
    assert verdict_of(other, original(kind)) is None


def test_an_unrelated_scene_is_not_a_match() -> None:
    assert verdict_of(original("stock", 5), original("street", 6)) is None


@pytest.mark.parametrize("kind", photo_scenes.KINDS)
def test_the_same_scene_photographed_again_is_same_scene_never_reuse(kind: str) -> None:
    rng = random.Random(f"again:{kind}")
    while True:
        try:
            again = photo_scenes.photo(Scene(kind, 1, chain=1), photo_scenes.reshoot_view(rng), size_of(kind))
            break
        except ValueError:
            continue
    verdict = verdict_of(again, original(kind))
    assert verdict is not None and verdict.kind == "same_scene", verdict
    assert verdict.evidence()["why"] == "another_exposure"
    assert verdict.pixels.detail_correlation < 0.2


def test_fingerprint_storage_round_trip() -> None:
    stored = fp(original("street"), query=False)
    back = unpack(pack(stored))
    assert back.box == pytest.approx(stored.box) and (back.width, back.height) == (stored.width, stored.height)
    assert (back.signatures == stored.signatures).all()
    assert abs(back.points - stored.points).max() < 1 / 32 + 1e-6
    assert len(pack(stored)) < 3_200  # about 23 bytes a point


def test_common_keys_are_capped_and_need_two_votes() -> None:
    keys = list(range(100))
    holders = {0: KEY_POSTING_CAP, 1: KEY_POSTING_CAP - 1}
    chosen = choose_keys(keys, holders)
    assert 0 not in chosen and chosen[0] == 1 and len(chosen) == 48
    assert rank([(1, 7), (2, 7), (3, 8), (3, 8)]) == [(7, 2)]  # photo 8: one key, counted once


@pytest.mark.parametrize("fill", [(0, 0, 0), (255, 255, 255)])
def test_a_turned_photo_on_a_screen_is_cut_out_of_the_screen(fill: tuple[int, int, int]) -> None:
    """Turned with its corners filled, then screenshotted: the picture's edge is slanted, not a straight bar
    edge, yet the analysed region must be the picture, not the whole tall screen around it."""
    source = original("street")
    turned = source.rotate(4, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    screen = Image.new("RGB", (1080, 2340), (0, 0, 0))
    shown = turned.resize((1080, round(turned.height * 1080 / turned.width)), Image.Resampling.BICUBIC)
    screen.paste(shown, (0, (screen.height - shown.height) // 2))
    left, top, right, bottom = content_box(screen)
    width, height = (right - left) * screen.width, (bottom - top) * screen.height
    assert max(width, height) / min(width, height) < 1.5  # the picture's shape, not the screen's 2.17
    assert found_by_index(screen, source)
    verdict = verdict_of(screen, source)
    assert verdict is not None and verdict.kind == "reused", verdict


def test_rare_keys_outweigh_common_ones() -> None:
    common = [(key, ref) for key in (20, 21, 22) for ref in range(100, 108)]  # three keys, eight photos each
    crowd = [(key, ref) for key in (30, 31) for ref in range(200, 210)]  # two keys, ten photos each
    ranked = rank([(10, 5), (11, 5), *common, *crowd])
    assert ranked[0] == (5, 2.0)  # two keys nobody else holds
    assert [ref for ref, _score in ranked[1:]] == list(range(100, 105))  # 3/8 each, the earlier photos first
    assert not any(ref >= 200 for ref, _score in ranked)  # 2/10 < MIN_SCORE: not worth verifying
