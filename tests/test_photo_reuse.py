"""Re-used photos are caught by the perceptual hash; new photos of the same shop are not.

Every hash here comes out of process_photo, as the app stores it. The scenes
are synthetic shopfronts (tests/photo_samples.py). The margins were measured
beyond the seeds used here: over 40 shops, every copy below stayed within 6
bits and other visits to the same shop were at least 16 bits away; over 4950
pairs of 100 different shops, one pair came at 12 bits, the rest at 14 or more,
none within 8.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

import pytest
from PIL import Image

from tests import photo_samples as samples
from tests.photo_samples import Shot
from webapp.photos.phash import SAME_PHOTO_BITS, hamming, phash
from webapp.photos.pipeline import Watermark, process_photo

DIFFERENT_PHOTO_BITS = 12
SIZE = (1200, 900)
SEEDS = [7, 21]

WATERMARK = Watermark(
    taken_at=datetime(2026, 11, 28, 6, 3, tzinfo=UTC),
    merchant_name="老王便利店",
    lat=31.230416,
    lon=121.473701,
)

# Another visit to the same shop: the manager stands elsewhere (15-25 % off),
# the light has changed, somebody is in the way.
OTHER_VISITS = {
    "stepped-left-evening": Shot(shift_x=-0.2, warmth=0.8, brightness=0.85, noise_seed=1),
    "closer-in-shade": Shot(zoom=1.3, shift_x=0.05, shift_y=0.1, shadow=0.7, noise_seed=2),
    "stepped-right-with-customer": Shot(shift_x=0.2, brightness=1.1, person=True, noise_seed=3),
}


@cache
def uploaded(seed: int, shot: Shot = Shot()) -> bytes:  # noqa: B008 - a frozen value, made once
    """The photo as the phone uploads it."""
    return samples.jpeg_bytes(samples.shop_scene(seed, SIZE, shot), quality=92)


@cache
def stored_phash(data: bytes) -> str:
    return process_photo(data, WATERMARK).phash


def recompressed(data: bytes) -> bytes:
    return samples.jpeg_bytes(samples.decode(data), quality=60)


def halved(data: bytes) -> bytes:
    image = samples.decode(data)
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    return samples.jpeg_bytes(half, quality=85)


def screenshot(data: bytes) -> bytes:
    return samples.screenshot_of(samples.decode(data))


def forwarded_screenshot(data: bytes) -> bytes:
    """A screenshot sent on through a chat app, which re-encodes it as JPEG."""
    return samples.jpeg_bytes(samples.decode(screenshot(data)), quality=75)


def gallery_screenshot(data: bytes) -> bytes:
    """The photo letterboxed in a phone's gallery app, screenshotted at 1080x2340."""
    return samples.screenshot_of(samples.decode(data), screen=(1080, 2340))


def stored_copy(data: bytes) -> bytes:
    """The unwatermarked stored original, uploaded again."""
    return process_photo(data, WATERMARK).original_jpeg


COPIES: dict[str, Callable[[bytes], bytes]] = {
    "recompressed-q60": recompressed,
    "resized-50%": halved,
    "screenshot-png": screenshot,
    "forwarded-screenshot": forwarded_screenshot,
    "gallery-screenshot": gallery_screenshot,
    "stored-original": stored_copy,
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("copy", list(COPIES))
def test_copies_of_a_photo_count_as_the_same_photo(seed: int, copy: str) -> None:
    original = uploaded(seed)
    duplicate = COPIES[copy](original)
    assert duplicate != original

    distance = hamming(stored_phash(original), stored_phash(duplicate))

    assert distance <= SAME_PHOTO_BITS


@pytest.mark.parametrize("seed", SEEDS)
def test_portrait_photo_screenshot_counts_as_the_same_photo(seed: int) -> None:
    original = samples.jpeg_bytes(samples.shop_scene(seed, (900, 1200)), quality=92)
    distance = hamming(stored_phash(original), stored_phash(screenshot(original)))
    assert distance <= SAME_PHOTO_BITS


@pytest.mark.parametrize("seed", SEEDS)
def test_other_visits_to_the_same_shop_are_different_photos(seed: int) -> None:
    photos = {"first-visit": uploaded(seed)}
    photos.update({name: uploaded(seed, shot) for name, shot in OTHER_VISITS.items()})
    hashes = {name: stored_phash(data) for name, data in photos.items()}

    for (a, hash_a), (b, hash_b) in itertools.combinations(hashes.items(), 2):
        assert hamming(hash_a, hash_b) > DIFFERENT_PHOTO_BITS, f"{a} vs {b}"


def test_different_shops_are_different_photos() -> None:
    hashes = {seed: stored_phash(uploaded(seed)) for seed in [3, 7, 21, 42, 58, 77]}
    for (a, hash_a), (b, hash_b) in itertools.combinations(hashes.items(), 2):
        assert hamming(hash_a, hash_b) > DIFFERENT_PHOTO_BITS, f"shop {a} vs shop {b}"


def test_screen_bars_are_ignored_but_the_photo_is_not() -> None:
    """A black letterbox is cut off; a flat sky above uneven rooftops is part of the photo."""
    scene = samples.shop_scene(7, (800, 600))
    boxed = Image.new("RGB", (800, 1000), (0, 0, 0))
    boxed.paste(scene, (0, 200))
    assert hamming(phash(scene), phash(boxed)) <= 4

    sky_cut = scene.crop((0, 150, 800, 600))
    assert hamming(phash(scene), phash(sky_cut)) > SAME_PHOTO_BITS


def test_hash_format_and_hamming() -> None:
    value = phash(samples.shop_scene(3, (320, 240)))
    assert len(value) == 16 and int(value, 16) >= 0
    assert value == phash(samples.shop_scene(3, (320, 240)))
    assert hamming(value, value) == 0
    assert hamming("0000000000000000", "ffffffffffffffff") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2
    for bad in ["", "123", "g" * 16, "0x00000000000000"]:
        with pytest.raises(ValueError):
            hamming(bad, value)


def test_flat_images_do_not_break_the_hash() -> None:
    for image in (
        Image.new("RGB", (300, 200), (0, 0, 0)),
        Image.new("RGB", (300, 200), (255, 255, 255)),
        Image.new("L", (1, 1), 128),
        Image.new("RGBA", (50, 500), (10, 200, 30, 128)),
    ):
        assert len(phash(image)) == 16
