"""Perceptual hash used to spot a visit photo that was re-used from another visit.

A customer manager who skips a visit tends to upload an old photo again, either
as-is, recompressed, resized or as a screenshot. Those copies keep the same
low-frequency structure, so a DCT hash of a tiny greyscale version matches
them, while a genuinely new photo of the same shop (taken from another spot,
at another time) does not.

Screenshots add a status bar and a navigation bar (or letterbox bars) around
the photo, which moves every low frequency. So flat strips of a neutral colour
that end in a sharp, straight edge along the border are cut off before hashing.
A flat part of the photo itself (a blue sky, or a grey one above uneven
rooftops) fails one of those tests, so it is kept, and kept the same way in
every copy.

The DCT is written out by hand because numpy/scipy are not dependencies: only
the 8x8 low-frequency corner of a 32x32 DCT is needed, which is about ten
thousand multiplications when done as two 1-D passes.
"""

from __future__ import annotations

import math
import operator
import string
from functools import lru_cache

from PIL import Image

SAME_PHOTO_BITS = 8
"""Hamming distance at or below which two photos count as the same photo."""

_SIZE = 32
_KEEP = 8
_HEX_LENGTH = _KEEP * _KEEP // 4

# Bars are looked for on a small colour copy: fast in pure Python, and the
# downscale averages sensor and JPEG noise away.
_ANALYSIS_SIDE = 256
_TOLERANCE = 10  # per channel, from a line's median colour
_BAR_CHROMA = 16  # max - min channel of a bar's colour
_FLAT_SHARE = 0.95  # share of a line near one colour: screen bars are flat, pavements are not
_ICON_SHARE = 0.5  # a bar line through the clock and battery icons still mostly has the bar's colour
_EDGE_SHARE = 0.3  # past a bar's edge, at most this share may still have the bar's colour
_EDGE_LOOKBACK = 0.015  # the last flat bar line lies this close (share of the side) to the edge
_MAX_TRIM = 0.45  # per side and round, so there is always something left to hash
_MAX_ROUNDS = 3  # e.g. status bar, then a letterbox bar of another colour, then nothing
_SCREEN_ASPECT = 1.9  # long side over short side: a phone screen (2-2.2), never a camera frame (4:3, 16:9)

# _COSINES[k][n]: basis function k of a DCT-II over _SIZE samples, evaluated at n.
# The usual normalisation factors are left out: every coefficient is compared
# with the median of its peers, and a common scale does not change the outcome.
_COSINES: tuple[tuple[float, ...], ...] = tuple(
    tuple(math.cos(math.pi * (2 * n + 1) * k / (2 * _SIZE)) for n in range(_SIZE))
    for k in range(_KEEP)
)

Colour = tuple[int, int, int]


def content_box(image: Image.Image) -> tuple[float, float, float, float]:
    """The part of `image` inside any screen bars, as fractions (left, top, right, bottom) of its size.

    The keypoint fingerprint (webapp.photos.fingerprint) looks at the same region the hash does.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    left, top, right, bottom = _content_box(image)
    return left / image.width, top / image.height, right / image.width, bottom / image.height


def _screen_box(image: Image.Image, box: Box) -> Box:
    """A frame still shaped like a phone screen after the bars were peeled: the picture inside does not end in
    a straight edge (a photo turned with its corners filled, shown on a screen of the same colour), so the bar
    test refused it. Cut the rows, then the columns, that mostly have the colour of the frame's edge line, as
    long as that edge is screen chrome (flat and neutral) at both ends; otherwise keep `box`."""
    left, top, right, bottom = box
    if max(right - left, bottom - top) < _SCREEN_ASPECT * min(right - left, bottom - top):
        return box
    analysis = image.resize(_scaled_to((right - left, bottom - top), _ANALYSIS_SIDE), Image.Resampling.BOX,
                            box=box, reducing_gap=3.0)
    tall = analysis.height > analysis.width
    lines = _lines(analysis if tall else analysis.transpose(Image.Transpose.TRANSPOSE))
    span = _chrome_span(lines)
    if span is None:
        return box
    first, last = span
    if tall:
        scale = (bottom - top) / analysis.height
        return left, top + first * scale, right, top + last * scale
    scale = (right - left) / analysis.width
    return left + first * scale, top, left + last * scale, bottom


def _chrome_span(lines: list[bytes]) -> tuple[int, int] | None:
    """(first, end) of the lines between flat neutral ends that are mostly not the ends' colour."""
    ends = []
    for line in (lines[0], lines[-1]):
        colour = _median_colour(line)
        if max(colour) - min(colour) > _BAR_CHROMA or _share_near(line, colour) < _FLAT_SHARE:
            return None
        ends.append(colour)
    limit = int(len(lines) * _MAX_TRIM)
    first = next((i for i in range(limit) if _share_near(lines[i], ends[0]) < _ICON_SHARE), None)
    last = next((i for i in range(limit) if _share_near(lines[-1 - i], ends[1]) < _ICON_SHARE), None)
    if first is None or last is None:
        return None
    return first, len(lines) - last


