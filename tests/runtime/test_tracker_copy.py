"""Patch 13 (bot/runtime/rasa_patches.py): a tracker copied by taking over its state is
the tracker Rasa's replay of its events makes.

The recorded conversations (tests/runtime/recorded/) are replayed event by event, and
after every event both copies are compared attribute by attribute; then events the
recordings lack (a handoff's pause, a restart, slots reset, a loop interrupted) are
played onto their end.
"""
import copy
import dataclasses

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    LoopInterrupted,
    Restarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import rasa_patches
from tests.support.recorded import recorded_events, unrecorded_events

def _message(message):
    """A latest message without its timestamp (an empty one is made at copy time)."""
    return {k: v for k, v in message.as_dict().items() if k != "timestamp"}


def contents(tracker):
    """Everything a tracker holds, as it is now: slots by their attributes, events by
    identity (a copy shares them, as Rasa's replay does), the rest by value."""
    held = dict(vars(tracker))
    held["slots"] = {name: (type(slot), dict(vars(slot))) for name, slot in tracker.slots.items()}
    held["active_loop"] = tracker.active_loop and dataclasses.asdict(tracker.active_loop)
    held["latest_action"] = copy.deepcopy(tracker.latest_action)
    held["events"] = ([id(event) for event in tracker.events], tracker.events.maxlen)
    held["latest_message"] = _message(tracker.latest_message)
    held["latest_bot_utterance"] = _message(tracker.latest_bot_utterance)
    return held


def compare_at_every_event(domain, events, max_event_history=None):
    tracker = DialogueStateTracker("replayed", domain.slots, max_event_history)
    tracker.model_id = "a-model"  # the replay's copy has none: neither must ours
    states = set()
    for event in events:
        tracker.update(event)
        copied = rasa_patches.copy_tracker(tracker)
        assert contents(copied) == contents(rasa_patches.rasas_copy_tracker(tracker)), event
        states.add((tracker.is_paused(), tracker.active_loop_name, tracker.followup_action))
    return states


def test_the_patch_is_applied():
    rasa_patches.apply()
    assert DialogueStateTracker.copy is rasa_patches.copy_tracker
    assert rasa_patches.rasas_copy_tracker is not rasa_patches.copy_tracker


@pytest.mark.parametrize("name, events_used", [("swedish-90", None), ("mixed-200", 700)])
def test_copies_equal_rasas_after_every_event(domain, name, events_used):
    rasa_patches.apply()
    states = compare_at_every_event(domain, recorded_events(name)[:events_used] + unrecorded_events())
    paused = {state for state in states if state[0]}
    in_a_loop = {state for state in states if state[1]}
    assert paused and in_a_loop and len(states) > 5  # the comparison saw varied states


def test_a_window_of_limited_history_is_copied_with_its_limit(domain):
    rasa_patches.apply()
    compare_at_every_event(domain, recorded_events("swedish-90")[:200], max_event_history=40)


def test_a_copy_changes_without_changing_the_original(domain):
    rasa_patches.apply()
    tracker = DialogueStateTracker("original", domain.slots)
    for event in recorded_events("swedish-90")[:60] + unrecorded_events()[:10]:
        tracker.update(event)
    before = contents(tracker)
    assert tracker.active_loop is not None
    copied = tracker.copy()
    for event in [SlotSet("requested_slot", None), ActionExecuted("action_listen"),
                  LoopInterrupted(True), ActionExecutionRejected("email_form"), ActiveLoop(None),
                  ConversationPaused(), AllSlotsReset(), Restarted()]:
        copied.update(event)
    assert contents(tracker) == before
