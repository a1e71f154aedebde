"""The upload pipeline: allow-list, caps, full decode, orientation, clean outputs, evidence, watermark."""

from __future__ import annotations

import hashlib
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image, ImageDraw, ImageFile, ImageOps, JpegImagePlugin
from PIL.ExifTags import GPS, IFD, Base

from tests import photo_samples as samples
from webapp.photos import exif, pipeline
from webapp.photos import watermark as watermarks
from webapp.photos.phash import hamming
from webapp.photos.pipeline import (
    PhotoEvidence,
    PhotoRejected,
    ProcessedPhoto,
    Watermark,
    process_photo,
    sniff_format,
)

WATERMARK = Watermark(
    taken_at=datetime(2026, 11, 28, 6, 3, 41, tzinfo=UTC),
    merchant_name="老王便利店",
    lat=31.230416,
    lon=121.473701,
    manager_name="张三",
)

# Centres of the quadrants of samples.quadrant_image(), as fractions of the size.
QUADRANTS = {
    (0.25, 0.25): (255, 0, 0),
    (0.75, 0.25): (0, 255, 0),
    (0.25, 0.75): (0, 0, 255),
    (0.75, 0.75): (255, 255, 0),
}


def outputs(result: ProcessedPhoto) -> dict[str, Image.Image]:
    return {
        "original": samples.decode(result.original_jpeg),
        "display": samples.decode(result.display_jpeg),
        "thumb": samples.decode(result.thumb_jpeg),
    }


def assert_upright_quadrants(image: Image.Image, label: str) -> None:
    assert image.width > image.height, f"{label}: {image.size} is not landscape"
    for (fx, fy), expected in QUADRANTS.items():
        actual = image.getpixel((int(image.width * fx), int(image.height * fy)))
        assert all(abs(a - e) <= 40 for a, e in zip(actual, expected)), (
            f"{label}: quadrant at {(fx, fy)} is {actual}, expected {expected}"
        )


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the scan data."""
    assert data[:2] == b"\xff\xd8"
    segments = []
    position = 2
    while position < len(data):
        assert data[position] == 0xFF, f"no marker at {position}"
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        segments.append((marker, data[position + 4 : position + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        position += 2 + length
    return segments


# --- orientation -----------------------------------------------------------------


def test_stored_as_mapping_agrees_with_pillow() -> None:
    """The hand-written test mapping is checked once against Pillow's own reading of EXIF."""
    upright = samples.quadrant_image()
    for orientation in range(1, 9):
        stored = samples.as_stored(upright, orientation)
        stored.getexif()[Base.Orientation] = orientation
        assert ImageOps.exif_transpose(stored).tobytes() == upright.tobytes(), orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_outputs_are_upright_for_every_exif_orientation(orientation: int) -> None:
    stored = samples.as_stored(samples.quadrant_image(), orientation)
    data = samples.jpeg_bytes(stored, exif=samples.make_exif(orientation=orientation))

    result = process_photo(data, WATERMARK)

    for label, image in outputs(result).items():
        assert_upright_quadrants(image, f"orientation {orientation}, {label}")
    assert (result.evidence.width, result.evidence.height) == (400, 300)
    assert result.evidence.exif_orientation == orientation


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_large_jpeg_is_upright_after_reduced_decode(orientation: int) -> None:
    """draft() changes the decoded size; the rotation must still follow the EXIF value."""
    stored = samples.as_stored(samples.quadrant_image((4096, 3072)), orientation)
    data = samples.jpeg_bytes(stored, quality=80, exif=samples.make_exif(orientation=orientation))

    result = process_photo(data, WATERMARK)

    images = outputs(result)
    for label, image in images.items():
        assert_upright_quadrants(image, f"orientation {orientation}, {label}")
    assert images["original"].size == (2048, 1536)
    assert (result.evidence.width, result.evidence.height) == (4096, 3072)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_png_with_exif_orientation_is_upright(orientation: int) -> None:
    stored = samples.as_stored(samples.quadrant_image(), orientation)
    data = samples.png_bytes(stored, exif=samples.make_exif(orientation=orientation))

    result = process_photo(data, WATERMARK)

    for label, image in outputs(result).items():
        assert_upright_quadrants(image, f"PNG orientation {orientation}, {label}")
    assert result.evidence.format == "PNG"
    assert result.evidence.exif_orientation == orientation


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_heic_is_upright_and_keeps_the_uploaded_orientation_as_evidence(orientation: int) -> None:
    stored = samples.as_stored(samples.quadrant_image(), orientation)
    exif = samples.make_exif(orientation=orientation, make="Apple", model="iPhone 15 Pro")
    data = samples.heic_bytes(stored, exif=exif.tobytes())

    result = process_photo(data, WATERMARK)

    for label, image in outputs(result).items():
        assert_upright_quadrants(image, f"HEIC orientation {orientation}, {label}")
    assert result.evidence.format == "HEIF"
    assert result.evidence.exif_orientation == orientation
    assert result.evidence.exif_device == "Apple iPhone 15 Pro"


