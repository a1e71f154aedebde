"""Turn an uploaded visit photo into evidence plus three clean JPEGs.

Pure functions (no Flask, no database) so the pipeline can run in a request or
a worker and be tested on bytes alone. Every upload is treated as hostile: the
type is allow-listed by magic bytes, pixel counts are capped before any pixel
is decoded, the image is fully decoded so truncated files are caught, and the
stored copies are rebuilt from pixels so no metadata (GPS, device serials,
comments, ICC, XMP) leaks to whoever later sees the photo. What the file said
about itself is returned separately as `PhotoEvidence`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile
from PIL.ExifTags import Base

from webapp.errors import AppError
from webapp.photos.exif import PhotoEvidence, exif_value, orientation_of, pillow_warnings, read_evidence, read_exif
from webapp.photos.watermark import Watermark, draw_watermark

from .fingerprint import Fingerprint, fingerprint
from .phash import content_box, phash

# The photo write paths import the whole pipeline's vocabulary from here.
__all__ = ["PhotoEvidence", "PhotoRejected", "ProcessedPhoto", "Watermark", "draw_watermark", "process_photo",
           "sniff_format"]

pillow_heif.register_heif_opener()

ORIGINAL_LONG_SIDE = 2048
DISPLAY_LONG_SIDE = 1600
THUMB_LONG_SIDE = 320
ORIGINAL_QUALITY = 90
DISPLAY_QUALITY = 82
THUMB_QUALITY = 75


_HEVC_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
# EXIF Orientation -> the transpose that makes the pixels upright.
_UPRIGHT: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
class PhotoRejected(AppError):
    """An upload that cannot be stored; `status` is the HTTP status to answer with.

    status: 413 (too large), 415 (not an allowed image type), 422 (corrupt,
    truncated, too many pixels, empty). `message` is meant for the user.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, status=status, code=code)


@dataclass(frozen=True)
class ProcessedPhoto:
    """Everything the app stores for one upload."""

    sha256: str
    phash: str
    evidence: PhotoEvidence
    original_jpeg: bytes
    display_jpeg: bytes
    thumb_jpeg: bytes
    # For the reuse search (webapp.photos.reuse): keypoints of the photo inside any screen bars, and the
    # upright pixels before the watermark. Kept in memory only.
    fingerprint: Fingerprint | None = None
    pixels: Image.Image | None = None


def sniff_format(data: bytes) -> str | None:
    """'JPEG', 'PNG' or 'HEIF' from the magic bytes, so other types get a 415 before any parsing."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if _is_hevc_heif(data):
        return "HEIF"
    return None


def _is_hevc_heif(data: bytes) -> bool:
    """HEIC only: AVIF and other ISO-BMFF files share the 'ftyp' box but not the HEVC brands."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box_end = min(int.from_bytes(data[:4], "big"), len(data), 1024)
    brands = {data[8:12]}
    brands.update(data[i : i + 4] for i in range(16, box_end - 3, 4))
    return not brands.isdisjoint(_HEVC_BRANDS)


