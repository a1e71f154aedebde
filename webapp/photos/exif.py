"""What an uploaded photo's file says about itself (EXIF time, GPS, device), read defensively.

Each field is read on its own and any failure makes only that field None: EXIF is written by thousands of
devices and editors and is often broken. The result is kept as evidence, never trusted as fact.
"""
from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

_MAX_EXIF_TEXT = 200
# warnings.catch_warnings() swaps a process-wide filter list; without the lock
# two threads leaving in the wrong order would leave one thread's filters behind.
_WARNINGS_LOCK = threading.Lock()


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


@contextmanager
def pillow_warnings() -> Iterator[None]:
    """Make a DecompressionBombWarning (1x-2x Image.MAX_IMAGE_PIXELS) an error; silence the rest.

    Pillow's other warnings (odd EXIF, malformed MPO) are silenced so that the
    outcome does not depend on the caller's warning filters.
    """
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def read_exif(source: Image.Image) -> Image.Exif | None:
    """Pillow's parsed EXIF, or None when not even its header can be read."""
    try:
        with pillow_warnings():
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


def exif_value(exif: Image.Exif | None, tag: int, ifd: int | None = None) -> Any:
    if exif is None:
        return None
    try:
        with pillow_warnings():
            table = exif.get_ifd(ifd) if ifd is not None else exif
            return table.get(tag)
    except Exception:
        return None


def read_evidence(
    exif: Image.Exif | None,
    image_format: str,
    width: int,
    height: int,
    orientation: int | None,
) -> PhotoEvidence:
    taken_at = _exif_datetime(exif_value(exif, 0x9003, IFD.Exif)) or _exif_datetime(
        exif_value(exif, Base.DateTime)
    )
    lat, lon = _exif_gps(exif)
    return PhotoEvidence(
        format=image_format,
        width=width,
        height=height,
        exif_taken_at=taken_at,
        exif_lat=lat,
        exif_lon=lon,
        exif_device=_device(exif_value(exif, Base.Make), exif_value(exif, Base.Model)),
        exif_orientation=orientation,
        exif_software=_exif_text(exif_value(exif, Base.Software)),
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
        exif_value(exif, GPS.GPSLatitude, IFD.GPSInfo),
        exif_value(exif, GPS.GPSLatitudeRef, IFD.GPSInfo),
        "N",
        "S",
        90.0,
    )
    lon = _gps_coordinate(
        exif_value(exif, GPS.GPSLongitude, IFD.GPSInfo),
        exif_value(exif, GPS.GPSLongitudeRef, IFD.GPSInfo),
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
    degrees = sum(n / 60.0**i for i, n in enumerate(numbers))
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


def orientation_of(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return None