def test_phash_is_of_the_upright_image() -> None:
    upright = samples.shop_scene(5, (800, 600))
    plain = process_photo(samples.jpeg_bytes(upright), WATERMARK)
    rotated = process_photo(
        samples.jpeg_bytes(samples.as_stored(upright, 6), exif=samples.make_exif(orientation=6)),
        WATERMARK,
    )
    assert hamming(plain.phash, rotated.phash) <= 2


# --- no metadata in anything stored ------------------------------------------------

METADATA_KEYS = ("exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp", "photoshop")


def metadata_laden_upload(kind: str) -> bytes:
    scene = samples.shop_scene(2, (640, 480))
    exif = samples.make_exif(orientation=1, lat=31.2, lon=121.4, make="HUAWEI", model="ALN-AL00")
    if kind == "jpeg":
        return samples.jpeg_full_of_metadata(scene)
    if kind == "big-jpeg":
        return samples.jpeg_full_of_metadata(scene.resize((4200, 3150)))
    if kind == "png":
        return samples.png_bytes(scene, exif=exif, icc_profile=samples.icc_srgb(), pnginfo=_png_text())
    return samples.heic_bytes(scene, exif=exif.tobytes(), icc_profile=samples.icc_srgb())


def _png_text() -> object:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret comment")
    info.add_itxt("XML:com.adobe.xmp", samples.XMP.decode())
    return info


@pytest.mark.parametrize("kind", ["jpeg", "big-jpeg", "png", "heic"])
def test_outputs_carry_no_metadata(kind: str) -> None:
    data = metadata_laden_upload(kind)
    reopened = samples.decode(data)
    assert any(key in reopened.info for key in METADATA_KEYS), "the sample should carry metadata"

    result = process_photo(data, WATERMARK)

    for label, blob in (
        ("original", result.original_jpeg),
        ("display", result.display_jpeg),
        ("thumb", result.thumb_jpeg),
    ):
        image = samples.decode(blob)
        assert image.format == "JPEG"
        leaked = [key for key in METADATA_KEYS if key in image.info]
        assert not leaked, f"{kind} {label} carries {leaked}"
        assert len(image.getexif()) == 0, f"{kind} {label} has EXIF"
        for needle in (b"Exif\x00\x00", b"ICC_PROFILE", b"secret comment", b"xmpmeta", b"HUAWEI", b"Xiaomi"):
            assert needle not in blob, f"{kind} {label} contains {needle!r}"
        # Only the JFIF header may precede the image data: no APPn but APP0, no COM.
        markers = [marker for marker, _ in jpeg_segments(blob)]
        extra = [hex(m) for m in markers if (0xE1 <= m <= 0xEF) or m == 0xFE]
        assert not extra, f"{kind} {label} has segments {extra}"


# --- watermark -------------------------------------------------------------------


