"""Which step of a fix a customer's question is about ("where do I find the chart of accounts?").

Right after a fix, a question about one of its steps deserves that step, not "I can
only help with Export failed" (issue 13, item 14).  A message is taken as such a
question when it asks (a question mark or a question word) and shares a content word
with a step; words are compared by their first five letters, so Swedish inflections
("kontoplanen" / "kontoplan") and English plurals meet.  Pure functions.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

from bot.nlu.extract import ACCOUNTING_SYSTEMS

_WORD = re.compile(r"[^\W\d_]+")
QUESTION_WORDS = frozenset(
    "where how what which when why can could var hur vad vilken vilket vilka när varför kan "
    "hittar hitta find finns locate".split()
)
# Words every step or question has: they say nothing about which step.
_COMMON = frozenset(
    """
    the and for that then this with your you find where what which open again export
    exporting account accounts system there into from have does make sure them they
    och att det som för med den ditt din där var vad hur hittar hitta igen exportera
    system systemet eller sedan
    """.split()
) | {word for name in ACCOUNTING_SYSTEMS for word in name.split()}  # named in every step


def _stems(text: str) -> set:
    return {w.lower()[:5] for w in _WORD.findall(text or "")
            if len(w) > 3 and w.lower() not in _COMMON}


def is_question(text: str) -> bool:
    words = {w.lower() for w in _WORD.findall(text or "")}
    return "?" in (text or "") or bool(words & QUESTION_WORDS)


def step_asked_about(question: str, steps: Sequence[str]) -> Optional[int]:
    """The index of the step the question is about, or None when it is no such question."""
    if not is_question(question):
        return None
    asked = _stems(question)
    overlaps = [len(asked & _stems(step)) for step in steps]
    best = max(overlaps, default=0)
    return overlaps.index(best) if best else None
