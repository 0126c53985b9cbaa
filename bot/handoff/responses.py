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


def render(name: str, language: str, **values: Any) -> str:
    """The response's text in ``language`` (Swedish variation or the English default),
    with ``{placeholders}`` filled from ``values`` (unknown ones are left as written,
    as Rasa leaves them)."""
    variations = _responses()[name]
    chosen = None
    for variation in variations:
        condition = variation.get("condition")
        if condition == [{"type": "slot", "name": "language", "value": language}]:
            chosen = variation
            break
        if condition is None and chosen is None:
            chosen = variation
    text = (chosen or variations[0])["text"]
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