def test_watermark_darkens_a_band_at_the_bottom_only() -> None:
    scene = samples.shop_scene(9, (2400, 1800))
    result = process_photo(samples.jpeg_bytes(scene, quality=92), WATERMARK)

    display = samples.decode(result.display_jpeg)
    assert display.size == (1600, 1200)
    unmarked = samples.decode(result.original_jpeg).resize(display.size, Image.Resampling.BILINEAR)
    grey_display = display.convert("L")
    grey_unmarked = unmarked.convert("L")

    def mean_difference(box: tuple[int, int, int, int]) -> float:
        a = grey_display.crop(box).tobytes()
        b = grey_unmarked.crop(box).tobytes()
        return sum(abs(x - y) for x, y in zip(a, b)) / len(a)

    def mean(image: Image.Image, box: tuple[int, int, int, int]) -> float:
        data = image.crop(box).tobytes()
        return sum(data) / len(data)

    top = (0, 0, 1600, 600)
    band = (0, 1200 - 60, 1600, 1200)
    assert mean_difference(top) < 3
    assert mean_difference(band) > 20
    assert mean(grey_display, band) < mean(grey_unmarked, band) * 0.8, "the band should be darker"
    bright = sum(1 for v in grey_display.crop((0, 1050, 1600, 1200)).tobytes() if v > 230)
    assert bright > 1000, "white text should be drawn on the band"


def test_watermark_scales_with_a_small_image() -> None:
    result = process_photo(samples.jpeg_bytes(samples.shop_scene(9, (300, 400))), WATERMARK)
    display = samples.decode(result.display_jpeg)
    assert display.size == (300, 400)
    top = display.convert("L").crop((0, 0, 300, 100)).tobytes()
    assert max(top) - min(top) > 30, "the top of a small photo must stay visible"


def test_watermark_text_lines() -> None:
    assert watermarks.watermark_lines(WATERMARK) == [
        "2026-11-28 14:03 · 老王便利店",
        "31.230416, 121.473701 (WGS-84)",
        "客户经理：张三",
    ]
    no_fix = Watermark(
        taken_at=datetime(2026, 11, 28, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
        merchant_name="  阿芳\n早餐店 ",
        lat=None,
        lon=121.5,
    )
    assert watermarks.watermark_lines(no_fix) == ["2026-11-29 12:59 · 阿芳 早餐店", "无定位"]


def test_watermark_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        Watermark(taken_at=datetime(2026, 11, 28, 14, 3), merchant_name="x", lat=None, lon=None)


def test_long_merchant_name_is_cut_to_fit() -> None:
    long_name = Watermark(
        taken_at=WATERMARK.taken_at, merchant_name="很长的商户名称" * 30, lat=None, lon=None
    )
    result = process_photo(samples.jpeg_bytes(samples.quadrant_image()), long_name)
    assert samples.decode(result.display_jpeg).size == (400, 300)


def test_missing_font_falls_back_to_pillows_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watermarks, "FONT_PATH", "/nonexistent/font.ttc")
    watermarks._font.cache_clear()
    try:
        result = process_photo(samples.jpeg_bytes(samples.quadrant_image()), WATERMARK)
    finally:
        watermarks._font.cache_clear()
    assert samples.decode(result.display_jpeg).size == (400, 300)


# --- speed: reduced JPEG decode ---------------------------------------------------


DraftCall = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]


@pytest.fixture
def draft_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[DraftCall]]:
    """Records (size before, size requested, size after) for every JPEG draft() call."""
    calls: list[DraftCall] = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None) -> object:
        before = self.size
        outcome = real_draft(self, mode, size)
        calls.append((before, size or before, self.size))
        return outcome

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    yield calls


def test_large_jpeg_is_decoded_at_a_reduced_scale(draft_calls: list[DraftCall]) -> None:
    result = process_photo(samples.big_plain_jpeg((4096, 3072)), WATERMARK)

    assert len(draft_calls) == 1
    before, requested, after = draft_calls[0]
    assert before == (4096, 3072)
    assert requested == (1600, 1200), "the draft asks for what the display copy needs"
    assert after == (2048, 1536), "libjpeg should have decoded at 1/2 scale"
    assert samples.decode(result.original_jpeg).size == (2048, 1536)


