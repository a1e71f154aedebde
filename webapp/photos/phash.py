"""Perceptual hash used to spot a visit photo that was re-used from another visit.

A customer manager who skips a visit tends to upload an old photo again, either
as-is, recompressed, resized or as a screenshot. Those copies keep the same
low-frequency structure, so a DCT hash of a tiny greyscale version matches
them, while a genuinely new photo of the same shop (taken from another spot,
at another time) does not.

Screenshots add flat status/navigation bars (or letterbox bars) around the
photo. Flat strips along the edges are trimmed before hashing, which makes a
padded copy hash like the photo inside it; a flat sky is trimmed the same way
in every copy of a photo, so that stays consistent too.

The DCT is written out by hand because numpy/scipy are not dependencies: only
the 8x8 low-frequency corner of a 32x32 DCT is needed, which is about ten
thousand multiplications when done as two 1-D passes.
"""

from __future__ import annotations

import math
import operator
import string

from PIL import Image

SAME_PHOTO_BITS = 8
"""Hamming distance at or below which two photos count as the same photo."""

_SIZE = 32
_KEEP = 8
_HEX_LENGTH = _KEEP * _KEEP // 4

# Border trimming works on a small greyscale copy: fast in pure Python, and the
# downscale averages sensor and JPEG noise away.
_ANALYSIS_SIDE = 128
_FLAT_TOLERANCE = 12  # grey levels from the strip's median colour
_FLAT_SHARE = 0.7  # share of a line that must match; the rest may be clock/battery icons
_MAX_TRIM = 0.4  # per side, so something is always left to hash
_MAX_STRIPS = 3  # e.g. status bar, then a black letterbox bar, then a flat sky

# _COSINES[k][n]: basis function k of a DCT-II over _SIZE samples, evaluated at n.
# The usual normalisation factors are left out: every coefficient is compared
# with the median of its peers, and a common scale does not change the outcome.
_COSINES: tuple[tuple[float, ...], ...] = tuple(
    tuple(math.cos(math.pi * (2 * n + 1) * k / (2 * _SIZE)) for n in range(_SIZE))
    for k in range(_KEEP)
)


def phash(image: Image.Image) -> str:
    """64-bit DCT hash of `image` as 16 hex chars (bit set = coefficient above the median)."""
    pixels = _grey_square(image).tobytes()
    rows = [pixels[r * _SIZE : (r + 1) * _SIZE] for r in range(_SIZE)]

    # Horizontal pass: the _KEEP lowest horizontal frequencies of every row.
    horizontal = [[_dot(row, basis) for basis in _COSINES] for row in rows]
    # Vertical pass over those columns only: coefficients[u][v], u vertical frequency.
    columns = list(zip(*horizontal))
    coefficients = [
        [_dot(columns[v], basis) for v in range(_KEEP)] for basis in _COSINES
    ]

    flat = [c for row in coefficients for c in row]
    ordered = sorted(flat)
    median = (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2
    value = 0
    for coefficient in flat:
        value = (value << 1) | (coefficient > median)
    return f"{value:0{_HEX_LENGTH}x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hashes made by `phash`."""
    return (_parse(a) ^ _parse(b)).bit_count()


def _parse(value: str) -> int:
    if len(value) != _HEX_LENGTH or not all(c in string.hexdigits for c in value):
        raise ValueError(f"not a {_HEX_LENGTH}-hex-digit perceptual hash: {value!r}")
    return int(value, 16)


def _grey_square(image: Image.Image) -> Image.Image:
    """32x32 greyscale of the content inside any flat border, area-averaged.

    Squashing to a square makes the hash ignore size and aspect; averaging makes
    it ignore JPEG and sensor noise.
    """
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    # BOX is an exact area average; reducing_gap lets Pillow reduce() big inputs first.
    analysis_size = _scaled_to(image.size, _ANALYSIS_SIDE)
    analysis = image.resize(analysis_size, Image.Resampling.BOX, reducing_gap=3.0).convert("L")
    left, top, right, bottom = _content_box(analysis)
    scale_x = image.width / analysis.width
    scale_y = image.height / analysis.height
    box = (left * scale_x, top * scale_y, right * scale_x, bottom * scale_y)
    small = image.resize((_SIZE, _SIZE), Image.Resampling.BOX, box=box, reducing_gap=3.0)
    return small.convert("L")


def _scaled_to(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _content_box(grey: Image.Image) -> tuple[int, int, int, int]:
    """The part of `grey` left after removing flat strips along each edge."""
    width, height = grey.size
    data = grey.tobytes()
    rows = [data[y * width : (y + 1) * width] for y in range(height)]
    top = _flat_lead(rows, int(height * _MAX_TRIM))
    bottom = height - _flat_lead(rows[::-1], int(height * _MAX_TRIM))

    inner = grey.crop((0, top, width, bottom)).transpose(Image.Transpose.TRANSPOSE)
    inner_data = inner.tobytes()
    columns = [inner_data[x * inner.width : (x + 1) * inner.width] for x in range(width)]
    left = _flat_lead(columns, int(width * _MAX_TRIM))
    right = width - _flat_lead(columns[::-1], int(width * _MAX_TRIM))
    return left, top, right, bottom


def _flat_lead(lines: list[bytes], limit: int) -> int:
    """How many leading lines belong to flat strips, each of one colour."""
    start = 0
    for _ in range(_MAX_STRIPS):
        if start >= limit:
            break
        reference = sorted(lines[start])[len(lines[start]) // 2]
        low, high = reference - _FLAT_TOLERANCE, reference + _FLAT_TOLERANCE
        end = start
        while end < limit:
            line = lines[end]
            matching = sum(1 for value in line if low <= value <= high)
            if matching < _FLAT_SHARE * len(line):
                break
            end += 1
        if end == start:
            break
        start = end
    return start


def _dot(samples: bytes | tuple[float, ...], basis: tuple[float, ...]) -> float:
    return sum(map(operator.mul, samples, basis))
