"""The catalogue of the eight documented export errors, read from ``errors.yml``.

This module only loads and validates the file; recognising an error in a message
lives in ``bot.nlu.recognise`` and turning a fix into text in ``bot.catalogue.render``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Pattern, Tuple

import yaml

CATALOGUE_FILE = Path(__file__).with_name("errors.yml")
LANGUAGES = ("en", "sv")

Texts = Dict[str, str]  # language -> text


@dataclass(frozen=True)
class ExportError:
    intent: str
    number: int
    title: Texts
    signatures: Tuple[Pattern, ...]
    codes: Tuple[str, ...]
    wordings: Dict[str, Tuple[str, ...]]
    explanation: Texts
    steps: Dict[str, Tuple[str, ...]]
    # Added to the explanation only for a customer whose system is Fortnox; {} when none.
    fortnox_note: Texts


@dataclass(frozen=True)
class Catalogue:
    errors: Tuple[ExportError, ...]
    # placeholder -> language -> {"given": "... {value} ...", "missing": "..."}
    values: Dict[str, Dict[str, Dict[str, str]]]
    unknown_signatures: Tuple[Pattern, ...]
    unknown_codes: Tuple[str, ...]
    # placeholder -> language -> {"fortnox": "...", "other": "..."}
    system_phrases: Dict[str, Dict[str, Dict[str, str]]]

    @property
    def intents(self) -> List[str]:
        return [error.intent for error in self.errors]

    def get(self, intent: str) -> ExportError:
        for error in self.errors:
            if error.intent == intent:
                return error
        raise KeyError(intent)

    def __contains__(self, intent: object) -> bool:
        return intent in self.intents


def _compile(patterns: List[str]) -> Tuple[Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _per_language(raw: dict, field: str, intent: str) -> dict:
    missing = [lang for lang in LANGUAGES if not raw.get(lang)]
    if missing:
        raise ValueError(f"{intent}: {field} lacks {missing}")
    return raw


def parse_catalogue(raw: dict) -> Catalogue:
    """Builds a Catalogue from the parsed YAML, refusing incomplete entries."""
    errors = []
    for entry in raw["errors"]:
        intent = entry["intent"]
        errors.append(
            ExportError(
                intent=intent,
                number=int(entry["number"]),
                title=_per_language(entry["title"], "title", intent),
                signatures=_compile(entry["signatures"]),
                codes=tuple(str(c) for c in entry.get("codes") or ()),
                wordings={
                    lang: tuple(texts)
                    for lang, texts in _per_language(
                        entry["wordings"], "wordings", intent
                    ).items()
                },
                explanation=_per_language(entry["explanation"], "explanation", intent),
                steps={
                    lang: tuple(steps)
                    for lang, steps in _per_language(entry["steps"], "steps", intent).items()
                },
                fortnox_note=(_per_language(entry["fortnox_note"], "fortnox_note", intent)
                              if "fortnox_note" in entry else {}),
            )
        )
    unknown = raw.get("unknown_errors") or {}
    return Catalogue(
        errors=tuple(sorted(errors, key=lambda e: e.number)),
        values=raw["values"],
        unknown_signatures=_compile(unknown.get("signatures") or []),
        unknown_codes=tuple(str(c) for c in unknown.get("codes") or ()),
        system_phrases=raw.get("system_phrases") or {},
    )


@functools.lru_cache(maxsize=1)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    with open(path, encoding="utf-8") as handle:
        return parse_catalogue(yaml.safe_load(handle))
