"""Turns a catalogue entry and the customer's values into the text of a fix."""
from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional

from bot.catalogue import Catalogue, ExportError, load_catalogue
from bot.catalogue.bank import bank_phrases
from bot.settings import Settings, settings

DEFAULT_LANGUAGE = "en"
FORTNOX = "fortnox"
# The widget and the staff console render a subset of markdown (bold, code, links, bare
# http(s) URLs).  A customer's value (from a typed payload, `/intent{"account": ...}`) is
# the customer's, not the assistant's: it keeps letters, digits, spaces and harmless
# punctuation only, so it can never become a link, bold text or code in our reply.
_NOT_PLAIN = re.compile(r"[^\w\s.,&'/+-]", re.UNICODE)
MAX_VALUE_CHARS = 64


def plain_value(value: str) -> str:
    """The value without markup characters (``*``, ``[``, ``(``, ``:``, backticks, ...)."""
    text = _NOT_PLAIN.sub("", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_VALUE_CHARS].strip()


def is_fortnox(values: Mapping[str, Optional[str]]) -> bool:
    """Whether the customer's accounting system is Fortnox: only then do its facts apply."""
    return (values.get("accounting_system") or "").strip().lower() == FORTNOX


def with_system_of_the_code(values: Mapping[str, Optional[str]]) -> Mapping[str, Optional[str]]:
    """The values, with Fortnox as the system when none was named but the customer pasted
    a Fortnox error code (the catalogue's codes are Fortnox's): their system is Fortnox."""
    if values.get("accounting_system") or not values.get("error_code"):
        return values
    return {**values, "accounting_system": "Fortnox"}


def value_phrases(
    language: str, values: Mapping[str, Optional[str]], catalogue: Catalogue
) -> Dict[str, str]:
    """Each placeholder as a phrase: the customer's value in context, or a neutral default."""
    phrases = {}
    for name, forms in catalogue.values.items():
        form = forms[language]
        value = plain_value(values.get(name) or "")
        phrases[name] = form["given"].format(value=value) if value else form["missing"]
    return phrases


def all_phrases(
    language: str, values: Mapping[str, Optional[str]], catalogue: Catalogue, config: Settings
) -> Dict[str, str]:
    """Every placeholder a text of the catalogue may use: the customer's values, the
    bank's words and the phrases that depend on the accounting system."""
    phrases = {**value_phrases(language, values, catalogue), **bank_phrases(config, language)}
    form = "fortnox" if is_fortnox(values) else "other"
    for name, forms in catalogue.system_phrases.items():
        phrases[name] = forms[language][form].format_map(phrases)
    return phrases


def _sentence(text: str) -> str:
    # Placeholders may open a sentence ("the voucher series named in ...").
    return text[:1].upper() + text[1:]


def rendered_steps(
    intent: str,
    language: str,
    values: Mapping[str, Optional[str]],
    catalogue: Optional[Catalogue] = None,
    config: Optional[Settings] = None,
) -> List[str]:
    """The fix's steps as the customer reads them, numbered, with their values."""
    catalogue = catalogue or load_catalogue()
    language = language if language in ("en", "sv") else DEFAULT_LANGUAGE
    phrases = all_phrases(language, with_system_of_the_code(values), catalogue, config or settings())
    return [
        f"{number}. {_sentence(step.format_map(phrases))}"
        for number, step in enumerate(catalogue.get(intent).steps[language], start=1)
    ]


def render_fix(
    intent: str,
    language: str,
    values: Mapping[str, Optional[str]],
    catalogue: Optional[Catalogue] = None,
    config: Optional[Settings] = None,
) -> str:
    """Explanation and numbered steps, in the customer's language, with their values."""
    catalogue = catalogue or load_catalogue()
    config = config or settings()
    language = language if language in ("en", "sv") else DEFAULT_LANGUAGE
    error: ExportError = catalogue.get(intent)
    values = with_system_of_the_code(values)
    phrases = all_phrases(language, values, catalogue, config)
    explanation = _sentence(error.explanation[language].format_map(phrases))
    if error.fortnox_note and is_fortnox(values):
        explanation = f"{explanation} {error.fortnox_note[language].format_map(phrases)}"
    steps = "\n".join(rendered_steps(intent, language, values, catalogue, config))
    return f"**{error.title[language]}**\n{explanation}\n\n{steps}"
