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
import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pillow_heif
from PIL import Image, ImageDraw, ImageFile, ImageFont
from PIL.ExifTags import IFD, Base, GPS

from webapp.errors import AppError

from .fingerprint import Fingerprint, fingerprint
from .phash import content_box, phash

pillow_heif.register_heif_opener()

ORIGINAL_LONG_SIDE = 2048
DISPLAY_LONG_SIDE = 1600
THUMB_LONG_SIDE = 320
ORIGINAL_QUALITY = 90
DISPLAY_QUALITY = 82
THUMB_QUALITY = 75

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

_MAX_EXIF_TEXT = 200
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
# warnings.catch_warnings() swaps a process-wide filter list; without the lock
# two threads leaving in the wrong order would leave one thread's filters behind.
_WARNINGS_LOCK = threading.Lock()


class PhotoRejected(AppError):
    """An upload that cannot be stored; `status` is the HTTP status to answer with.

    status: 413 (too large), 415 (not an allowed image type), 422 (corrupt,
    truncated, too many pixels, empty). `message` is meant for the user.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, status=status, code=code)


@dataclass(frozen=True)
class Watermark:
    """What gets burnt into the display copy, so a forwarded picture still says where and when."""

    taken_at: datetime
    merchant_name: str
    lat: float | None
    lon: float | None
    manager_name: str | None = None

    def __post_init__(self) -> None:
        # A naive time would silently be rendered in the server's zone.
        if self.taken_at.tzinfo is None or self.taken_at.utcoffset() is None:
            raise ValueError("Watermark.taken_at must be timezone-aware")


@dataclass(frozen=True)
class PhotoEvidence:
    """What the uploaded file said about itself, kept in the DB for audits."""

    format: str
    width: int
    height: int
    exif_taken_at: datetime | None
    exif_lat: float | None
    exif_lon: float | None
    exif_device: str | None
    exif_orientation: int | None
    exif_software: str | None


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
) -> ProcessedPhoto:
    """Validate an upload and produce its evidence and stored copies, or raise PhotoRejected."""
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


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Make a DecompressionBombWarning (1x-2x Image.MAX_IMAGE_PIXELS) an error; silence the rest.

    Pillow's other warnings (odd EXIF, malformed MPO) are silenced so that the
    outcome does not depend on the caller's warning filters.
    """
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _open(data: bytes, image_format: str, max_pixels: int) -> ImageFile.ImageFile:
    """Parse the header only and enforce the pixel cap before anything is decoded."""
    try:
        with _pillow_warnings():
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


def _decode_upright(
    source: ImageFile.ImageFile, image_format: str
) -> tuple[Image.Image, PhotoEvidence]:
    """Fully decode (JPEGs at a reduced DCT scale) and return upright RGB pixels plus evidence."""
    width, height = source.size
    if image_format == "JPEG":
        # Read before draft(): the orientation refers to the full-size frame.
        exif = _read_exif(source)
        # Decode at the smallest DCT scale that still covers the display copy: a 12 MP photo then
        # decodes at half size (2000 px), and the stored original is that, not a resize of 4000 px.
        request = _fit(source.size, DISPLAY_LONG_SIDE)
        if request != source.size:
            source.draft("RGB", request)
        _load(source)
    else:
        # A PNG's eXIf chunk may sit after the pixel data, so read it after load().
        _load(source)
        exif = _read_exif(source)

    if image_format == "HEIF":
        # libheif has already applied the container's rotation and pillow-heif
        # reset the EXIF value to 1; the value as uploaded is kept aside.
        orientation = _orientation(source.info.get("original_orientation")) or _orientation(
            _exif_value(exif, Base.Orientation)
        )
        transpose = None
    else:
        orientation = _orientation(_exif_value(exif, Base.Orientation))
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

    evidence = _evidence(exif, image_format, width, height, orientation)
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


# --- EXIF evidence ---------------------------------------------------------------
# Each field is read on its own and any failure makes only that field None:
# EXIF is written by thousands of devices and editors and is often broken.


def _read_exif(source: Image.Image) -> Image.Exif | None:
    """Pillow's parsed EXIF, or None when not even its header can be read."""
    try:
        with _pillow_warnings():
            exif = source.getexif()
            # Sub-IFDs are parsed lazily; parse them now, inside the warning filter.
            for ifd in (IFD.Exif, IFD.GPSInfo):
                try:
                    exif.get_ifd(ifd)
                except Exception:
                    pass
            return exif
    except Exception:
        return None


def _exif_value(exif: Image.Exif | None, tag: int, ifd: int | None = None) -> Any:
    if exif is None:
        return None
    try:
        with _pillow_warnings():
            table = exif.get_ifd(ifd) if ifd is not None else exif
            return table.get(tag)
    except Exception:
        return None


