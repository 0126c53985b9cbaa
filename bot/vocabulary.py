"""Tells a message in words the assistant has never seen ("zzkj hhhq wpow") from a
typo-ridden one ("acount not actve").

A neural classifier gives every input some intent, often confidently, even keyboard
mash.  If none of a message's words is known from the training data, or one typo
away from a known word, the assistant did not understand it, whatever the score.
Pure functions; the Rasa component in bot/nlu/unknown_words.py stores the vocabulary.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Set

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MAX_WORDS_CHECKED = 50


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


def has_no_known_word(text: str, vocabulary: Set[str]) -> bool:
    """True when the message has words and not one of them is (nearly) known."""
    found = words(text)
    return bool(found) and not any(is_known(word, vocabulary) for word in found)