def test_a_12_megapixel_photo_decodes_at_half_scale(draft_calls: list[DraftCall]) -> None:
    result = process_photo(samples.big_plain_jpeg((4000, 3000)), WATERMARK)
    _, _, after = draft_calls[0]
    assert after == (2000, 1500)
    assert max(after) >= 1600, "never below the display copy"
    assert samples.decode(result.original_jpeg).size == (2000, 1500)
    assert samples.decode(result.display_jpeg).size == (1600, 1200)


def test_small_jpeg_is_not_drafted(draft_calls: list[DraftCall]) -> None:
    process_photo(samples.jpeg_bytes(samples.quadrant_image((1200, 900))), WATERMARK)
    assert draft_calls == []


def test_48_megapixel_phone_photo_passes(draft_calls: list[DraftCall]) -> None:
    data = samples.big_plain_jpeg((8000, 6000))

    result = process_photo(data, WATERMARK)

    assert (result.evidence.width, result.evidence.height) == (8000, 6000)
    assert samples.decode(result.original_jpeg).size == (2000, 1500)
    assert draft_calls[0][2] == (2000, 1500), "1/4 scale covers the display copy"
    assert result.sha256 == hashlib.sha256(data).hexdigest()


# --- sizes and qualities ------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "original", "display", "thumb"),
    [
        # A 12 MP JPEG is decoded at half scale (enough for the display copy), so its original is 2000 px.
        ((4000, 3000), (2000, 1500), (1600, 1200), (320, 240)),
        ((3000, 4000), (1500, 2000), (1200, 1600), (240, 320)),
        ((1800, 1800), (1800, 1800), (1600, 1600), (320, 320)),
        ((800, 600), (800, 600), (800, 600), (320, 240)),
        ((200, 100), (200, 100), (200, 100), (200, 100)),
        ((9000, 1000), (2048, 228), (1600, 178), (320, 36)),
    ],
)
def test_sizes_are_capped_and_never_upscaled(
    size: tuple[int, int], original: tuple[int, int], display: tuple[int, int], thumb: tuple[int, int]
) -> None:
    result = process_photo(samples.big_plain_jpeg(size), WATERMARK)
    images = outputs(result)
    assert images["original"].size == original
    assert images["display"].size == display
    assert images["thumb"].size == thumb


def _quantization(quality: int) -> dict[int, list[int]]:
    return samples.decode(samples.jpeg_bytes(Image.new("RGB", (16, 16)), quality=quality)).quantization


def test_outputs_use_the_agreed_jpeg_qualities() -> None:
    result = process_photo(samples.jpeg_bytes(samples.shop_scene(1, (900, 675))), WATERMARK)
    assert samples.decode(result.original_jpeg).quantization == _quantization(90)
    assert samples.decode(result.display_jpeg).quantization == _quantization(82)
    assert samples.decode(result.thumb_jpeg).quantization == _quantization(75)


@pytest.mark.parametrize(
    "image",
    [
        Image.new("CMYK", (300, 200), (0, 255, 255, 0)),
        Image.new("L", (300, 200), 90),
    ],
    ids=["cmyk-jpeg", "grey-jpeg"],
)
def test_jpeg_colour_modes_become_rgb(image: Image.Image) -> None:
    result = process_photo(samples.jpeg_bytes(image), WATERMARK)
    for label, output in outputs(result).items():
        assert output.mode == "RGB", label


def _transparent_png(mode: str) -> bytes:
    """Left half opaque dark red, right half fully transparent."""
    if mode == "P":
        palette_image = Image.new("P", (200, 100), 0)
        palette_image.putpalette([0, 0, 0, 200, 20, 20])
        ImageDraw.Draw(palette_image).rectangle((0, 0, 99, 99), fill=1)
        return samples.png_bytes(palette_image, transparency=0)
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(200, 20, 20, 255))
    if mode == "LA":
        return samples.png_bytes(image.convert("LA"))
    return samples.png_bytes(image)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_png_is_flattened_on_white(mode: str) -> None:
    result = process_photo(_transparent_png(mode), WATERMARK)
    original = samples.decode(result.original_jpeg)
    assert original.mode == "RGB"
    assert all(v >= 245 for v in original.getpixel((150, 50))), "transparent area should be white"
    assert max(original.getpixel((50, 50))) < 245, "opaque area keeps its colour"


