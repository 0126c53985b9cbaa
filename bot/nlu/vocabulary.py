"""Tells keyboard mash ("zzkj hhhq wpow") from typos ("acount not actve") and slang
("tjabba", "jättetack").

A neural classifier gives every input some intent, often confidently, even keyboard
mash.  A message is mash when none of its words is known from the training data (or
one typo away from a known word) AND few of its letter triples occur in known words:
slang is made of the language's usual letter sequences, mash is not.
Pure functions; the Rasa component in bot/nlu/unknown_words.py stores the vocabulary.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Set

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MAX_WORDS_CHECKED = 50
# Share of a message's letter triples that known words contain: measured on the
# training vocabulary, slang scores 0.5-1.0 and mash 0.0-0.4.
MASH_TRIGRAM_SHARE = 0.45


def words(text: str) -> List[str]:
    return [w.lower() for w in _WORD.findall(text or "")][:MAX_WORDS_CHECKED]


def build_vocabulary(texts: Iterable[str]) -> Set[str]:
    return {word for text in texts for word in words(text)}


def _one_edit_apart(a: str, b: str) -> bool:
    """True if a and b differ by one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def is_known(word: str, vocabulary: Set[str]) -> bool:
    if word in vocabulary:
        return True
    # One typo away from a known word of some length; short words are too easy to hit.
    return len(word) >= 3 and any(
        len(known) >= 2 and _one_edit_apart(word, known) for known in vocabulary
    )


def trigrams(word: str) -> Set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def vocabulary_trigrams(vocabulary: Iterable[str]) -> Set[str]:
    return {gram for word in vocabulary for gram in trigrams(word)}


def has_no_known_word(text: str, vocabulary: Set[str]) -> bool:
    """True when the message has words and not one of them is (nearly) known."""
    found = words(text)
    return bool(found) and not any(is_known(word, vocabulary) for word in found)


def known_trigram_share(text: str, known_trigrams: Set[str]) -> float:
    grams = [gram for word in words(text) for gram in trigrams(word)]
    return sum(gram in known_trigrams for gram in grams) / len(grams) if grams else 1.0


def looks_like_keyboard_mash(
    text: str, vocabulary: Set[str], known_trigrams: Set[str]
) -> bool:
    return (
        has_no_known_word(text, vocabulary)
        and known_trigram_share(text, known_trigrams) < MASH_TRIGRAM_SHARE
    )