def phash(image: Image.Image, box: tuple[float, float, float, float] | None = None) -> str:
    """64-bit DCT hash of `image` as 16 hex chars (bit set = coefficient above the median).

    `box` (fractions, from content_box) saves finding the screen bars again when the caller has them.
    """
    pixels = _grey_square(image, box).tobytes()
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


def _dot(samples: bytes | tuple[float, ...], basis: tuple[float, ...]) -> float:
    return float(sum(map(operator.mul, samples, basis)))


def _grey_square(image: Image.Image, fractions: tuple[float, float, float, float] | None = None) -> Image.Image:
    """32x32 greyscale of what lies inside any screen bars, area-averaged.

    Squashing to a square makes the hash ignore size and aspect; averaging makes
    it ignore JPEG and sensor noise.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    if fractions is None:
        box = _content_box(image)
    else:
        box = (fractions[0] * image.width, fractions[1] * image.height,
               fractions[2] * image.width, fractions[3] * image.height)
    # BOX is an exact area average; reducing_gap lets Pillow reduce() big inputs first.
    small = image.resize((_SIZE, _SIZE), Image.Resampling.BOX, box=box, reducing_gap=3.0)
    return small.convert("L")


Box = tuple[float, float, float, float]


def _content_box(image: Image.Image) -> Box:
    """The part of `image` inside the bars along its edges, peeled one layer per round.

    Each round looks at the region left so far at the same analysis size, so
    whatever lies inside a screenshot's bars is judged at the scale the photo
    itself is judged at, and a flat sky gets the same verdict in both.
    """
    box: Box = (0.0, 0.0, float(image.width), float(image.height))
    for _ in range(_MAX_ROUNDS):
        left, top, right, bottom = box
        size = _scaled_to((right - left, bottom - top), _ANALYSIS_SIDE)
        analysis = image.resize(size, Image.Resampling.BOX, box=box, reducing_gap=3.0)
        inner = _inside_bars(analysis)
        if inner == (0, 0, analysis.width, analysis.height):
            break
        scale_x = (right - left) / analysis.width
        scale_y = (bottom - top) / analysis.height
        box = (
            left + inner[0] * scale_x,
            top + inner[1] * scale_y,
            left + inner[2] * scale_x,
            top + inner[3] * scale_y,
        )
    return _screen_box(image, box)


def _scaled_to(size: tuple[float, float], long_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _inside_bars(rgb: Image.Image) -> tuple[int, int, int, int]:
    """The part of `rgb` inside one bar on each edge (top and bottom first, then the sides)."""
    width, height = rgb.size
    rows = _lines(rgb)
    top = _bar_end(rows, int(height * _MAX_TRIM)) or 0
    bottom = height - (_bar_end(rows[::-1], int(height * _MAX_TRIM)) or 0)

    columns = _lines(rgb.crop((0, top, width, bottom)).transpose(Image.Transpose.TRANSPOSE))
    left = _bar_end(columns, int(width * _MAX_TRIM)) or 0
    right = width - (_bar_end(columns[::-1], int(width * _MAX_TRIM)) or 0)
    return left, top, right, bottom


def _lines(rgb: Image.Image) -> list[bytes]:
    data = rgb.tobytes()
    stride = rgb.width * 3
    return [data[y * stride : (y + 1) * stride] for y in range(rgb.height)]


def _bar_end(lines: list[bytes], limit: int) -> int | None:
    """Index just past the bar that begins with the first line, or None if there is none.

    A bar starts with a flat line of a neutral colour (screen chrome is black,
    white or grey; a blue sky is not). Lines through its icons (or JPEG ringing
    around them) still mostly have its colour. It ends where most of the line
    changes at once, right after a flat line: past a flat sky only some
    rooftops begin, so a sky is not taken for a bar.
    """
    if limit < 1:
        return None
    colour = _median_colour(lines[0])
    if max(colour) - min(colour) > _BAR_CHROMA or _share_near(lines[0], colour) < _FLAT_SHARE:
        return None
    lookback = max(2, round(len(lines) * _EDGE_LOOKBACK))
    last_flat = 0
    for index in range(1, limit):
        share = _share_near(lines[index], colour)
        if share >= _FLAT_SHARE:
            last_flat = index
            continue
        if share >= _ICON_SHARE:
            continue
        if index - last_flat > lookback:
            return None  # the colour faded out gradually: not a bar's edge
        if share <= _EDGE_SHARE:
            return index
        # A line blending the bar's edge with the photo; the edge is just below.
    return None


def _median_colour(line: bytes) -> Colour:
    middle = len(line) // 6
    return (
        sorted(line[0::3])[middle],
        sorted(line[1::3])[middle],
        sorted(line[2::3])[middle],
    )


def _share_near(line: bytes, colour: Colour) -> float:
    """Share of the line's pixels within _TOLERANCE of `colour` on every channel."""
    near = -1
    for channel, centre in enumerate(colour):
        # One bit per pixel: 1 where this channel is close enough.
        near &= int.from_bytes(line[channel::3].translate(_close_to(centre)), "big")
    return near.bit_count() / (len(line) // 3)


@lru_cache(maxsize=256)
def _close_to(centre: int) -> bytes:
    """translate() table: 1 for grey levels within _TOLERANCE of `centre`, else 0."""
    return bytes(1 if abs(level - centre) <= _TOLERANCE else 0 for level in range(256))
