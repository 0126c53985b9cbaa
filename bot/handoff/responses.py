"""The domain's responses (domain.yml), rendered outside Rasa: the notices the console
writes into a conversation (an agent joined, the assistant is back) use the same texts,
in both languages, as everything the assistant says.  Pure apart from reading the file.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, List

import yaml

from bot.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@functools.lru_cache(maxsize=None)
def _responses() -> Dict[str, List[Dict[str, Any]]]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


def response_names() -> List[str]:
    """Every response of the domain, in the file's order."""
    return list(_responses())


def variation(name: str, language: str) -> Dict[str, Any]:
    """The response's variation for ``language``: the Swedish one or the English default,
    as Rasa chooses by the ``language`` slot."""
    variations = _responses()[name]
    chosen = None
    for candidate in variations:
        condition = candidate.get("condition")
        if condition == [{"type": "slot", "name": "language", "value": language}]:
            return candidate
        if condition is None and chosen is None:
            chosen = candidate
    return chosen or variations[0]


def placeholders(name: str, language: str) -> List[str]:
    """The ``{placeholders}`` of the response's text in ``language``."""
    return _PLACEHOLDER.findall(variation(name, language)["text"])


def render(name: str, language: str, **values: Any) -> str:
    """The response's text in ``language`` (Swedish variation or the English default),
    with ``{placeholders}`` filled from ``values`` (unknown ones are left as written,
    as Rasa leaves them)."""
    text = variation(name, language)["text"]
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
