"""Local fingerprints of a photo: keypoints that survive crops, turns, mirrors, rescaling and recolouring.

A global hash sees the whole frame, so cutting 10 % off one side or turning the picture by 3 degrees moves
it as much as a different photo would. A reused photo keeps most of its local structure, though: corners
of signboards, edges of goods, glyphs. SIFT finds those points at their own scale and orientation, so the
same point is found again after resizing and rotation, and its descriptor (a histogram of gradients,
normalised) ignores brightness and contrast.

Each photo keeps:
- up to MAX_POINTS keypoints with position, scale, orientation and a 128-bit signature (the signs of 128
  fixed random projections of the descriptor: two signatures of the same point differ in few bits);
- KEY_POINTS index keys: 24 of those projection bits of its strongest points, made mirror-blind by taking
  the descriptor or its mirror image, whichever leans up (`_canonical`). The index finds a candidate when
  several keys agree; the signatures then decide.

The query side asks for more than it stores: for each point it also looks up the keys with its least
certain bits flipped (the projections closest to zero), and the mirror orientation when the lean is weak.
Storage stays KEY_POINTS rows per photo; only the look-up pays for the uncertainty.
"""
from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

ANALYSIS_SIDE = 640
MAX_POINTS = 128
KEY_POINTS = 48
KEY_BITS = 24
QUERY_POINTS = 96
FLIP_BITS = 2  # each query point looks up 2**FLIP_BITS keys (one bit halves the look-ups but lost 2.5-5 % recall)
MIRROR_MARGIN = 0.06  # below this lean, a query point looks up both orientations
FORMAT_VERSION = 1
_GRID = 4

_SIGNATURE_BITS = 128
_HEADER = struct.Struct("<BHHffffH")  # version, width, height, content box (x0, y0, x1, y1), count
_POINT = struct.Struct("<HHHB16s")  # x*32, y*32, size*32, angle/360*256, signature

Box = tuple[float, float, float, float]
U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
U64 = npt.NDArray[np.uint64]


@dataclass
class Fingerprint:
    """Keypoints of the analysis image (the photo inside any screen bars, long side ANALYSIS_SIDE).

    `box` is that region in the upright photo, as fractions of its width and height, so a point can be
    drawn on any copy of the photo (display, thumbnail).
    """

    width: int
    height: int
    box: Box
    points: F32  # (n, 2) x, y in analysis pixels
    sizes: F32  # (n,) diameter in analysis pixels
    angles: F32  # (n,) degrees
    signatures: U64  # (n, 2) 128-bit signatures
    keys: list[int] = field(default_factory=list)  # every point's key, strongest point first
    # Query side only, never stored: signatures of the mirrored descriptors, and the look-up keys.
    mirrored_signatures: U64 | None = None
    probes: list[int] = field(default_factory=list)

    def to_photo(self, xy: F32) -> F32:
        """Analysis pixels to fractions of the upright photo."""
        x0, y0, x1, y1 = self.box
        out = np.empty_like(xy, dtype=np.float32)
        out[:, 0] = x0 + xy[:, 0] / self.width * (x1 - x0)
        out[:, 1] = y0 + xy[:, 1] / self.height * (y1 - y0)
        return out


def analysis_grey(image: Image.Image, box: Box) -> U8:
    """The region `box` (fractions) of `image` in grey, long side ANALYSIS_SIDE, area-averaged."""
    width, height = image.size
    pixels = (box[0] * width, box[1] * height, box[2] * width, box[3] * height)
    region_w, region_h = pixels[2] - pixels[0], pixels[3] - pixels[1]
    # Always the same size, enlarging small copies too: the same content then covers the same pixels, so the
    # detector ranks the same points first whatever size the copy was saved at.
    scale = ANALYSIS_SIDE / max(region_w, region_h)
    size = (max(1, round(region_w * scale)), max(1, round(region_h * scale)))
    grey = image if image.mode == "L" else image.convert("L")
    small = grey.resize(size, Image.Resampling.BOX if scale < 0.67 else Image.Resampling.BILINEAR,
                        box=pixels, reducing_gap=3.0 if scale < 0.67 else None)
    return np.asarray(small, dtype=np.uint8)


