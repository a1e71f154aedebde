"""Near-copy detection for report texts (Chinese first): character n-grams, MinHash, LSH bands, shared passages.

A copied report is the same text with a name, a date or an amount changed and the sentences moved about.
So the text is normalised before it is compared (every run of digits becomes '#', punctuation and spaces go),
and compared as a set of character 3-grams, which ignores order. Stock phrases that every honest report uses
("经营正常", "库存充足") are removed first, and a pair must share a minimum amount of other text, so two short
routine notes are never a copy.

MinHash gives each text a short signature whose agreement estimates the 3-gram Jaccard similarity; LSH
bands (16 bands of 4 values) turn "similar enough" into an exact index look-up. Candidates are then compared
on their real 3-gram sets.
"""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

NGRAM = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS

# Phrases that honest reports share by the hundred; they never count towards a copy.
STOCK_PHRASES = (
    "经营正常", "正常经营", "正常营业", "营业正常", "库存充足", "库存正常", "货源充足", "生意正常", "生意一般",
    "运营正常", "一切正常", "情况正常", "未发现异常", "无异常", "暂无异常", "经营稳定", "还款正常", "按时还款",
    "还款意愿良好", "客户配合", "配合良好", "态度良好", "资金周转正常", "用途合规", "贷款用途合规",
    "继续跟进", "持续关注", "下次回访", "无逾期", "家庭和睦", "固定资产无变化", "人员稳定",
)

# A number with its decimals, thousands separators and unit (3万元, 1,200元, 12.5): after NFKC, digits are ASCII.
_DIGITS = re.compile(r"[0-9]+(?:[.,:/-][0-9]+)*[万千百亿]?元?")


@dataclass(frozen=True)
class Normalised:
    """The comparable characters of a text, and for each the [start, end) of the original it stands for."""

    chars: str
    origin: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Comparison:
    jaccard: float
    containment: float  # shared 3-grams over the smaller text's
    similarity: float  # the same, each 3-gram weighted by its rarity in the branch's reports
    shared: int  # distinct shared 3-grams
    this_spans: list[tuple[int, int]]  # [start, end) in the original text, shared passages
    other_spans: list[tuple[int, int]]


def normalise(text: str) -> Normalised:
    """NFKC, lower case, numbers as '#', stock phrases and everything but letters, digits and CJK removed."""
    # Character by character, so every normalised character knows where it came from ("㎡" becomes "m2").
    pieces = [(c, i) for i, ch in enumerate(text or "") for c in unicodedata.normalize("NFKC", ch).lower()]
    joined = "".join(c for c, _i in pieces)
    keep = [True] * len(pieces)
    for phrase in STOCK_PHRASES:
        for found in re.finditer(re.escape(phrase), joined):
            for k in range(found.start(), found.end()):
                keep[k] = False
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    k = 0
    while k < len(pieces):
        number = _DIGITS.match(joined, k)
        if keep[k] and number:
            chars.append("#")
            origin.append((pieces[k][1], pieces[number.end() - 1][1] + 1))
            k = number.end()
            continue
        char, where = pieces[k]
        if keep[k] and (char.isalnum() or _is_cjk(char)):
            chars.append(char)
            origin.append((where, where + 1))
        k += 1
    return Normalised("".join(chars), tuple(origin))


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def shingles(norm: Normalised) -> set[str]:
    text = norm.chars
    return {text[i:i + NGRAM] for i in range(len(text) - NGRAM + 1)}


def signature(grams: set[str]) -> npt.NDArray[np.uint64]:
    """MinHash: for each of PERMUTATIONS hash functions, the least hash over the text's 3-grams."""
    if not grams:
        return np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    hashes = np.array([int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                       for g in grams], dtype=np.uint64)
    masks, multipliers = _permutations()
    with np.errstate(over="ignore"):
        mixed = (hashes[None, :] ^ masks[:, None]) * multipliers[:, None]
    return np.asarray(mixed.min(axis=1), dtype=np.uint64)


@lru_cache(maxsize=1)
def _permutations() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(20261203)
    masks = rng.integers(0, np.iinfo(np.uint64).max, PERMUTATIONS, dtype=np.uint64, endpoint=True)
    multipliers = rng.integers(0, np.iinfo(np.uint64).max, PERMUTATIONS, dtype=np.uint64, endpoint=True) | np.uint64(1)
    return masks, multipliers


def bands(sig: npt.NDArray[np.uint64]) -> list[int]:
    """One 63-bit value per band: two texts sharing a band value are candidates."""
    values = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].astype("<u8").tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        values.append(int.from_bytes(digest, "little") >> 1)
    return values


def pack_signature(sig: npt.NDArray[np.uint64]) -> bytes:
    return sig.astype("<u8").tobytes()


def gram_id(gram: str) -> int:
    """A 3-gram's 63-bit id, as the branch's gram counts (report_gram) store it."""
    return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little") >> 1


def rarity(reports: int, holding: int) -> float:
    """Weight of a 3-gram held by `holding` of `reports` reports: the phrase book's words weigh little."""
    return math.log((reports + 1) / (holding + 1)) + 0.05


def compare(this_text: str, other_text: str, weight: Callable[[str], float] | None = None) -> Comparison:
    """Exact 3-gram comparison, with the shared passages located in both original texts.

    `weight(gram)` is the gram's rarity; without it every gram weighs the same. Managers trained together
    share a phrase book ("经营面积约#平方米"): weighting by rarity lets the part that describes this shop decide.
    """
    a, b = normalise(this_text), normalise(other_text)
    grams_a, grams_b = shingles(a), shingles(b)
    shared = grams_a & grams_b
    union = grams_a | grams_b
    smaller = min(len(grams_a), len(grams_b))
    measure = weight or (lambda _gram: 1.0)
    weight_a, weight_b = sum(map(measure, grams_a)), sum(map(measure, grams_b))
    weight_shared = sum(map(measure, shared))
    return Comparison(
        jaccard=len(shared) / len(union) if union else 0.0,
        containment=len(shared) / smaller if smaller else 0.0,
        similarity=weight_shared / min(weight_a, weight_b) if smaller else 0.0,
        shared=len(shared),
        this_spans=_spans(a, shared, this_text),
        other_spans=_spans(b, shared, other_text),
    )


def _spans(norm: Normalised, shared: set[str], original: str) -> list[tuple[int, int]]:
    """Character ranges of `original` covered by shared 3-grams, merged across punctuation between them."""
    covered = [False] * len(norm.chars)
    for i in range(len(norm.chars) - NGRAM + 1):
        if norm.chars[i:i + NGRAM] in shared:
            for k in range(i, i + NGRAM):
                covered[k] = True
    spans: list[tuple[int, int]] = []
    previous = -2
    for i, flag in enumerate(covered):
        if not flag:
            continue
        start, end = norm.origin[i]
        gap = original[spans[-1][1]:start] if spans else ""
        if spans and previous == i - 1 and not any(c.isalnum() or _is_cjk(c) for c in gap):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        previous = i
    return spans


def is_copy(comparison: Comparison, *, min_similarity: float, min_shared: int) -> bool:
    """A near copy: most of the shorter text's substance is in the other, and that substance is not short."""
    return comparison.shared >= min_shared and comparison.similarity >= min_similarity
