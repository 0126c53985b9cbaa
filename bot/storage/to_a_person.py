"""Which customer messages were said to a person, not to the assistant.  Pure functions.

While an agent has the chat, or it waits for one, the assistant is paused: the action
server pauses it at escalation, the agent inbox when it claims (bot/handoff/lifecycle.py),
and it resumes at hand back, resolve or time out.  What the customer types meanwhile is
written to the agent; the NLU still classifies it (Rasa parses every message), but that
guess is no fallback, no "fell back" conversation and nothing for the trainers' inbox.
The transcript keeps these messages, labelled as messages to the agent.

The state follows Rasa's tracker exactly: ``pause`` pauses, ``resume`` resumes, and a
``restart`` or a new session (``session_started``) resets the tracker, which unpauses it.
Every place that tells the two apart (summaries, transcript, NLU inbox) asks here.
"""
from __future__ import annotations

from typing import Any, Iterable, List, Mapping

PAUSES = frozenset({"pause"})
UNPAUSES = frozenset({"resume", "restart", "session_started"})


def _after(paused: bool, event: Mapping[str, Any]) -> bool:
    kind = event.get("event")
    return True if kind in PAUSES else False if kind in UNPAUSES else paused


def said_to_a_person(events: Iterable[Mapping[str, Any]], paused: bool = False) -> List[bool]:
    """One flag per event (Rasa's serialised events, oldest first): True for a ``user``
    event written while the assistant was paused.  ``paused``: the state before the first
    of ``events`` (see ``paused_after``), for a conversation read in parts."""
    flags = []
    for event in events:
        paused = _after(paused, event)
        flags.append(paused and event.get("event") == "user")
    return flags


def paused_after(events: Iterable[Mapping[str, Any]], paused: bool = False) -> bool:
    """Whether the assistant is paused after ``events``, starting from ``paused``."""
    for event in events:
        paused = _after(paused, event)
    return paused


def paused_at_the_end(kinds_newest_first: Iterable[str]) -> bool:
    """``paused_after``, read from the newest event back (event kinds, newest first): the
    latest pause, resume, restart or new session decides, so a caller with the newest
    events at hand reads back only to that one, not the whole conversation."""
    for kind in kinds_newest_first:
        if kind in PAUSES:
            return True
        if kind in UNPAUSES:
            return False
    return False