def fingerprint(image: Image.Image, box: Box = (0.0, 0.0, 1.0, 1.0), *, query: bool = False) -> Fingerprint:
    """Keypoints, signatures and index keys of `image` inside `box`; with `query`, also what a search needs."""
    grey = analysis_grey(image, box)
    return fingerprint_of_grey(grey, box, query=query)


def fingerprint_of_grey(grey: U8, box: Box, *, query: bool = False) -> Fingerprint:
    keypoints, descriptors = _detector().detectAndCompute(grey, None)
    height, width = grey.shape
    if descriptors is None or not keypoints:
        empty = Fingerprint(width, height, box, np.zeros((0, 2), np.float32), np.zeros(0, np.float32),
                            np.zeros(0, np.float32), np.zeros((0, 2), np.uint64))
        if query:
            empty.mirrored_signatures = np.zeros((0, 2), np.uint64)
        return empty
    order = _spread_out(keypoints, width, height)
    kept = [keypoints[i] for i in order]
    rooted = _root(np.asarray(descriptors[order], dtype=np.float32))
    projections = rooted @ _hyperplanes()
    fp = Fingerprint(
        width=width, height=height, box=box,
        points=np.array([k.pt for k in kept], dtype=np.float32).reshape(-1, 2),
        sizes=np.array([k.size for k in kept], dtype=np.float32),
        angles=np.array([k.angle for k in kept], dtype=np.float32),
        signatures=_pack_bits(projections[:, :_SIGNATURE_BITS] > 0),
    )
    canonical, lean = _canonical(rooted)
    key_projections = canonical @ _hyperplanes()[:, :KEY_BITS]
    # Strongest first: the index stores the first KEY_POINTS of these that are not too common (reuse_index).
    fp.keys = list(dict.fromkeys(_key(bits) for bits in key_projections > 0))
    if query:
        mirrored = rooted[:, _mirror_permutation()]
        fp.mirrored_signatures = _pack_bits((mirrored @ _hyperplanes())[:, :_SIGNATURE_BITS] > 0)
        fp.probes = _probes(rooted[:QUERY_POINTS], canonical[:QUERY_POINTS], lean[:QUERY_POINTS])
    return fp


def _spread_out(keypoints: Sequence[cv2.KeyPoint], width: int, height: int) -> list[int]:
    """Up to MAX_POINTS indices, strongest first, at most a fair share from each cell of a 4x4 grid first.

    The strongest points of a photo bunch where the detail is finest (the labels of the goods in one
    window); a copy must be recognisable by every part of it, and a crop must not take all the points away.
    """
    strength = np.array([-k.response for k in keypoints])
    by_strength = np.argsort(strength, kind="stable")
    quota = MAX_POINTS // (_GRID * _GRID)
    taken: dict[tuple[int, int], int] = {}
    first: list[int] = []
    rest: list[int] = []
    for index in by_strength:
        x, y = keypoints[index].pt
        cell = (min(_GRID - 1, int(x * _GRID / width)), min(_GRID - 1, int(y * _GRID / height)))
        if taken.get(cell, 0) < quota:
            taken[cell] = taken.get(cell, 0) + 1
            first.append(int(index))
        else:
            rest.append(int(index))
    chosen = set((first + rest)[:MAX_POINTS])
    return [int(i) for i in by_strength if int(i) in chosen]


def _probes(rooted: F32, canonical: F32, lean: F32) -> list[int]:
    """Keys to look up: each point's key and its variants with the FLIP_BITS least certain bits flipped."""
    planes = _hyperplanes()[:, :KEY_BITS]
    found: set[int] = set()
    mirrored = rooted[:, _mirror_permutation()]
    for index in range(len(canonical)):
        variants = [canonical[index]]
        if abs(float(lean[index])) < MIRROR_MARGIN:
            # The lean is weak: the stored side may have picked the other orientation.
            other = mirrored[index] if np.allclose(variants[0], rooted[index]) else rooted[index]
            variants.append(other)
        for descriptor in variants:
            projection = descriptor @ planes
            bits = projection > 0
            weakest = np.argsort(np.abs(projection))[:FLIP_BITS]
            for flips in itertools.product((False, True), repeat=FLIP_BITS):
                probe = bits.copy()
                for flip, position in zip(flips, weakest):
                    if flip:
                        probe[position] = not probe[position]
                found.add(_key(probe))
    return sorted(found)


def _key(bits: npt.NDArray[np.bool_]) -> int:
    value = 0
    for bit in bits[:KEY_BITS]:
        value = (value << 1) | int(bit)
    return value


