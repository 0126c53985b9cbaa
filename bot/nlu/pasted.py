"""Finds the parts of a message that are a pasted error, not the customer's own words.

A Swedish customer who pastes Fortnox's English "There is no active license for the
requested scope" still writes Swedish; the pasted words must not decide the language
(issue 13, item 11).  A pasted part is a JSON body, a Fortnox code, or a catalogue
signature's match widened over the neighbouring words of the same error texts (the
catalogue's verbatim wordings in that language), so "Fortnox har låst perioden t.o.m.
2024-12-31. Lås upp perioden för att fortsätta." goes as a whole.  Pure functions.
"""
from __future__ import annotations

import json
import re
from typing import FrozenSet, List, Optional, Tuple

from bot.catalogue import LANGUAGES, Catalogue, load_catalogue
from bot.nlu.extract import ERROR_CODE_PATTERN
from bot.nlu.language import detect_language

_WORD = re.compile(r"[^\W\d_]+")
Span = Tuple[int, int]


def _error_words(catalogue: Catalogue) -> List[FrozenSet[str]]:
    """Per language, the words of the catalogue's verbatim error texts (a few dozen
    short texts: read only when a message quotes an error)."""
    return [
        frozenset(word.lower() for error in catalogue.errors
                  for text in error.wordings[language] for word in _WORD.findall(text))
        for language in LANGUAGES
    ]


def _json_span(text: str) -> Optional[Span]:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        json.loads(text[start : end + 1])
    except ValueError:
        return None
    return start, end + 1


def _widened(span: Span, words: List[re.Match], catalogue: Catalogue) -> Span:
    """The span grown over the adjacent words of the error texts of its language."""
    inside = [w.group(0).lower() for w in words if span[0] <= w.start() and w.end() <= span[1]]
    vocabulary = max(_error_words(catalogue), key=lambda words_of: sum(w in words_of for w in inside))
    first = next((i for i, w in enumerate(words) if w.end() > span[0]), len(words))
    last = max((i for i, w in enumerate(words) if w.start() < span[1]), default=-1)
    while first > 0 and words[first - 1].group(0).lower() in vocabulary:
        first -= 1
    while last + 1 < len(words) and words[last + 1].group(0).lower() in vocabulary:
        last += 1
    start = min(span[0], words[first].start()) if first < len(words) else span[0]
    end = max(span[1], words[last].end()) if last >= 0 else span[1]
    return start, end


def pasted_spans(text: str, catalogue: Optional[Catalogue] = None) -> List[Span]:
    """Where the text quotes an error (start, end), in no particular order."""
    catalogue = catalogue or load_catalogue()
    text = text or ""
    spans = [span for span in [_json_span(text)] if span]
    spans += [m.span() for m in ERROR_CODE_PATTERN.finditer(text)]
    signatures = [s for e in catalogue.errors for s in e.signatures] + list(catalogue.unknown_signatures)
    words = list(_WORD.finditer(text))
    for signature in signatures:
        spans += [_widened(m.span(), words, catalogue) for m in signature.finditer(text)]
    return spans


def own_words(text: str, catalogue: Optional[Catalogue] = None) -> str:
    """The text with every pasted error blanked out: what the customer wrote themselves."""
    text = text or ""
    chars = list(text)
    for start, end in pasted_spans(text, catalogue):
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def message_language(text: str, page_language: Optional[str] = None) -> Optional[str]:
    """The language of a typed message: the customer's own words decide, a pasted error
    counts for nothing; without own words, the page's language (the widget sends it with
    every message, so there a paste never changes the conversation's language).  A message
    that is only a pasted error with no page language (the bare REST API) keeps the
    language of the paste: the slot mapping cannot ask whether the conversation has one."""
    return detect_language(own_words(text)) or page_language or detect_language(text)
