"""The figures behind the thresholds of bot/settings.py: how sure the classifier is when it
is right and when it is wrong, on every held-out set, and what each fix threshold would give.

    python -m bot.ops.thresholds [--model models/current.tar.gz] [--data tests/nlu]

Each message's ranking is the classifier's (the ConfidenceGate keeps it behind its
``nlu_fallback``); a message whose error text was recognised verbatim is certain (1.0).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, Tuple

from bot.catalogue.intents import ERROR_INTENTS, FALLBACK_INTENT
from bot.nlu.decide import CLARIFY, INTENT, Thresholds, decide
from bot.settings import settings
from bot.trainer.evaluation import DEFAULT_DATA, DEFAULT_MODEL, load_sets

Row = Tuple[str, str, list, bool]  # (set, expected, ranking, recognised verbatim)


async def rankings(model: Path, data: Path) -> List[Row]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    rows = []
    for set_name, _, expected, text in load_sets(data):
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        certain = (parsed.get("intent") or {}).get("confidence") == 1.0 and \
            parsed["intent"]["name"] != FALLBACK_INTENT
        rows.append((set_name, expected, ranking, certain or bool(parsed.get("personal_data_only"))))
    return rows


def outcome(row: Row, thresholds: Thresholds) -> str:
    """'right', 'wrong fix', 'clarify' or 'miss' for one message under these thresholds."""
    _, expected, ranking, fixed = row
    if fixed:
        return "right" if ranking and ranking[0]["name"] == expected else "miss"
    decision = decide(ranking, thresholds)
    if decision.kind == INTENT:
        if decision.intent == expected:
            return "right"
        return "wrong fix" if decision.intent in ERROR_INTENTS else "miss"
    return "clarify" if decision.kind == CLARIFY else "miss"


def report(rows: List[Row], thresholds: Thresholds) -> str:
    right, wrong = [], []
    for _, expected, ranking, fixed in rows:
        if fixed or not ranking or ranking[0]["name"] not in ERROR_INTENTS:
            continue
        (right if ranking[0]["name"] == expected else wrong).append(ranking[0]["confidence"])
    lines = [f"Top error confidence when right: n={len(right)}, "
             f"min {min(right, default=0):.3f}, "
             f"under 0.5: {sum(c < 0.5 for c in right)}, under 0.7: {sum(c < 0.7 for c in right)}",
             f"Top error confidence when wrong: n={len(wrong)}, "
             f"values {sorted(round(c, 3) for c in wrong)}",
             "", "fix threshold  right  wrong fixes  clarify  miss"]
    for fix in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        counts = [outcome(row, replace(thresholds, fix=fix)) for row in rows]
        lines.append(f"  {fix:.1f}          {counts.count('right'):5}  {counts.count('wrong fix'):11}"
                     f"  {counts.count('clarify'):7}  {counts.count('miss'):4}")
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
