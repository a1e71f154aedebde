"""The compiled signature pairing (webapp/photos/signature_pairs.py) against a plain NumPy statement of the rule.

The reference is the pairing as the reuse check ran it before it was compiled: the whole distance matrix, then
each row's best (the first of equals), its second best (the row's minimum with the best set aside), and the
column's best row. Any difference in ties, the ratio test or the mutual check would change which photos are
called copies, so the two must agree on every input, ties and duplicates above all.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz_budget import fuzz_settings
from webapp.photos.matching import MAX_SIGNATURE_BITS, RATIO
from webapp.photos.signature_pairs import mutual_pairs

U64 = npt.NDArray[np.uint64]


def reference(a: U64, b: U64, max_bits: int = MAX_SIGNATURE_BITS,
              ratio: float = RATIO) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    distances = np.zeros((len(a), len(b)), dtype=np.int32)
    for column in range(2):
        distances += np.bitwise_count(a[:, column][:, None] ^ b[:, column][None, :]).astype(np.int32)
    if len(a) == 0 or distances.shape[1] < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    rows = np.arange(len(a))
    best = np.argmin(distances, axis=1)
    first = distances[rows, best]
    aside = distances.copy()
    aside[rows, best] = np.iinfo(np.int32).max
    second = aside.min(axis=1)
    back = np.argmin(distances, axis=0)
    keep = (first <= max_bits) & (first < ratio * second) & (back[best] == rows)
    return rows[keep], best[keep]


def near(rng: np.random.Generator, base: U64, flips: int) -> U64:
    """Each row of `base` with `flips` random bits flipped (some may land twice and cancel)."""
    out = base.copy()
    for row in range(len(out)):
        for _ in range(flips):
            out[row, rng.integers(0, 2)] ^= np.uint64(1) << np.uint64(rng.integers(0, 64))
    return out


def assert_same(a: U64, b: U64, *, max_bits: int = MAX_SIGNATURE_BITS, ratio: float = RATIO) -> None:
    got = mutual_pairs(a, b, max_bits=max_bits, ratio=ratio)
    want = reference(a, b, max_bits, ratio)
    assert got[0].dtype == np.intp and got[1].dtype == np.intp
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()


def random_signatures(rng: np.random.Generator, n: int) -> U64:
    return rng.integers(0, np.iinfo(np.uint64).max, (n, 2), dtype=np.uint64, endpoint=True)


def test_a_copy_pairs_every_distinct_point_with_itself() -> None:
    rng = np.random.default_rng(1)
    stored = random_signatures(rng, 128)
    copy = near(rng, stored, 6)
    order = rng.permutation(128)
    rows, columns = mutual_pairs(copy[order], stored, max_bits=MAX_SIGNATURE_BITS, ratio=RATIO)
    assert len(rows) == 128
    assert (order[rows] == columns).all()
    assert_same(copy[order], stored)


def test_unrelated_signatures_pair_with_nothing() -> None:
    rng = np.random.default_rng(2)
    rows, _columns = mutual_pairs(random_signatures(rng, 128), random_signatures(rng, 128),
                                  max_bits=MAX_SIGNATURE_BITS, ratio=RATIO)
    assert len(rows) == 0


def test_ties_duplicates_and_the_ratio_are_refused_as_the_reference_refuses_them() -> None:
    rng = np.random.default_rng(3)
    stored = random_signatures(rng, 6)
    twice = np.vstack([stored, stored[:2]])  # two stored points share a signature: neither wins for its row
    assert_same(stored, twice)
    assert_same(np.vstack([stored, stored]), stored)  # two query points share one: only the first is mutual
    assert_same(near(rng, stored, 20), stored, ratio=0.5)


@pytest.mark.parametrize(("rows", "columns"), [(0, 0), (0, 5), (5, 0), (5, 1), (1, 2), (3, 3)])
def test_tiny_sets(rows: int, columns: int) -> None:
    rng = np.random.default_rng(rows * 10 + columns)
    base = random_signatures(rng, max(rows, columns))
    a, b = base[:rows], near(rng, base[:columns], 3)
    assert_same(a, b)
    if columns < 2:
        assert len(mutual_pairs(a, b, max_bits=MAX_SIGNATURE_BITS, ratio=RATIO)[0]) == 0


def test_non_contiguous_input_is_read_correctly() -> None:
    rng = np.random.default_rng(4)
    wide = random_signatures(rng, 40)
    stored = wide[::2]  # every other row: a strided view
    query = np.asfortranarray(near(rng, stored, 4))  # column-major
    assert not stored.flags.c_contiguous and not query.flags.c_contiguous
    assert_same(query, stored)
    assert len(mutual_pairs(query, stored, max_bits=MAX_SIGNATURE_BITS, ratio=RATIO)[0]) == 20


@fuzz_settings(default=60)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 40), columns=st.integers(0, 40),
       flips=st.integers(0, 48), pool=st.integers(1, 8), ratio=st.sampled_from([RATIO, 0.5, 1.0]),
       max_bits=st.sampled_from([MAX_SIGNATURE_BITS, 0, 128]))
def test_agrees_with_the_reference(seed: int, rows: int, columns: int, flips: int, pool: int, ratio: float,
                                   max_bits: int) -> None:
    """Signatures drawn from a few bases with a few bits flipped: near neighbours, exact ties and duplicate
    rows on both sides, which random 128-bit signatures would almost never give."""
    rng = np.random.default_rng(seed)
    bases = random_signatures(rng, pool)
    a = near(rng, bases[rng.integers(0, pool, rows)], flips)
    b = near(rng, bases[rng.integers(0, pool, columns)], flips)
    assert_same(a, b, max_bits=max_bits, ratio=ratio)


def test_a_server_with_nowhere_to_cache_compiled_code_still_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Numba refuses `cache=True` where it finds no writable folder (a read-only install run by a user without a
    home): the kernel is then compiled in the process instead of failing the upload."""
    from numba.core import caching

    from webapp.photos import signature_pairs

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    signature_pairs._compiled.cache_clear()
    try:
        rng = np.random.default_rng(5)
        stored = random_signatures(rng, 20)
        rows, columns = mutual_pairs(stored, stored, max_bits=MAX_SIGNATURE_BITS, ratio=RATIO)
        assert rows.tolist() == columns.tolist() == list(range(20))
    finally:
        monkeypatch.undo()
        signature_pairs._compiled.cache_clear()


def test_the_app_loads_numba_only_when_it_first_pairs() -> None:
    """Numba and its LLVM cost 0.1 s and about 19 MB: a process that never pairs photos (the CLI, a migration)
    does not load them."""
    import subprocess
    import sys

    script = ("import sys; from webapp import create_app; "
              "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'}); "
              "print('numba' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