def process_photo(
    data: bytes,
    watermark: Watermark,
    *,
    max_bytes: int = 25 * 1024 * 1024,
    max_pixels: int = 60_000_000,
    max_decode_bytes: int | None = None,
    decode_slot: Callable[[int], AbstractContextManager[object]] | None = None,
) -> ProcessedPhoto:
    """Validate an upload and produce its evidence and stored copies, or raise PhotoRejected.

    ``max_decode_bytes`` refuses, from the header alone, a file whose decode would need more memory than
    that; ``decode_slot(estimate)`` (webapp.photos.limits) is held around the decode, so a process decodes
    only as much at once as its memory budget allows.
    """
    if not data:
        raise PhotoRejected(422, "empty", "The file is empty. Please choose a photo and try again.")
    if len(data) > max_bytes:
        raise PhotoRejected(
            413,
            "too_large",
            f"The photo is larger than {_megabytes(max_bytes)}. Please upload a smaller photo.",
        )
    image_format = sniff_format(data)
    if image_format is None:
        raise PhotoRejected(
            415, "unsupported_type", "The file is not a JPEG, PNG or HEIC photo."
        )

    source = _open(data, image_format, max_pixels)
    try:
        estimate = decode_bytes_estimate(source, image_format)
        if max_decode_bytes is not None and estimate > max_decode_bytes:
            raise PhotoRejected(422, "too_large_to_decode",
                                "The picture needs too much memory to process. Please upload a smaller photo.")
        with decode_slot(estimate) if decode_slot is not None else nullcontext():
            upright, evidence = _decode_upright(source, image_format)
    finally:
        source.close()

    original = upright
    display = _shrunk_copy(original, DISPLAY_LONG_SIDE)
    thumb = _shrunk_copy(display, THUMB_LONG_SIDE)
    # Hashed at display size: inside a letterboxed screenshot the photo is small.
    box = content_box(display)
    perceptual_hash = phash(display, box)
    keypoints = fingerprint(display, box, query=True)
    draw_watermark(display, watermark)

    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        phash=perceptual_hash,
        evidence=evidence,
        original_jpeg=_encode_jpeg(original, ORIGINAL_QUALITY),
        display_jpeg=_encode_jpeg(display, DISPLAY_QUALITY),
        thumb_jpeg=_encode_jpeg(thumb, THUMB_QUALITY),
        fingerprint=keypoints,
        pixels=original,
    )


# --- opening and decoding -------------------------------------------------------


