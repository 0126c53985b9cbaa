"""A conversation's tracker as its recent turns plus the state before them.

Rasa 3.6 replays the whole conversation session on every turn: the tracker store reads
back every event and replays it, the RulePolicy computes the dialogue state at every
past action (``past_states``) two or three times a turn, ``applied_events`` walks all
events several times, and every action call sends the whole tracker to the action
server.  A turn therefore cost 5-6 times more at turn 200 than at turn 5.

None of that needs the whole history to give the same answers:

* the RulePolicy's rules here are a few states long, and ``_is_rule_applicable`` looks
  no further back than a rule's length;
* the actions look back at most ``TICKET_RECENT_MESSAGES`` typed customer messages (the
  ticket's excerpt) and ``MAX_MISUNDERSTOOD`` misunderstood ones in a row;
* everything else the tracker knows (slots, a pause) is state, not history.

So the tracker store keeps a *checkpoint* per conversation (bot/storage/
tracker_checkpoints.py): the id of the first event of the recent window and the few
events that recreate the state before it (``state_events``: one ``SlotSet`` per slot
that has been set, and ``ConversationPaused`` when paused).  A turn reads the checkpoint
and the window only, so its cost no longer grows with the conversation.  The window is
cut only where nothing spans the cut (``cut_index``): at a customer message after
``action_listen``, with no form active, and where no later revert reaches back past it.

tests/runtime/test_tracker_window.py replays recorded conversations, long ones included,
with and without windows and checks that every prediction and answer is the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ConversationPaused,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

# Marks the events that stand for the state before the window: they are never stored.
STATE_MARK = "window_state"


@dataclass(frozen=True)
class WindowRule:
    """How much of the conversation a window keeps: at least ``messages`` customer
    messages, of which at least ``typed`` typed ones (not button payloads)."""

    messages: int
    typed: int

    @classmethod
    def for_settings(cls, window_messages: int, ticket_recent_messages: int,
                     max_misunderstood: int) -> "WindowRule":
        # The actions look back this far (actions/conversation.py): never cut closer.
        needed = max(ticket_recent_messages, max_misunderstood) + 1
        return cls(messages=max(window_messages, needed), typed=ticket_recent_messages)


def is_typed(event: Event) -> bool:
    return isinstance(event, UserUttered) and not (event.text or "").startswith("/")


def cut_index(events: Sequence[Event], rule: WindowRule,
              active_loop_at: Optional[Any] = None) -> Optional[int]:
    """The latest index at which ``events`` may be cut so that the window
    ``events[index:]`` keeps what ``rule`` asks, or None when there is no such place.

    A place qualifies if it is a customer message right after ``action_listen`` that no
    later ``UserUtteranceReverted`` takes back (Rasa's fallback reverts the message it
    could not handle: the window must hold what such a revert reaches), with no other
    rewind or restart after it.  ``active_loop_at(index)`` tells whether a form is active
    just before ``index`` (no cut inside a form)."""
    messages = typed = 0
    for index in range(len(events) - 1, 0, -1):
        event = events[index]
        if isinstance(event, (ActionReverted, Restarted, SessionStarted)):
            return None  # a rewind of actions or a restart in the window: keep everything
        if not isinstance(event, UserUttered):
            continue
        messages += 1
        typed += is_typed(event)
        if messages < rule.messages or typed < rule.typed:
            continue
        before = events[index - 1]
        if not (isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME):
            continue
        if applied_messages_after(events, index) < rule.messages:
            continue  # a revert reaches this message, or too few are left after reverts
        if active_loop_at is not None and active_loop_at(index):
            continue
        return index
    return None


def applied_messages_after(events: Sequence[Event], index: int) -> int:
    """How many customer messages from ``index`` on stay applied after every
    ``UserUtteranceReverted`` (each takes back the latest message still applied); -1 if
    a revert takes back the message at ``index`` or reaches before it."""
    applied: List[int] = []
    for position in range(index, len(events)):
        event = events[position]
        if isinstance(event, UserUttered):
            applied.append(position)
        elif isinstance(event, UserUtteranceReverted):
            if len(applied) <= 1:
                return -1
            applied.pop()
    return len(applied)


def state_events(tracker: DialogueStateTracker, timestamp: Optional[float]) -> List[Event]:
    """Events that bring a new tracker to ``tracker``'s state: its slots and its pause.
    The window after a cut starts with a customer message, and everything else the
    tracker keeps (latest message, action, follow-up) is set again by the window."""
    events: List[Event] = [
        SlotSet(name, slot.value, timestamp=timestamp, metadata={STATE_MARK: True})
        for name, slot in tracker.slots.items() if slot.has_been_set
    ]
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=timestamp, metadata={STATE_MARK: True}))
    return events


def is_state_event(event: Event) -> bool:
    return bool((event.metadata or {}).get(STATE_MARK))


def replay(sender_id: str, events: Iterable[Event], slots: Iterable[Any]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender_id, list(events), slots)


@dataclass
class Window:
    """What a tracker read as a window remembers for its save: how many of its first
    events stand for the state before the window, the stored ids of the window's events
    (the events after them are new), and the session the window belongs to."""

    state_count: int
    stored_ids: List[Optional[int]]  # None: written by this tracker's own save, id unknown
    session_start: Optional[float]

    @property
    def stored_count(self) -> int:
        return self.state_count + len(self.stored_ids)


WINDOW_ATTRIBUTE = "_export_bot_window"


def window_of(tracker: DialogueStateTracker) -> Optional[Window]:
    return tracker.__dict__.get(WINDOW_ATTRIBUTE)


def attach(tracker: DialogueStateTracker, window: Window) -> DialogueStateTracker:
    tracker.__dict__[WINDOW_ATTRIBUTE] = window
    return tracker


@dataclass(frozen=True)
class Checkpoint:
    """A new place to cut: the stored id of the window's first event and the state
    events (as dicts, as stored) before it."""

    from_event_id: int
    state: List[Dict[str, Any]]


def next_checkpoint(tracker: DialogueStateTracker, window: Window, rule: WindowRule,
                    slack: int) -> Optional[Checkpoint]:
    """A checkpoint further on when the window has grown by ``slack`` customer messages
    beyond what ``rule`` keeps; None while it is short enough (most turns)."""
    events = list(tracker.events)
    stored = events[window.state_count:window.stored_count]
    if sum(isinstance(e, UserUttered) for e in stored) < rule.messages + slack:
        return None
    replayed: Dict[int, DialogueStateTracker] = {}

    def state_before(index: int) -> DialogueStateTracker:
        if index not in replayed:
            replayed[index] = replay(tracker.sender_id, events[:window.state_count + index],
                                     tracker.slots.values())
        return replayed[index]

    index = cut_index(stored, rule, lambda i: state_before(i).active_loop_name is not None)
    if not index or window.stored_ids[index] is None:
        return None
    before = state_before(index)
    return Checkpoint(window.stored_ids[index],
                      [event.as_dict() for event in state_events(before, stored[index].timestamp)])
