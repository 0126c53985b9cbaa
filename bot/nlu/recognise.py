"""Recognises which documented error a message quotes, from the catalogue's signatures.

A pasted error text or Fortnox code is certain evidence; casual descriptions are
left to the trained classifier.  Pure functions, no Rasa.
"""
from __future__ import annotations

from typing import Optional

from bot.catalogue import Catalogue, load_catalogue
from bot.nlu.extract import ERROR_CODE_PATTERN, normalise_pasted_error

UNKNOWN_ERROR = "unknown_error"


def recognise_error(text: str, catalogue: Optional[Catalogue] = None) -> Optional[str]:
    """The intent of the documented error the text quotes, UNKNOWN_ERROR for a known
    accounting error that is not one of the eight, or None when nothing matches."""
    catalogue = catalogue or load_catalogue()
    plain = normalise_pasted_error(text or "")
    for error in catalogue.errors:
        if any(signature.search(plain) for signature in error.signatures):
            return error.intent
    if any(signature.search(plain) for signature in catalogue.unknown_signatures):
        return UNKNOWN_ERROR
    codes = set(ERROR_CODE_PATTERN.findall(plain))
    for error in catalogue.errors:
        if codes.intersection(error.codes):
            return error.intent
    if codes.intersection(catalogue.unknown_codes):
        return UNKNOWN_ERROR
    return None