def _open(data: bytes, image_format: str, max_pixels: int) -> ImageFile.ImageFile:
    """Parse the header only and enforce the pixel cap before anything is decoded."""
    try:
        with pillow_warnings():
            source = Image.open(io.BytesIO(data), formats=[image_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except MemoryError:
        raise
    except Exception as exc:  # any parser failure on hostile bytes means the same thing
        raise _corrupt() from exc

    width, height = source.size
    pillow_limit = Image.MAX_IMAGE_PIXELS
    # The second test backs up the warning filter, which another thread outside
    # this module could reset while we are inside it.
    if width * height > max_pixels or (
        pillow_limit is not None and width * height > pillow_limit
    ):
        source.close()
        raise _too_many_pixels(max_pixels)
    if width < 1 or height < 1:
        source.close()
        raise _corrupt()
    return source


# Bytes per pixel of a decoded image, by Pillow mode (the modes a JPEG, PNG or HEIC decodes to).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2,
               "I": 4, "F": 4, "RGB": 3, "YCbCr": 3, "RGBA": 4, "RGBa": 4, "CMYK": 4}


def decode_bytes_estimate(source: ImageFile.ImageFile, image_format: str) -> int:
    """Memory the decode will take, from the header alone: the decoded frame (a JPEG at its draft scale),
    plus the RGB copy and the RGBA flattening _to_rgb makes for other modes."""
    width, height = source.size
    if image_format == "JPEG":
        wanted = _fit(source.size, DISPLAY_LONG_SIDE)
        ratio = min(width // wanted[0], height // wanted[1])
        scale = next(s for s in (8, 4, 2, 1) if ratio >= s)
        width, height = (width + scale - 1) // scale, (height + scale - 1) // scale
    pixels = width * height
    mode = source.mode
    total = pixels * _MODE_BYTES.get(mode, 4)
    if mode != "RGB":
        total += pixels * 3
    if mode in ("RGBA", "RGBa", "LA", "La", "PA", "P") or "transparency" in source.info:
        total += pixels * 4
    return total


def _decode_upright(
    source: ImageFile.ImageFile, image_format: str
) -> tuple[Image.Image, PhotoEvidence]:
    """Fully decode (JPEGs at a reduced DCT scale) and return upright RGB pixels plus evidence."""
    width, height = source.size
    if image_format == "JPEG":
        # Read before draft(): the orientation refers to the full-size frame.
        exif = read_exif(source)
        # Decode at the smallest DCT scale that still covers the display copy: a 12 MP photo then
        # decodes at half size (2000 px), and the stored original is that, not a resize of 4000 px.
        request = _fit(source.size, DISPLAY_LONG_SIDE)
        if request != source.size:
            source.draft("RGB", request)
        _load(source)
    else:
        # A PNG's eXIf chunk may sit after the pixel data, so read it after load().
        _load(source)
        exif = read_exif(source)

    if image_format == "HEIF":
        # libheif has already applied the container's rotation and pillow-heif
        # reset the EXIF value to 1; the value as uploaded is kept aside.
        orientation = orientation_of(source.info.get("original_orientation")) or orientation_of(
            exif_value(exif, Base.Orientation)
        )
        transpose = None
    else:
        orientation = orientation_of(exif_value(exif, Base.Orientation))
        transpose = _UPRIGHT.get(orientation or 1)
        if orientation is not None and orientation >= 5:
            width, height = height, width

    pixels = _to_rgb(source)
    # The big first shrink happens before transposing, where it is cheapest.
    pixels = _shrink(pixels, ORIGINAL_LONG_SIDE)
    if transpose is not None:
        pixels = pixels.transpose(transpose)
    if pixels is source:
        pixels = source.copy()
    pixels.info = {}

    evidence = read_evidence(exif, image_format, width, height, orientation)
    return pixels, evidence


def _load(source: ImageFile.ImageFile) -> None:
    """Decode every pixel; verify() would let a truncated JPEG through."""
    try:
        source.load()
    except MemoryError:
        raise
    except Exception as exc:  # decoders raise OSError, ValueError, SyntaxError, ...
        raise _corrupt() from exc


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency is flattened on white like a browser shows it."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # 16-bit greyscale PNG: scale to 8 bits instead of clipping at 255.
        grey = image.convert("I").point(lambda value: value * (1 / 257))
        return grey.convert("L").convert("RGB")
    if "transparency" in image.info or image.mode in ("RGBA", "LA", "PA", "RGBa", "La", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode == "RGB":
        return image
    return image.convert("RGB")


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Size scaled down (never up) so the longer side is at most `long_side`."""
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return size
    scale = long_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, long_side: int) -> Image.Image:
    """Downscale cheaply: integer reduce() for the bulk, then one short filtered resample.

    With reducing_gap=2 Pillow first reduce()s by an integer factor and leaves
    a ratio of 2-4 for the filter. There BOX is a true area average at about a
    third of the cost of LANCZOS; below 1.5x BOX degenerates towards
    nearest-neighbour, so BILINEAR takes over.
    """
    target = _fit(image.size, long_side)
    if target == image.size:
        return image
    ratio = max(image.size) / max(target)
    resample = Image.Resampling.BOX if ratio >= 1.5 else Image.Resampling.BILINEAR
    return image.resize(target, resample, reducing_gap=2.0)


def _shrunk_copy(image: Image.Image, long_side: int) -> Image.Image:
    """Like _shrink, but never the same object, so drawing on it leaves `image` alone."""
    shrunk = _shrink(image, long_side)
    return shrunk.copy() if shrunk is image else shrunk


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """JPEG from pixels alone: no EXIF, ICC, XMP or comment can ride along."""
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _corrupt() -> PhotoRejected:
    return PhotoRejected(
        422,
        "corrupt",
        "The photo is damaged or incomplete. Please take it again or choose another photo.",
    )


def _too_many_pixels(max_pixels: int) -> PhotoRejected:
    limit = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    return PhotoRejected(
        422,
        "too_many_pixels",
        f"The photo has more than {limit / 1_000_000:.0f} megapixels. Please upload a smaller photo.",
    )


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MB" if count >= 1024 * 1024 else f"{count} bytes"