def test_16_bit_grey_png_is_scaled_not_clipped() -> None:
    ramp = Image.frombytes("L", (256, 1), bytes(range(256))).resize((256, 64), Image.Resampling.NEAREST)
    ramp = ramp.convert("I").point(lambda v: v * 257)
    data = samples.png_bytes(ramp.convert("I;16"))
    result = process_photo(data, WATERMARK)
    original = samples.decode(result.original_jpeg).convert("L")
    assert original.getpixel((128, 5)) in range(110, 150)
    assert original.getpixel((2, 5)) < 20
    assert original.getpixel((253, 5)) > 235


def test_mpo_from_a_phone_counts_as_jpeg() -> None:
    first = samples.shop_scene(3, (640, 480))
    second = first.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    data = samples.encoded(first, "MPO", save_all=True, append_images=[second])
    assert samples.decode(data).format == "MPO"

    result = process_photo(data, WATERMARK)

    assert result.evidence.format == "JPEG"
    assert samples.decode(result.original_jpeg).size == (640, 480)


# --- EXIF evidence ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(31.230416, 121.473701), (-33.868820, -151.209296), (-12.046374, 77.042793), (51.507351, -0.127758)],
    ids=["N-E", "S-W", "S-E", "N-W"],
)
def test_exif_evidence_is_extracted(lat: float, lon: float) -> None:
    exif = samples.make_exif(
        taken_at=datetime(2026, 11, 28, 14, 3, 7),
        modified_at=datetime(2026, 11, 29, 9, 0, 0),
        lat=lat,
        lon=lon,
        make="Xiaomi",
        model="23127PN0CC",
        software="V816.0.3.0.UNCCNXM",
    )
    data = samples.jpeg_bytes(samples.quadrant_image(), exif=exif)

    evidence = process_photo(data, WATERMARK).evidence

    assert evidence.format == "JPEG"
    assert evidence.exif_taken_at == datetime(2026, 11, 28, 14, 3, 7), "DateTimeOriginal wins over DateTime"
    assert evidence.exif_lat == pytest.approx(lat, abs=1e-6)
    assert evidence.exif_lon == pytest.approx(lon, abs=1e-6)
    assert evidence.exif_device == "Xiaomi 23127PN0CC"
    assert evidence.exif_software == "V816.0.3.0.UNCCNXM"
    assert evidence.exif_orientation is None


def test_datetime_is_used_when_there_is_no_datetimeoriginal() -> None:
    exif = samples.make_exif(modified_at=datetime(2026, 3, 4, 5, 6, 7))
    evidence = process_photo(samples.jpeg_bytes(samples.quadrant_image(), exif=exif), WATERMARK).evidence
    assert evidence.exif_taken_at == datetime(2026, 3, 4, 5, 6, 7)


def test_photo_without_exif_has_empty_evidence() -> None:
    data = samples.jpeg_bytes(samples.quadrant_image())
    result = process_photo(data, WATERMARK)
    assert result.evidence == PhotoEvidence(
        format="JPEG",
        width=400,
        height=300,
        exif_taken_at=None,
        exif_lat=None,
        exif_lon=None,
        exif_device=None,
        exif_orientation=None,
        exif_software=None,
    )
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert len(result.phash) == 16 and int(result.phash, 16) >= 0


ASCII, SHORT, LONG, RATIONAL = 2, 3, 4, 5


