"""The rules of the keypoint index, shared by the database index (webapp.photos.reuse) and the evaluation.

A photo is stored under KEY_POINTS keys of its strongest points. Some keys are everywhere (the corner of
any box on any shelf): a key that KEY_POSTING_CAP photos of the branch are already stored under is not
stored again, and the photo takes the key of its next point instead. A look-up therefore reads at most
KEY_POSTING_CAP rows per probe, however large the branch grows, and a common corner never makes two photos
candidates. A key that has reached the cap (full) casts no vote at all: its holders share nothing rarer than
a box corner, and at a million photos full keys were two thirds of the rows a look-up read (bench/reuse_search.py:
the same originals were found with and without their votes). The database lists full keys in photo_key_full,
so a look-up drops them without reading their holders.

A photo becomes a candidate when at least MIN_VOTES of its keys answer the probes and they score at least
MIN_SCORE; the MAX_CANDIDATES with the highest score go on to verification. A key's vote weighs 1 / the number
of photos answering it: a key that one photo holds says much more than one that 30 hold (the corner of a box,
a glyph every sign has), so a copy whose rarer keys answer outranks photos that share only common ones with it.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from webapp.photos.fingerprint import KEY_POINTS, Fingerprint

KEY_POSTING_CAP = 32
MIN_VOTES = 2
MIN_SCORE = 0.25  # two keys each held by eight or more photos are not worth verifying
MAX_CANDIDATES = 6


def choose_keys(keys: list[int], holders: Mapping[int, int]) -> list[int]:
    """The first KEY_POINTS keys (strongest points first) that fewer than KEY_POSTING_CAP photos hold."""
    chosen: list[int] = []
    for key in keys:
        if holders.get(key, 0) < KEY_POSTING_CAP:
            chosen.append(key)
            if len(chosen) == KEY_POINTS:
                break
    return chosen


def rank(rows: Iterable[tuple[int, int]], *, exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
    """(key, photo ref) rows answering the probes -> [(ref, score)] of candidates, highest score first.

    The score is the sum over the photo's answering keys of 1 / the number of photos answering that key (the
    database's vote computes the same: webapp.photos.reuse._vote_sql). A full key (KEY_POSTING_CAP holders)
    casts no vote. Excluded photos still count as holders of a key, as they do in the database, where the
    visit's own photos are left out after the vote."""
    skip = set(exclude)
    seen = set(rows)
    holders: Counter[int] = Counter(key for key, _ref in seen)
    votes: Counter[int] = Counter()
    score: dict[int, float] = defaultdict(float)
    for key, ref in seen:
        if holders[key] >= KEY_POSTING_CAP:
            continue
        votes[ref] += 1
        score[ref] += 1.0 / holders[key]
    ranked = sorted(((ref, score[ref]) for ref, n in votes.items()
                     if n >= MIN_VOTES and score[ref] >= MIN_SCORE and ref not in skip),
                    key=lambda item: (-item[1], item[0]))
    return ranked[:MAX_CANDIDATES]


class MemoryIndex:
    """The same index in a dict, for the evaluation script and unit tests (no database)."""

    def __init__(self) -> None:
        self.postings: dict[int, list[int]] = defaultdict(list)

    def add(self, ref: int, fp: Fingerprint) -> list[int]:
        chosen = choose_keys(fp.keys, {key: len(self.postings.get(key, ())) for key in fp.keys})
        for key in chosen:
            self.postings[key].append(ref)
        return chosen

    def candidates(self, fp: Fingerprint, *, exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        rows = ((key, ref) for key in fp.probes for ref in self.postings.get(key, ()))
        return rank(rows, exclude=exclude)
