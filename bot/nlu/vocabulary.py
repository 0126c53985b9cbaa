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
from typing import Iterable, Iterator, List, Optional, Set

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]", re.UNICODE)
MAX_WORDS_CHECKED = 50
# Share of a message's letter triples that known words contain: measured on the
# training vocabulary, slang scores 0.5-1.0 and mash 0.0-0.4.
MASH_TRIGRAM_SHARE = 0.45


def words(text: str) -> List[str]:
    return [w.lower() for w in _WORD.findall(text or "")][:MAX_WORDS_CHECKED]


def build_vocabulary(texts: Iterable[str]) -> Set[str]:
    return {word for text in texts for word in words(text)}


def _one_edit_variants(word: str, alphabet: Iterable[str]) -> Iterator[str]:
    """Every string one insertion, deletion or substitution (of a letter of ``alphabet``)
    away from ``word``."""
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            yield head + tail[1:]
        for letter in alphabet:
            yield head + letter + tail
            if tail:
                yield head + letter + tail[1:]


def is_known(word: str, vocabulary: Set[str], alphabet: Optional[Set[str]] = None) -> bool:
    """``word`` is in the vocabulary or one typo away from a known word of at least two
    letters (short words are too easy to hit).  The typos are generated from the word
    (the letters of the vocabulary, ``alphabet``, are all a known word can differ by)
    rather than compared with every known word: the NLU inbox asks this of thousands of
    words."""
    if word in vocabulary:
        return True
    if len(word) < 3:
        return False
    if alphabet is None:
        alphabet = vocabulary_alphabet(vocabulary)
    return any(len(variant) >= 2 and variant in vocabulary
               for variant in _one_edit_variants(word, alphabet))


def trigrams(word: str) -> Set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def vocabulary_alphabet(vocabulary: Iterable[str]) -> Set[str]:
    """The letters known words are made of: all a typo of a known word can differ by."""
    return set("".join(vocabulary))


def vocabulary_trigrams(vocabulary: Iterable[str]) -> Set[str]:
    return {gram for word in vocabulary for gram in trigrams(word)}


def has_no_known_word(text: str, vocabulary: Set[str], alphabet: Optional[Set[str]] = None) -> bool:
    """True when the message has words and not one of them is (nearly) known
    (``alphabet``: the vocabulary's letters, for a caller that asks of many texts)."""
    found = words(text)
    if not found:
        return False
    if any(word in vocabulary for word in found):
        return False  # most messages: no typo search, so no alphabet to build
    alphabet = alphabet if alphabet is not None else vocabulary_alphabet(vocabulary)
    return not any(is_known(word, vocabulary, alphabet) for word in found)


def has_nothing_to_read(text: str) -> bool:
    """True for a message of symbols alone ("🙂🙂🙂", "<>", "???"): not a letter or digit for
    the classifier to read, so whatever intent it gives is a guess."""
    return bool((text or "").strip()) and not _LETTER_OR_DIGIT.search(text)


def known_trigram_share(text: str, known_trigrams: Set[str]) -> float:
    grams = [gram for word in words(text) for gram in trigrams(word)]
    return sum(gram in known_trigrams for gram in grams) / len(grams) if grams else 1.0


def looks_like_keyboard_mash(
    text: str, vocabulary: Set[str], known_trigrams: Set[str],
    alphabet: Optional[Set[str]] = None,
) -> bool:
    """``alphabet``: vocabulary_alphabet(vocabulary), for a caller that asks of every
    message (the Rasa component keeps it; building it is a pass over every known word)."""
    return (
        has_no_known_word(text, vocabulary, alphabet)
        and known_trigram_share(text, known_trigrams) < MASH_TRIGRAM_SHARE
    )