def _garbage_exif_cases() -> dict[str, tuple[bytes | Image.Exif, dict[str, object]]]:
    """name -> (EXIF to embed, evidence fields expected)."""
    cases: dict[str, tuple[bytes | Image.Exif, dict[str, object]]] = {}
    tiff = b"Exif\x00\x00"

    cases["random-bytes"] = (tiff + bytes(range(256)) * 4, {})
    cases["truncated-header"] = (tiff + b"II*\x00\x08\x00", {})
    cases["ifd-offset-past-end"] = (tiff + b"II*\x00" + struct.pack("<I", 10_000), {})
    cases["huge-entry-count"] = (tiff + b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 65535), {})
    cases["value-offset-past-end"] = (
        tiff + samples.raw_exif([(Base.Make, ASCII, 40, struct.pack("<I", 5000))]),
        {"exif_device": None},
    )
    cases["gps-pointer-to-nowhere"] = (
        tiff + samples.raw_exif([(IFD.GPSInfo, LONG, 1, struct.pack("<I", 99_999))]),
        {"exif_lat": None, "exif_lon": None},
    )
    cases["exif-pointer-loops-to-itself"] = (
        tiff + samples.raw_exif([(IFD.Exif, LONG, 1, struct.pack("<I", 8))]),
        {"exif_taken_at": None},
    )
    cases["orientation-out-of-range"] = (
        tiff + samples.raw_exif([(Base.Orientation, SHORT, 1, struct.pack("<HH", 99, 0))]),
        {"exif_orientation": None},
    )
    cases["orientation-as-text"] = (
        tiff + samples.raw_exif([(Base.Orientation, ASCII, 4, b"six\x00")]),
        {"exif_orientation": None},
    )

    def exif_with(**gps_and_dates: object) -> Image.Exif:
        exif = samples.make_exif(make="OPPO", model="PHY110")
        gps = exif.get_ifd(IFD.GPSInfo)
        for key, value in gps_and_dates.items():
            if key == "original":
                exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = value
            elif key == "datetime":
                exif[Base.DateTime] = value
            else:
                gps[getattr(GPS, key)] = value
        return exif

    rational = samples.IFDRational
    good_lat = (rational(31, 1), rational(13, 1), rational(4915, 100))
    cases["zero-date"] = (exif_with(original="0000:00:00 00:00:00"), {"exif_taken_at": None})
    cases["garbage-date"] = (exif_with(original="yesterday", datetime="2026:13:45 25:61:00"), {"exif_taken_at": None})
    cases["gps-zero-denominator"] = (
        exif_with(GPSLatitudeRef="N", GPSLatitude=(rational(31, 0), rational(0, 0), rational(1, 0)),
                  GPSLongitudeRef="E", GPSLongitude=good_lat),
        {"exif_lat": None, "exif_lon": None},
    )
    # IFD0 (one entry) ends at 26, where the GPS IFD starts; its 4 entries end at 80.
    gps_ifd = struct.pack("<H", 4) + b"".join(
        struct.pack("<HHI", tag, kind, count) + field
        for tag, kind, count, field in [
            (GPS.GPSLatitudeRef, ASCII, 2, b"N\x00\x00\x00"),
            (GPS.GPSLatitude, ASCII, 6, struct.pack("<I", 80)),
            (GPS.GPSLongitudeRef, ASCII, 2, b"E\x00\x00\x00"),
            (GPS.GPSLongitude, ASCII, 6, struct.pack("<I", 86)),
        ]
    ) + struct.pack("<I", 0)
    cases["gps-text-instead-of-numbers"] = (
        tiff
        + samples.raw_exif(
            [(IFD.GPSInfo, LONG, 1, struct.pack("<I", 26))], extra=gps_ifd + b"31.20\x00121.4\x00"
        ),
        {"exif_lat": None, "exif_lon": None},
    )
    cases["gps-bad-ref"] = (
        exif_with(GPSLatitudeRef="X", GPSLatitude=good_lat, GPSLongitudeRef="E", GPSLongitude=good_lat),
        {"exif_lat": None, "exif_lon": None},
    )
    cases["gps-missing-longitude"] = (
        exif_with(GPSLatitudeRef="N", GPSLatitude=good_lat),
        {"exif_lat": None, "exif_lon": None},
    )
    cases["gps-minutes-out-of-range"] = (
        exif_with(GPSLatitudeRef="N", GPSLatitude=(rational(31, 1), rational(75, 1), rational(0, 1)),
                  GPSLongitudeRef="E", GPSLongitude=good_lat),
        {"exif_lat": None, "exif_lon": None},
    )
    cases["gps-latitude-over-90"] = (
        exif_with(GPSLatitudeRef="N", GPSLatitude=(rational(123, 1), rational(0, 1), rational(0, 1)),
                  GPSLongitudeRef="E", GPSLongitude=good_lat),
        {"exif_lat": None, "exif_lon": None},
    )
    cases["nul-padded-strings"] = (
        tiff + samples.raw_exif(
            [
                (Base.Make, ASCII, 12, struct.pack("<I", 8 + 2 + 12 * 2 + 4)),
                (Base.Model, ASCII, 4, b"P60\x00"),
            ],
            extra=b"  HUAWEI\x00\x00\x00\x00",
        ),
        {"exif_device": "HUAWEI P60"},
    )
    return cases


