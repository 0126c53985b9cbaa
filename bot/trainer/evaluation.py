"""Accuracy of a trained model on the held-out test set, per language and per intent.

Used by the retrain gate (bot/trainer/gate.py), the benchmark and ``make eval``
(bot/ops/evaluate.py).  A wrong answer includes falling back (nlu_fallback) on a message that had an intent:
for the customer, both mean the assistant did not understand.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.catalogue.intents import FALLBACK_INTENT as FALLBACK
from bot.settings import PROJECT_ROOT

DEFAULT_MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
DEFAULT_DATA = PROJECT_ROOT / "tests" / "nlu"


def load_examples(folder: Path) -> List[Tuple[str, str, str]]:
    """(language, intent, text) for every example; the file name is the language."""
    examples = []
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    examples.append((path.stem, block["intent"], line.strip()[2:]))
    return examples


@dataclass
class Evaluation:
    total: int = 0
    correct: int = 0
    fell_back: int = 0
    by_language: Dict[str, List[int]] = field(default_factory=dict)  # [correct, total]
    by_intent: Dict[str, List[int]] = field(default_factory=dict)
    confusion: Dict[str, Dict[str, int]] = field(default_factory=dict)
    errors: List[dict] = field(default_factory=list)
    seconds_per_message: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def score(predictions: List[Tuple[str, str, str, str, float]]) -> Evaluation:
    """predictions: (language, expected, text, predicted, confidence)."""
    result = Evaluation()
    by_language: Dict[str, Counter] = defaultdict(Counter)
    by_intent: Dict[str, Counter] = defaultdict(Counter)
    confusion: Dict[str, Counter] = defaultdict(Counter)
    for language, expected, text, predicted, confidence in predictions:
        hit = predicted == expected
        result.total += 1
        result.correct += hit
        result.fell_back += predicted == FALLBACK
        for counter in (by_language[language], by_intent[expected]):
            counter["correct"] += hit
            counter["total"] += 1
        confusion[expected][predicted] += 1
        if not hit:
            result.errors.append({"language": language, "text": text, "expected": expected,
                                  "predicted": predicted, "confidence": round(confidence, 3)})
    result.by_language = {k: [v["correct"], v["total"]] for k, v in sorted(by_language.items())}
    result.by_intent = {k: [v["correct"], v["total"]] for k, v in sorted(by_intent.items())}
    result.confusion = {k: dict(v) for k, v in sorted(confusion.items())}
    return result


async def predict(model: Path, examples) -> Tuple[list, float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    started = time.perf_counter()
    for language, expected, text in examples:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append((language, expected, text, intent.get("name"),
                            intent.get("confidence") or 0.0))
    return predictions, (time.perf_counter() - started) / max(1, len(examples))


def evaluate(model: Path = DEFAULT_MODEL, data: Path = DEFAULT_DATA) -> Evaluation:
    predictions, seconds = asyncio.run(predict(model, load_examples(data)))
    result = score(predictions)
    result.seconds_per_message = seconds
    return result


def _pct(correct: int, total: int) -> str:
    return f"{100 * correct / total:5.1f}% ({correct}/{total})" if total else "n/a"


def report(result: Evaluation) -> str:
    lines = [
        f"Held-out intent accuracy: {_pct(result.correct, result.total)}",
        f"Fell back (nlu_fallback) on: {result.fell_back} of {result.total}",
        f"Mean NLU parse time: {1000 * result.seconds_per_message:.1f} ms",
        "",
        "Per language:",
        *(f"  {lang:4} {_pct(*counts)}" for lang, counts in result.by_language.items()),
        "",
        "Per intent:",
        *(f"  {intent:28} {_pct(*counts)}" for intent, counts in result.by_intent.items()),
    ]
    if result.errors:
        lines += ["", "Misclassified:"]
        lines += [
            f"  [{e['language']}] {e['expected']} -> {e['predicted']} ({e['confidence']}): "
            f"{e['text'][:80]}"
            for e in result.errors
        ]
    return "\n".join(lines)
