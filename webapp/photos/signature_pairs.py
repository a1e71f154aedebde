"""Pairing two photos' keypoint signatures in one pass: the inner loop of every reuse check.

For each point of one photo: its nearest point of the other by bit differences of the 128-bit signatures, kept
when it is near enough, clearly nearer than the second nearest, and that point's own nearest in return
(webapp.photos.matching explains the rules). Every candidate of the reuse search goes through this twice (as
shot and mirrored), so it is compiled (Numba): one pass over the 128 x 128 pairs keeps each row's best and
second and each column's best. With NumPy it took five passes over the whole distance matrix (two XORs, two bit
counts, the sum, then the row and column reductions): 78 us for two photos of 128 points, against about 20 us
compiled. The reuse search at a million photos fell by about 1.2 ms (bench/reuse_search.py; README, reuse).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

Indices = npt.NDArray[np.intp]

_FAR = 1 << 30  # further than any two 128-bit signatures


def _kernel(a: Any, b: Any, max_bits: int, ratio: float) -> tuple[Any, Any]:
    def bits(x: np.uint64) -> np.uint64:
        """Set bits of a 64-bit word (the SWAR count; LLVM emits the CPU's popcount for it)."""
        x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
        x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
        x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)

    rows, columns = a.shape[0], b.shape[0]
    best = np.empty(rows, np.intp)
    first = np.empty(rows, np.int64)
    second = np.empty(rows, np.int64)
    column_best = np.full(columns, _FAR, np.int64)
    column_row = np.zeros(columns, np.intp)
    for i in range(rows):
        a0, a1 = a[i, 0], a[i, 1]
        nearest, runner_up, at = _FAR, _FAR, 0
        for j in range(columns):
            d = int(bits(a0 ^ b[j, 0]) + bits(a1 ^ b[j, 1]))
            if d < nearest:  # strict: of equals, the first is the best, as numpy's argmin
                runner_up, nearest, at = nearest, d, j
            elif d < runner_up:
                runner_up = d
            if d < column_best[j]:
                column_best[j], column_row[j] = d, i
        best[i], first[i], second[i] = at, nearest, runner_up
    kept_rows = np.empty(rows, np.intp)
    kept_columns = np.empty(rows, np.intp)
    kept = 0
    for i in range(rows):
        if first[i] <= max_bits and first[i] < ratio * second[i] and column_row[best[i]] == i:
            kept_rows[kept], kept_columns[kept] = i, best[i]
            kept += 1
    return kept_rows[:kept], kept_columns[:kept]


@cache
def _compiled() -> Callable[[Any, Any, int, float], tuple[Any, Any]]:
    """The kernel, compiled at the first pairing of a process, not at import: Numba and its LLVM cost 0.1 s and
    about 19 MB, which a process that never pairs (the CLI, a migration) need not pay. Cached on disk where Numba
    finds a writable place (the package's __pycache__, NUMBA_CACHE_DIR or the user's cache folder); where it finds
    none, compiled in each process (about a second) rather than failing the upload."""
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(_kernel)
    except RuntimeError:  # "no locator available": nowhere writable to cache
        return numba.njit(nogil=True)(_kernel)


def mutual_pairs(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64], *, max_bits: int,
                 ratio: float) -> tuple[Indices, Indices]:
    """(rows of a, rows of b) of the pairs: mutual nearest signatures within max_bits whose nearest beats the
    second nearest by `ratio` (a row of b alone has no second: no pairs)."""
    if len(a) == 0 or len(b) < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    rows, columns = _compiled()(np.ascontiguousarray(a, dtype=np.uint64), np.ascontiguousarray(b, dtype=np.uint64),
                                int(max_bits), float(ratio))
    return np.asarray(rows, np.intp), np.asarray(columns, np.intp)