GARBAGE_EXIF = _garbage_exif_cases()


@pytest.mark.parametrize("name", sorted(GARBAGE_EXIF))
def test_garbage_exif_never_crashes(name: str) -> None:
    exif, expected = GARBAGE_EXIF[name]
    data = samples.jpeg_bytes(samples.quadrant_image(), exif=exif)

    result = process_photo(data, WATERMARK)

    for field, value in expected.items():
        assert getattr(result.evidence, field) == value, field
    assert_upright_quadrants(samples.decode(result.original_jpeg), name)


# --- refusals ---------------------------------------------------------------------


def _gif() -> bytes:
    return samples.encoded(samples.quadrant_image().convert("P"), "GIF")


def _webp() -> bytes:
    return samples.encoded(samples.quadrant_image(), "WEBP")


def _avif() -> bytes:
    return samples.encoded(samples.quadrant_image(), "AVIF")


def _bmp() -> bytes:
    return samples.encoded(samples.quadrant_image(), "BMP")


def _tiff_named_jpg() -> bytes:
    # The name does not matter: only bytes reach the pipeline, and these are a TIFF.
    return samples.encoded(samples.quadrant_image(), "TIFF")


def _scene() -> Image.Image:
    return samples.shop_scene(4, (640, 480))


def _truncated_heic() -> bytes:
    return samples.truncated(samples.heic_bytes(samples.shop_scene(4, (320, 240))), 0.5)


def _truncated_progressive() -> bytes:
    return samples.truncated(samples.jpeg_bytes(samples.shop_scene(4, (640, 480)), progressive=True))


def _oversized() -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes(25 * 1024 * 1024)


BAD_INPUTS: dict[str, tuple[object, int, str]] = {
    "empty": (lambda: b"", 422, "empty"),
    "over-25-mb": (_oversized, 413, "too_large"),
    "tiff-named-jpg": (_tiff_named_jpg, 415, "unsupported_type"),
    "svg": (samples.svg_bytes, 415, "unsupported_type"),
    "pdf": (samples.pdf_bytes, 415, "unsupported_type"),
    "text": ("营业执照照片.jpg\n".encode, 415, "unsupported_type"),
    "gif": (_gif, 415, "unsupported_type"),
    "webp": (_webp, 415, "unsupported_type"),
    "avif": (_avif, 415, "unsupported_type"),
    "bmp": (_bmp, 415, "unsupported_type"),
    "html": (lambda: b"<!doctype html><img src=x onerror=alert(1)>", 415, "unsupported_type"),
    "jpeg-magic-then-garbage": (lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, 422, "corrupt"),
    "png-signature-then-garbage": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, 422, "corrupt"),
    "truncated-jpeg": (lambda: samples.truncated(samples.jpeg_bytes(_scene())), 422, "corrupt"),
    "truncated-large-jpeg": (lambda: samples.truncated(samples.noisy_jpeg((4096, 3072))), 422, "corrupt"),
    "truncated-progressive-jpeg": (_truncated_progressive, 422, "corrupt"),
    "truncated-png": (lambda: samples.truncated(samples.png_bytes(_scene())), 422, "corrupt"),
    "truncated-heic": (_truncated_heic, 422, "corrupt"),
    "png-claiming-50000x50000": (lambda: samples.png_header_only(50_000, 50_000), 422, "too_many_pixels"),
    "png-over-60-megapixels": (lambda: samples.png_header_only(9_000, 7_000), 422, "too_many_pixels"),
    "png-between-1x-and-2x-pillow-limit": (lambda: samples.png_header_only(10_000, 10_000), 422, "too_many_pixels"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_refused_with_the_right_status(name: str) -> None:
    make, status, code = BAD_INPUTS[name]
    data = make()  # type: ignore[operator]

    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, WATERMARK)

    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.message.endswith(".") and len(caught.value.message) > 20
    assert str(caught.value) == caught.value.message