def _canonical(rooted: F32) -> tuple[F32, F32]:
    """Each descriptor or its mirror image, whichever has more gradient mass in the upper half of its patch.

    Mirroring a photo mirrors every patch about its orientation axis, which swaps the upper and lower halves:
    the choice made on a copy is then the same as on the original, so its keys are the same.
    """
    rows = np.arange(128) // 32  # descriptor layout: 4 rows x 4 columns x 8 orientation bins
    upper = rooted[:, rows < 2].sum(axis=1)
    lower = rooted[:, rows >= 2].sum(axis=1)
    lean = (upper - lower).astype(np.float32)
    mirrored = rooted[:, _mirror_permutation()]
    canonical = np.where((lean >= 0)[:, None], rooted, mirrored).astype(np.float32)
    return canonical, lean


@lru_cache(maxsize=1)
def _mirror_permutation() -> npt.NDArray[np.intp]:
    """Index map taking a SIFT descriptor to the descriptor of the mirrored patch (rows and angles flip)."""
    permutation = np.zeros(128, dtype=np.intp)
    for row in range(4):
        for column in range(4):
            for angle in range(8):
                permutation[(row * 4 + column) * 8 + angle] = ((3 - row) * 4 + column) * 8 + (8 - angle) % 8
    return permutation


@lru_cache(maxsize=1)
def _hyperplanes() -> F32:
    """Fixed random directions (a seeded generator, so every server and every year computes the same keys)."""
    rng = np.random.default_rng(20261128)
    return rng.standard_normal((128, _SIGNATURE_BITS)).astype(np.float32)


@lru_cache(maxsize=1)
def _detector() -> cv2.SIFT:
    cv2.setNumThreads(1)  # one request, one core: the server runs several workers
    return cv2.SIFT.create(nfeatures=MAX_POINTS * 3, contrastThreshold=0.03)


def _root(descriptors: npt.NDArray[np.float32]) -> F32:
    """RootSIFT (Hellinger kernel) centred on its own mean: random projections then split evenly."""
    descriptors = descriptors.astype(np.float32)
    descriptors /= descriptors.sum(axis=1, keepdims=True) + 1e-9
    rooted = np.sqrt(descriptors)
    return np.asarray(rooted - rooted.mean(axis=1, keepdims=True), dtype=np.float32)


def _pack_bits(bits: npt.NDArray[np.bool_]) -> U64:
    packed = np.packbits(bits.astype(np.uint8), axis=1, bitorder="little")
    return packed.view(np.uint64).reshape(len(bits), -1).copy()


# --- storage --------------------------------------------------------------------------------------------


def pack(fp: Fingerprint) -> bytes:
    """Compact bytes for the database: about 23 bytes a point."""
    parts = [_HEADER.pack(FORMAT_VERSION, fp.width, fp.height, *fp.box, len(fp.points))]
    for (x, y), size, angle, signature in zip(fp.points, fp.sizes, fp.angles, fp.signatures):
        parts.append(_POINT.pack(min(65535, round(float(x) * 32)), min(65535, round(float(y) * 32)),
                                 min(65535, round(float(size) * 32)), round(float(angle) / 360 * 256) % 256,
                                 signature.astype("<u8").tobytes()))
    return b"".join(parts)


def unpack(data: bytes) -> Fingerprint:
    version, width, height, x0, y0, x1, y1, count = _HEADER.unpack_from(data, 0)
    if version != FORMAT_VERSION:
        raise ValueError(f"fingerprint format {version} is not {FORMAT_VERSION}")
    records = np.frombuffer(data, dtype=np.dtype([("x", "<u2"), ("y", "<u2"), ("size", "<u2"), ("angle", "u1"),
                                                  ("signature", "<u8", (2,))]),
                            count=count, offset=_HEADER.size)
    points = np.asarray(np.stack([records["x"], records["y"]], axis=1) / 32, dtype=np.float32)
    return Fingerprint(width=width, height=height, box=(x0, y0, x1, y1), points=points.reshape(-1, 2),
                       sizes=np.asarray(records["size"] / 32, dtype=np.float32),
                       angles=np.asarray(records["angle"].astype(np.float32) * 360 / 256, dtype=np.float32),
                       signatures=records["signature"].astype(np.uint64).reshape(-1, 2))
