"""Normalising customer texts and grouping near-duplicates (pure functions)."""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from typing import Callable, Dict, FrozenSet, List, Sequence, TypeVar

from bot.privacy import LABELS

MASK_LABELS = LABELS
_MASK = re.compile("|".join(re.escape(label) for label in MASK_LABELS))
_EDGE_PUNCTUATION = " \t.!?,;:…\"'"

T = TypeVar("T")


def one_line(text: str) -> str:
    """The text as one line with single spaces (how an example is written)."""
    return " ".join((text or "").split())


def normalise(text: str) -> str:
    """Case, width, spacing and end punctuation do not make a different example."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(text.split()).strip(_EDGE_PUNCTUATION)


def text_key(text: str) -> str:
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


def contains_mask(text: str) -> bool:
    """Masked personal data ("[e-mail]") must never become a training example."""
    return bool(_MASK.search(text or ""))


def _shape(text: str) -> str:
    # For similarity only: digits and masks do not tell two messages apart
    # ("account 1930 is not active" ~ "account 2440 is not active").
    return re.sub(r"\d+", "0", _MASK.sub("#", normalise(text)))


def ngrams(text: str, n: int = 3) -> FrozenSet[str]:
    padded = f" {_shape(text)} "
    if len(padded) <= n:
        return frozenset({padded})
    return frozenset(padded[i:i + n] for i in range(len(padded) - n + 1))


def similarity(a: FrozenSet[str], b: FrozenSet[str]) -> float:
    """Jaccard similarity of two n-gram sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _prefix(grams: FrozenSet[str], order: Dict[str, int], threshold: float) -> List[str]:
    """The first grams of ``grams`` in the global ``order`` (rarest first) that any set
    at least ``threshold`` Jaccard-similar to it must share one of (prefix filtering:
    such a set shares at least threshold * |grams| of them)."""
    needed = max(1, math.ceil(threshold * len(grams) - 1e-9))
    return sorted(grams, key=order.__getitem__)[:len(grams) - needed + 1]


def group_near_duplicates(items: Sequence[T], text_of: Callable[[T], str],
                          threshold: float = 0.6) -> List[List[T]]:
    """Greedy single-pass grouping: each item joins the most similar group whose first
    item (its representative) is at least ``threshold`` similar, else starts a group.
    Exact duplicates (same normalised text) always share a group.  Order is kept.

    Only groups that can reach the threshold are compared (prefix filtering over the
    grams ordered rarest first, then the exact similarity): the NLU inbox of an aged
    database groups thousands of distinct messages, most of them like no other."""
    groups: List[List[T]] = []
    signatures: List[FrozenSet[str]] = []
    by_text: Dict[str, int] = {}
    keys = [normalise(text_of(item)) for item in items]
    firsts: Dict[str, FrozenSet[str]] = {}
    for item, key in zip(items, keys):
        if key not in firsts:
            firsts[key] = ngrams(text_of(item))
    if threshold > 0:  # (at 0 every group qualifies: all are compared)
        frequency: Dict[str, int] = {}
        for grams in firsts.values():
            for gram in grams:
                frequency[gram] = frequency.get(gram, 0) + 1
        order = {gram: n for n, gram in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
        postings: Dict[str, List[int]] = {}
    for item, key in zip(items, keys):
        if key in by_text:
            groups[by_text[key]].append(item)
            continue
        grams = firsts[key]
        if threshold <= 0:
            candidates: Sequence[int] = range(len(signatures))
        else:
            prefix = _prefix(grams, order, threshold)
            candidates = sorted({index for gram in prefix for index in postings.get(gram, ())})
        best, best_score = -1, threshold
        for index in candidates:
            score = similarity(grams, signatures[index])
            if score >= best_score:
                best, best_score = index, score
        if best < 0:
            groups.append([item])
            signatures.append(grams)
            best = len(groups) - 1
            if threshold > 0:
                for gram in prefix:
                    postings.setdefault(gram, []).append(best)
        else:
            groups[best].append(item)
        by_text[key] = best
    return groups
