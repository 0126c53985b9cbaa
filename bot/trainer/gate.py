"""Whether a new model may replace the current one, and the comparison the trainer sees.

Not worse = overall held-out accuracy at least the current model's, no language's
accuracy lower, and no new "wrong fix" (a held-out message given the fix of another
error, tests/system/model/test_model_quality.py), and no more fixes for personal data
alone.  Evaluations are
bot.trainer.evaluation results as dicts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from bot.trainer.evaluation import FALLBACK, Evaluation

EPSILON = 1e-9


def evaluation_dict(result: Evaluation) -> dict:
    return {**asdict(result), "accuracy": result.accuracy}


def _rate(pair) -> Optional[float]:
    return pair[0] / pair[1] if pair and pair[1] else None


def wrong_fixes(evaluation: dict, error_intents: Set[str]) -> Set[Tuple[str, str, str]]:
    return {
        (e["language"], e["text"], e["predicted"])
        for e in evaluation.get("errors", [])
        if e["predicted"] in error_intents and e["predicted"] not in (FALLBACK, e["expected"])
    }


@dataclass
class Row:
    name: str
    before: Optional[List[int]]
    after: Optional[List[int]]

    @property
    def before_rate(self) -> Optional[float]:
        return _rate(self.before)

    @property
    def after_rate(self) -> Optional[float]:
        return _rate(self.after)

    @property
    def change(self) -> Optional[float]:
        if self.before_rate is None or self.after_rate is None:
            return None
        return self.after_rate - self.before_rate


@dataclass
class GateResult:
    passed: bool
    reasons: List[str]
    accuracy: Tuple[Optional[float], float]
    languages: List[Row] = field(default_factory=list)
    intents: List[Row] = field(default_factory=list)
    new_wrong_fixes: List[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GateResult":
        data = dict(data)
        data["languages"] = [Row(**r) for r in data.get("languages", [])]
        data["intents"] = [Row(**r) for r in data.get("intents", [])]
        data["accuracy"] = tuple(data["accuracy"])
        return cls(**data)


def _rows(before: Dict[str, List[int]], after: Dict[str, List[int]]) -> List[Row]:
    return [Row(name, before.get(name), after.get(name)) for name in sorted(set(before) | set(after))]


def compare(candidate: dict, current: Optional[dict], error_intents: Optional[Set[str]] = None) -> GateResult:
    if error_intents is None:
        from bot.catalogue import load_catalogue

        error_intents = set(load_catalogue().intents)
    after = candidate["correct"] / candidate["total"] if candidate["total"] else 0.0
    if current is None:
        return GateResult(True, ["No current model to compare with."], (None, after),
                          _rows({}, candidate["by_language"]), _rows({}, candidate["by_intent"]))
    before = current["correct"] / current["total"] if current["total"] else 0.0
    reasons: List[str] = []
    if after + EPSILON < before:
        reasons.append(f"Held-out accuracy fell from {100 * before:.1f} % to {100 * after:.1f} %.")
    languages = _rows(current["by_language"], candidate["by_language"])
    for row in languages:
        if row.before_rate is not None and (row.after_rate is None or row.after_rate + EPSILON < row.before_rate):
            reasons.append(f"{row.name}: accuracy fell from {100 * row.before_rate:.1f} % to "
                           f"{100 * (row.after_rate or 0):.1f} %.")
    new_wrong = sorted(wrong_fixes(candidate, error_intents) - wrong_fixes(current, error_intents))
    if new_wrong:
        reasons.append(f"{len(new_wrong)} held-out message(s) now get another error's fix.")
    if candidate.get("personal_data_fixes", 0) > current.get("personal_data_fixes", 0):
        reasons.append(f"{candidate['personal_data_fixes']} message(s) of personal data alone "
                       "now get a fix.")
    return GateResult(
        passed=not reasons, reasons=reasons or ["Not worse than the current model."],
        accuracy=(before, after), languages=languages,
        intents=_rows(current["by_intent"], candidate["by_intent"]),
        new_wrong_fixes=[{"language": lang, "text": text, "predicted": predicted}
                         for lang, text, predicted in new_wrong],
    )