def _evidence(
    exif: Image.Exif | None,
    image_format: str,
    width: int,
    height: int,
    orientation: int | None,
) -> PhotoEvidence:
    taken_at = _exif_datetime(_exif_value(exif, 0x9003, IFD.Exif)) or _exif_datetime(
        _exif_value(exif, Base.DateTime)
    )
    lat, lon = _exif_gps(exif)
    return PhotoEvidence(
        format=image_format,
        width=width,
        height=height,
        exif_taken_at=taken_at,
        exif_lat=lat,
        exif_lon=lon,
        exif_device=_device(_exif_value(exif, Base.Make), _exif_value(exif, Base.Model)),
        exif_orientation=orientation,
        exif_software=_exif_text(_exif_value(exif, Base.Software)),
    )


def _exif_text(value: Any) -> str | None:
    """Printable, whitespace-normalised text, or None; EXIF strings are often NUL-padded bytes."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text[:_MAX_EXIF_TEXT] or None


def _exif_datetime(value: Any) -> datetime | None:
    """Naive local time from 'YYYY:MM:DD HH:MM:SS' (some writers use '-' in the date)."""
    text = _exif_text(value)
    if text is None or len(text) < 19:
        return None
    for pattern in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text[:19], pattern)
        except ValueError:
            continue
    return None


def _exif_gps(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    """Decimal degrees; both or neither, since half a coordinate proves nothing."""
    lat = _gps_coordinate(
        _exif_value(exif, GPS.GPSLatitude, IFD.GPSInfo),
        _exif_value(exif, GPS.GPSLatitudeRef, IFD.GPSInfo),
        "N",
        "S",
        90.0,
    )
    lon = _gps_coordinate(
        _exif_value(exif, GPS.GPSLongitude, IFD.GPSInfo),
        _exif_value(exif, GPS.GPSLongitudeRef, IFD.GPSInfo),
        "E",
        "W",
        180.0,
    )
    if lat is None or lon is None:
        return None, None
    return lat, lon


def _gps_coordinate(
    value: Any, ref: Any, positive: str, negative: str, limit: float
) -> float | None:
    """Degrees/minutes/seconds rationals to signed degrees; the Ref tag alone decides the sign."""
    hemisphere = (_exif_text(ref) or "").upper()
    if hemisphere not in (positive, negative):
        return None
    parts = value if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3 or any(isinstance(p, (str, bytes)) for p in parts):
        return None  # the tags are RATIONALs; text is a broken writer, not evidence
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    if any(n > 60 for n in numbers[1:]):  # 60 itself: writers that round 59.9999 up
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if hemisphere == negative else degrees


def _device(make: Any, model: Any) -> str | None:
    """'Make Model', without repeating the make when the model already starts with it."""
    make_text = _exif_text(make)
    model_text = _exif_text(model)
    if make_text and model_text and model_text.lower().startswith(make_text.lower()):
        return model_text
    return " ".join(t for t in (make_text, model_text) if t) or None


def _orientation(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return None


# --- watermark -------------------------------------------------------------------


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK font, or Pillow's built-in one so a missing font never breaks uploads."""
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        return ImageFont.load_default(size=size)


def watermark_lines(watermark: Watermark) -> list[str]:
    """The text burnt into the display copy, one entry per line."""
    local = watermark.taken_at.astimezone(LOCAL_TZ)
    merchant = " ".join(watermark.merchant_name.split())
    first = f"{local:%Y-%m-%d %H:%M}"
    if merchant:
        first = f"{first} · {merchant}"
    lat, lon = watermark.lat, watermark.lon
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        place = "无定位"
    else:
        place = f"{lat:.6f}, {lon:.6f} (WGS-84)"
    lines = [first, place]
    manager = " ".join((watermark.manager_name or "").split())
    if manager:
        lines.append(f"客户经理：{manager}")
    return lines


def draw_watermark(image: Image.Image, watermark: Watermark) -> None:
    """Darken a band along the bottom and write the visit facts on it, in place."""
    width, height = image.size
    font_size = max(10, round(width * 0.026))
    font = _font(font_size)
    lines = watermark_lines(watermark)
    padding = max(4, round(font_size * 0.5))
    line_height = round(font_size * 1.3)
    band_height = min(height, 2 * padding + line_height * len(lines))
    box = (0, height - band_height, width, height)

    # 55 % black over the photo: the scene stays visible, white text stays legible.
    band = image.crop(box).point(lambda value: value * 45 // 100)
    draw = ImageDraw.Draw(band)
    max_text_width = width - 2 * padding
    for index, line in enumerate(lines):
        text = _fit_text(line, font, max_text_width)
        draw.text(
            (padding, padding + index * line_height),
            text,
            font=font,
            fill=(255, 255, 255),
        )
    image.paste(band, box)


def _fit_text(
    text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int
) -> str:
    """Cut a long merchant name with an ellipsis instead of running off the picture."""
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text + "…"
