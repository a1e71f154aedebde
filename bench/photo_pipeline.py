"""Time process_photo against a naive Pillow pipeline on a 12 MP phone-like JPEG.

Run as `.venv/bin/python bench/photo_pipeline.py [--n 5]`. The naive pipeline is
what one writes first: full decode, exif_transpose, three LANCZOS resizes from
full size, the same watermark, three saves. process_photo does more work
(SHA-256, perceptual hash, keypoint fingerprint for the reuse search, EXIF
evidence) and should still take at most 0.6x the time. Runs are interleaved so that machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageOps

from tests import photo_samples as samples
from webapp.photos.pipeline import Watermark, draw_watermark, process_photo

WATERMARK = Watermark(
    taken_at=datetime(2026, 11, 28, 6, 3, tzinfo=UTC),
    merchant_name="老王便利店",
    lat=31.230416,
    lon=121.473701,
    manager_name="张三",
)
TARGET_RATIO = 0.6


def phone_jpeg() -> bytes:
    """4000x3000, quality 92, sensor-like texture (3-5 MB), stored sideways with EXIF Orientation 6."""
    scene = samples.shop_scene(11, (4000, 3000))
    textured = samples.add_noise(scene, amplitude=12, seed=11)
    sideways = samples.as_stored(textured, 6)
    exif = samples.make_exif(
        orientation=6,
        taken_at=datetime(2026, 11, 28, 14, 3, 7),
        lat=31.230416,
        lon=121.473701,
        make="Xiaomi",
        model="23127PN0CC",
    )
    return samples.jpeg_bytes(sideways, quality=92, exif=exif)


def naive_pipeline(data: bytes, watermark: Watermark) -> list[bytes]:
    image = Image.open(io.BytesIO(data))
    image.load()
    upright = ImageOps.exif_transpose(image).convert("RGB")
    outputs = []
    for long_side, quality, marked in ((2048, 90, False), (1600, 82, True), (320, 75, False)):
        scale = long_side / max(upright.size)
        size = (round(upright.width * scale), round(upright.height * scale))
        copy = upright.resize(size, Image.Resampling.LANCZOS)
        if marked:
            draw_watermark(copy, watermark)
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=quality)
        outputs.append(buffer.getvalue())
    return outputs


def timed(function: object, *args: object) -> float:
    start = time.perf_counter()
    function(*args)  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5, help="timed runs of each pipeline (default 5)")
    args = parser.parse_args()

    print("making a 12 MP test photo ...", flush=True)
    data = phone_jpeg()
    with Image.open(io.BytesIO(data)) as probe:
        print(f"input: {probe.size[0]}x{probe.size[1]} JPEG, {len(data) / 1e6:.1f} MB, EXIF Orientation 6")

    # Warm-up: font loading, plugin imports, first-touch allocations.
    process_photo(data, WATERMARK)
    naive_pipeline(data, WATERMARK)

    pipeline_ms: list[float] = []
    naive_ms: list[float] = []
    for run in range(args.n):
        # Alternate which goes first so neither always runs on a warmer cache.
        if run % 2 == 0:
            pipeline_ms.append(timed(process_photo, data, WATERMARK))
            naive_ms.append(timed(naive_pipeline, data, WATERMARK))
        else:
            naive_ms.append(timed(naive_pipeline, data, WATERMARK))
            pipeline_ms.append(timed(process_photo, data, WATERMARK))

    pipeline_mean = statistics.mean(pipeline_ms)
    naive_mean = statistics.mean(naive_ms)
    ratio = pipeline_mean / naive_mean
    print(
        f"pipeline {pipeline_mean:.1f} ms/photo  naive {naive_mean:.1f} ms/photo  ratio {ratio:.2f}"
        f"  (n={args.n}; best {min(pipeline_ms):.1f} / {min(naive_ms):.1f} ms)"
    )
    verdict = "OK" if ratio <= TARGET_RATIO else "SLOWER THAN TARGET"
    print(f"target ratio <= {TARGET_RATIO}: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
