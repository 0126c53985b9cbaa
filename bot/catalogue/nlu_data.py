"""Writes the catalogue's verbatim error wordings as NLU training data.

``python -m bot.catalogue.nlu_data`` regenerates data/nlu/catalogue.yml; a test fails when the
committed file and the catalogue disagree, so the two cannot drift apart.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from bot.catalogue import LANGUAGES, Catalogue, load_catalogue
from bot.settings import PROJECT_ROOT

GENERATED_FILE = PROJECT_ROOT / "data" / "nlu" / "catalogue.yml"

HEADER = """\
# GENERATED from bot/catalogue/errors.yml by `python -m bot.catalogue.nlu_data`: do not edit.
# The wordings the accounting system really shows, as training examples.
version: "3.1"
nlu:
"""


def _example(text: str) -> str:
    # Inside a literal block every character is kept; only line breaks need care.
    return "      - " + " ".join(text.split())


def catalogue_nlu_yaml(catalogue: Optional[Catalogue] = None) -> str:
    catalogue = catalogue or load_catalogue()
    parts = [HEADER]
    for error in catalogue.errors:
        parts.append(f"  - intent: {error.intent}\n    examples: |\n")
        for language in LANGUAGES:
            for text in error.wordings[language]:
                parts.append(_example(text) + "\n")
    return "".join(parts)


def main(path: Path = GENERATED_FILE) -> int:
    path.write_text(catalogue_nlu_yaml(), encoding="utf-8")
    print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
