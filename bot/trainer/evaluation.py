"""Accuracy of a trained model on the held-out test sets, per language, per set and per intent.

Used by the retrain gate (bot/trainer/gate.py), the benchmark and ``make eval``
(bot/ops/evaluate.py).  A wrong answer includes falling back (nlu_fallback) on a message that had an intent:
for the customer, both mean the assistant did not understand.  So does "Is it A or B?"
(counted apart as ``clarified``).  A "wrong fix" is a fix for another error than the
label: the one thing a customer must never get.

Every ``*.yml`` in the folder is a held-out set, named by its file: ``en.yml``,
``sv_2.yml`` (the language is the name's first part), ``personal_data.yml`` (messages of
personal data alone, in either language: the language is read from the text; a fix for
any of them is counted as ``personal_data_fixes``).
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.catalogue.intents import ERROR_INTENTS, FALLBACK_INTENT as FALLBACK
from bot.nlu.decide import CLARIFY_KEY
from bot.nlu.language import detect_language
from bot.settings import PROJECT_ROOT

DEFAULT_MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
DEFAULT_DATA = PROJECT_ROOT / "tests" / "nlu"


PERSONAL_DATA_SET = "personal_data"
LANGUAGES = ("en", "sv")


def _language(set_name: str, text: str) -> str:
    named = set_name.split("_")[0]
    return named if named in LANGUAGES else (detect_language(text) or "en")


def load_sets(folder: Path) -> List[Tuple[str, str, str, str]]:
    """(set, language, intent, text) for every example of every set in the folder."""
    examples = []
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    text = line.strip()[2:]
                    examples.append((path.stem, _language(path.stem, text), block["intent"], text))
    return examples


def load_examples(folder: Path) -> List[Tuple[str, str, str]]:
    """(language, intent, text) for every example of every set."""
    return [(language, intent, text) for _, language, intent, text in load_sets(folder)]


@dataclass
class Evaluation:
    total: int = 0
    correct: int = 0
    fell_back: int = 0
    by_language: Dict[str, List[int]] = field(default_factory=dict)  # [correct, total]
    by_intent: Dict[str, List[int]] = field(default_factory=dict)
    by_set: Dict[str, List[int]] = field(default_factory=dict)
    # Asked "Is it A or B?" (a miss, not a wrong fix); fixes for another error than the
    # label; fixes for a message of personal data alone.
    clarified: int = 0
    wrong_fixes: int = 0
    personal_data_fixes: int = 0
    confusion: Dict[str, Dict[str, int]] = field(default_factory=dict)
    errors: List[dict] = field(default_factory=list)
    seconds_per_message: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def score(predictions: List[tuple]) -> Evaluation:
    """predictions: (language, expected, text, predicted, confidence[, set[, clarified]])."""
    result = Evaluation()
    by_language: Dict[str, Counter] = defaultdict(Counter)
    by_intent: Dict[str, Counter] = defaultdict(Counter)
    by_set: Dict[str, Counter] = defaultdict(Counter)
    confusion: Dict[str, Counter] = defaultdict(Counter)
    for prediction in predictions:
        language, expected, text, predicted, confidence = prediction[:5]
        set_name, clarified = (tuple(prediction[5:7]) + (language, False))[:2]
        hit = predicted == expected
        fix = predicted in ERROR_INTENTS
        result.total += 1
        result.correct += hit
        result.fell_back += predicted == FALLBACK
        result.clarified += bool(clarified)
        result.wrong_fixes += fix and not hit
        result.personal_data_fixes += fix and set_name == PERSONAL_DATA_SET
        for counter in (by_language[language], by_intent[expected], by_set[set_name]):
            counter["correct"] += hit
            counter["total"] += 1
        confusion[expected][predicted] += 1
        if not hit:
            result.errors.append({"language": language, "text": text, "expected": expected,
                                  "predicted": predicted, "confidence": round(confidence, 3)})
    result.by_language = {k: [v["correct"], v["total"]] for k, v in sorted(by_language.items())}
    result.by_intent = {k: [v["correct"], v["total"]] for k, v in sorted(by_intent.items())}
    result.by_set = {k: [v["correct"], v["total"]] for k, v in sorted(by_set.items())}
    result.confusion = {k: dict(v) for k, v in sorted(confusion.items())}
    return result


async def predict(model: Path, examples) -> Tuple[list, float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    started = time.perf_counter()
    for set_name, language, expected, text in examples:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append((language, expected, text, intent.get("name"),
                            intent.get("confidence") or 0.0, set_name,
                            intent.get("name") == FALLBACK and bool(parsed.get(CLARIFY_KEY))))
    return predictions, (time.perf_counter() - started) / max(1, len(examples))


def evaluate(model: Path = DEFAULT_MODEL, data: Path = DEFAULT_DATA) -> Evaluation:
    predictions, seconds = asyncio.run(predict(model, load_sets(data)))
    result = score(predictions)
    result.seconds_per_message = seconds
    return result


def _pct(correct: int, total: int) -> str:
    return f"{100 * correct / total:5.1f}% ({correct}/{total})" if total else "n/a"


def report(result: Evaluation) -> str:
    lines = [
        f"Held-out intent accuracy: {_pct(result.correct, result.total)}",
        f"Fell back (nlu_fallback) on: {result.fell_back} of {result.total}, of which asked "
        f"\"Is it A or B?\": {result.clarified}",
        f"Wrong fixes (another error's fix): {result.wrong_fixes}",
        f"Fixes for personal data alone: {result.personal_data_fixes}",
        f"Mean NLU parse time: {1000 * result.seconds_per_message:.1f} ms",
        "",
        "Per language:",
        *(f"  {lang:4} {_pct(*counts)}" for lang, counts in result.by_language.items()),
        "",
        "Per set:",
        *(f"  {name:14} {_pct(*counts)}" for name, counts in result.by_set.items()),
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