def test_max_bytes_is_configurable() -> None:
    data = samples.jpeg_bytes(samples.quadrant_image())
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, WATERMARK, max_bytes=len(data) - 1)
    assert caught.value.status == 413
    assert process_photo(data, WATERMARK, max_bytes=len(data)).evidence.format == "JPEG"


def test_bomb_warning_is_an_error_even_when_our_own_cap_is_higher() -> None:
    """With max_pixels raised, only Pillow's DecompressionBombWarning stands in the way."""
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS
    data = samples.png_header_only(10_000, 10_000)  # 100 MP: between 1x and 2x MAX_IMAGE_PIXELS
    assert limit_before is not None and limit_before < 100_000_000 < 2 * limit_before

    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, WATERMARK, max_pixels=10**9)

    assert (caught.value.status, caught.value.code) == (422, "too_many_pixels")
    assert isinstance(caught.value.__cause__, Image.DecompressionBombWarning)
    assert limit_before == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters_before


def test_bomb_is_refused_even_if_the_warning_filter_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another thread may reset the process-wide warning filters; the size check still holds."""

    @contextmanager
    def filters_reset_elsewhere() -> Iterator[None]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield

    monkeypatch.setattr(pipeline, "pillow_warnings", filters_reset_elsewhere)
    monkeypatch.setattr(exif, "pillow_warnings", filters_reset_elsewhere)
    with pytest.raises(PhotoRejected) as caught:
        process_photo(samples.png_header_only(10_000, 10_000), WATERMARK, max_pixels=10**9)
    assert caught.value.code == "too_many_pixels"
    assert caught.value.__cause__ is None


def test_truncated_images_stay_refused() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(PhotoRejected):
        process_photo(samples.truncated(samples.jpeg_bytes(samples.shop_scene(4, (640, 480)))), WATERMARK)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- sniffing -----------------------------------------------------------------------


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    payload = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(payload)) + b"ftyp" + payload + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe1rest", "JPEG"),
        (b"\x89PNG\r\n\x1a\nrest", "PNG"),
        (_ftyp(b"heic", b"mif1", b"heic"), "HEIF"),
        (_ftyp(b"mif1", b"mif1", b"heic"), "HEIF"),
        (_ftyp(b"heix", b"mif1"), "HEIF"),
        (_ftyp(b"avif", b"mif1", b"miaf"), None),
        (_ftyp(b"mif1", b"avif"), None),
        (_ftyp(b"isom", b"mp41"), None),
        (b"GIF89a", None),
        (b"II*\x00", None),
        (b"RIFF\x00\x00\x00\x00WEBP", None),
        (b"\xff\xd8", None),
        (b"", None),
    ],
)
def test_sniff_format(data: bytes, expected: str | None) -> None:
    assert sniff_format(data) == expected


def test_sniff_format_on_real_files() -> None:
    image = samples.quadrant_image()
    assert sniff_format(samples.jpeg_bytes(image)) == "JPEG"
    assert sniff_format(samples.png_bytes(image)) == "PNG"
    assert sniff_format(samples.heic_bytes(image)) == "HEIF"
    assert sniff_format(_avif()) is None
