"""Turns a catalogue entry and the customer's values into the text of a fix."""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional

from bot.catalogue import Catalogue, ExportError, load_catalogue

DEFAULT_LANGUAGE = "en"


def value_phrases(
    language: str, values: Mapping[str, Optional[str]], catalogue: Catalogue
) -> Dict[str, str]:
    """Each placeholder as a phrase: the customer's value in context, or a neutral default."""
    phrases = {}
    for name, forms in catalogue.values.items():
        form = forms[language]
        value = values.get(name)
        phrases[name] = form["given"].format(value=value) if value else form["missing"]
    return phrases


def _sentence(text: str) -> str:
    # Placeholders may open a sentence ("the voucher series named in ...").
    return text[:1].upper() + text[1:]


def rendered_steps(
    intent: str,
    language: str,
    values: Mapping[str, Optional[str]],
    catalogue: Optional[Catalogue] = None,
) -> List[str]:
    """The fix's steps as the customer reads them, numbered, with their values."""
    catalogue = catalogue or load_catalogue()
    language = language if language in ("en", "sv") else DEFAULT_LANGUAGE
    phrases = value_phrases(language, values, catalogue)
    return [
        f"{number}. {_sentence(step.format_map(phrases))}"
        for number, step in enumerate(catalogue.get(intent).steps[language], start=1)
    ]


def render_fix(
    intent: str,
    language: str,
    values: Mapping[str, Optional[str]],
    catalogue: Optional[Catalogue] = None,
) -> str:
    """Explanation and numbered steps, in the customer's language, with their values."""
    catalogue = catalogue or load_catalogue()
    language = language if language in ("en", "sv") else DEFAULT_LANGUAGE
    error: ExportError = catalogue.get(intent)
    phrases = value_phrases(language, values, catalogue)
    explanation = _sentence(error.explanation[language].format_map(phrases))
    steps = "\n".join(rendered_steps(intent, language, values, catalogue))
    return f"**{error.title[language]}**\n{explanation}\n\n{steps}"
