"""The figures behind the thresholds of bot/settings.py: how sure the classifier is when it
is right and when it is wrong, and what each fix threshold would give, per language.

    python -m bot.ops.thresholds [--model models/current.tar.gz] [--data tests/nlu_validation]

Choose thresholds on the validation set (``tests/nlu_validation``, never trained on), and
only report the held-out sets' figures (``tests/nlu``, the default): a threshold tuned on the
sets it is reported on flatters itself.  Each message's ranking is the classifier's (the
ConfidenceGate keeps it behind its ``nlu_fallback``); a message whose error text was
recognised verbatim is certain (1.0).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, NamedTuple, Optional

from bot.catalogue.intents import ERROR_INTENTS, FALLBACK_INTENT
from bot.nlu.decide import CLARIFY, INTENT, Thresholds, decide
from bot.settings import settings
from bot.trainer.evaluation import DEFAULT_DATA, DEFAULT_MODEL, LANGUAGES, load_sets

FIX_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
MARGINS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
FLOORS = (0.3, 0.5, 0.6, 0.7, 0.8)
INTENT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


class Row(NamedTuple):
    set_name: str
    expected: str
    ranking: list
    # The intent decided without the classifier's confidence: a verbatim error text (its
    # error), personal data alone (not understood); None: the thresholds decide.
    fixed: Optional[str]
    language: str = "en"
    text: str = ""


async def rankings(model: Path, data: Path) -> List[Row]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    rows = []
    for set_name, language, expected, text in load_sets(data):
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        rows.append(Row(set_name, expected, ranking, _fixed(parsed), language, text))
    return rows


def _fixed(parsed: dict) -> Optional[str]:
    intent = parsed.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    if parsed.get("personal_data_only") or (name == FALLBACK_INTENT and confidence == 0.0):
        return FALLBACK_INTENT  # personal data alone; no known word (bot/nlu/unknown_words.py)
    return name if confidence == 1.0 and name != FALLBACK_INTENT else None


def outcome(row: Row, thresholds: Thresholds) -> str:
    """'right', 'wrong fix', 'clarify' or 'miss' for one message under these thresholds."""
    expected, ranking, fixed = row[1:4]
    if fixed:
        return "right" if fixed == expected else "wrong fix" if fixed in ERROR_INTENTS else "miss"
    decision = decide(ranking, thresholds)
    if decision.kind == INTENT:
        if decision.intent == expected:
            return "right"
        return "wrong fix" if decision.intent in ERROR_INTENTS else "miss"
    if expected == FALLBACK_INTENT:
        return "right"  # not understood, as labelled (as bot/trainer/evaluation.py counts it)
    return "clarify" if decision.kind == CLARIFY else "miss"


def _confident_errors(rows: List[Row]):
    """(right, wrong): rows whose classifier's top intent is an error, by whether it is the label."""
    right, wrong = [], []
    for row in rows:
        if row.fixed or not row.ranking or row.ranking[0]["name"] not in ERROR_INTENTS:
            continue
        (right if row.ranking[0]["name"] == row.expected else wrong).append(row)
    return right, wrong


def _percent(outcomes: List[str], languages: List[str], language: str) -> str:
    chosen = [o for o, lang in zip(outcomes, languages) if lang == language]
    return f"{100 * chosen.count('right') / len(chosen):5.1f}" if chosen else "  n/a"


def report(rows: List[Row], thresholds: Thresholds) -> str:
    right, wrong = _confident_errors(rows)
    confidence = [row.ranking[0]["confidence"] for row in right]
    languages = [row.language for row in rows]
    lines = [f"Top error confidence when right: n={len(right)}, "
             f"min {min(confidence, default=0):.3f}, "
             f"under 0.5: {sum(c < 0.5 for c in confidence)}, "
             f"under 0.7: {sum(c < 0.7 for c in confidence)}, "
             f"under 0.9: {sum(c < 0.9 for c in confidence)}",
             f"Top error confidence when wrong: n={len(wrong)}"]
    lines += [f"  {row.ranking[0]['confidence']:.3f} {row.expected} -> {row.ranking[0]['name']}: "
              f"{row.text[:70]}" for row in sorted(wrong, key=lambda r: -r.ranking[0]["confidence"])]
    sweeps = ((f"fix threshold (margin {thresholds.margin}, floor {thresholds.floor}, "
               f"other intents {thresholds.intent})", "fix", FIX_THRESHOLDS),
              (f"clarify margin (fix {thresholds.fix})", "margin", MARGINS),
              (f"clarify floor (fix {thresholds.fix}, margin {thresholds.margin})", "floor", FLOORS),
              (f"other intents' threshold (fix {thresholds.fix})", "intent", INTENT_THRESHOLDS))
    for title, name, values in sweeps:
        lines += ["", f"{title}:", "  value  right  wrong fixes  clarify  miss   " +
                  "  ".join(f"{lang} %" for lang in LANGUAGES)]
        for value in values:
            counts = [outcome(row, replace(thresholds, **{name: value})) for row in rows]
            lines.append(f"  {value:<5}  {counts.count('right'):5}  {counts.count('wrong fix'):11}"
                         f"  {counts.count('clarify'):7}  {counts.count('miss'):4}   " +
                         "  ".join(_percent(counts, languages, lang) for lang in LANGUAGES))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    rows = asyncio.run(rankings(args.model, args.data))
    print(report(rows, Thresholds.from_settings(settings())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
