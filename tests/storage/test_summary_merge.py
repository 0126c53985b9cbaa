"""Folding a turn's events into the stored summary gives what summarising the whole
conversation gives, so the tracker store never has to read a conversation back."""
import random

import pytest

from bot.ops.sample_data import random_conversation
from bot.storage.conversations import merge_summaries, summarise
from bot.storage.to_a_person import paused_after
from tests.support import scenarios

IGNORED = {"updated_ts", "language_from_slot"}


def comparable(row):
    return {k: v for k, v in row.items() if k not in IGNORED}


def conversations():
    rng = random.Random(7)
    yield from scenarios.build().values()
    yield from (random_conversation(rng, 1_700_000_000.0 + i * 600, i) for i in range(60))


@pytest.mark.parametrize("conversation", list(conversations()), ids=lambda c: c.sender_id[:12])
def test_merging_at_every_split_equals_summarising_everything(conversation):
    events = conversation.events
    whole = comparable(summarise("c", events))
    for split in range(1, len(events)):
        merged = merge_summaries(summarise("c", events[:split]), summarise("c", events[split:]))
        assert comparable(merged) == whole, f"split after event {split}"


def test_merging_turn_by_turn_equals_summarising_everything():
    conversation = scenarios.build()["denied"]
    row = None
    for start in range(0, len(conversation.events), 3):
        row = merge_summaries(row, summarise("c", conversation.events[start:start + 3]))
    assert comparable(row) == comparable(summarise("c", conversation.events))


def test_a_language_the_customer_chose_wins_over_a_guess():
    first = summarise("c", [{"event": "user", "text": "hej jag har ett fel", "timestamp": 1.0}])
    later = summarise("c", [{"event": "slot", "name": "language", "value": "en", "timestamp": 2.0}])
    assert merge_summaries(first, later)["language"] == "en"
    assert merge_summaries(later, summarise("c", [
        {"event": "user", "text": "hej jag har ett fel", "timestamp": 3.0}]))["language"] == "en"


def test_nothing_new_keeps_the_row():
    row = summarise("c", scenarios.build()["denied"].events)
    assert merge_summaries(row, None) == row
    assert merge_summaries(None, row) == row


def handed_over() -> list:
    """A chat an agent took and resolved: the customer's messages to the agent fall back
    (the NLU does not know them), which is no fallback of the assistant's."""
    conversation = scenarios.build()["denied"]
    events = list(conversation.events)
    t = events[-1]["timestamp"]
    events += [
        {"event": "pause", "timestamp": t + 1},
        {"event": "bot", "text": "Anna joined", "timestamp": t + 2,
         "metadata": {"agent": "Anna", "handoff": "joined"}},
        {"event": "user", "text": "hej anna, kontot 1930", "timestamp": t + 3,
         "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}}},
        {"event": "user", "text": "account_not_active?", "timestamp": t + 4,
         "parse_data": {"intent": {"name": "account_not_active", "confidence": 0.2}}},
        {"event": "resume", "timestamp": t + 5},
        {"event": "action", "name": "utter_handoff_closed", "timestamp": t + 6},
        {"event": "bot", "text": "The chat has ended", "timestamp": t + 7,
         "metadata": {"utter_action": "utter_handoff_closed"}},
    ]
    return events


def test_messages_to_an_agent_are_no_fallback_and_an_agent_resolution_counts():
    before = summarise("c", scenarios.build()["denied"].events)
    row = summarise("c", handed_over())
    assert not row["fell_back"] and row["resolved"]
    assert row["min_confidence"] == before["min_confidence"]
    assert row["errors"] == before["errors"]
    assert row["user_messages"] == before["user_messages"] + 2
    assert "hej anna" in row["search_text"]


def test_merging_a_handed_over_chat_at_every_split_equals_summarising_everything():
    events = handed_over()
    whole = comparable(summarise("c", events))
    for split in range(1, len(events)):
        # The tracker store knows whether the assistant was paused before the new events.
        merged = merge_summaries(summarise("c", events[:split]), summarise(
            "c", events[split:], paused=paused_after(events[:split])))
        assert comparable(merged) == whole, f"split after event {split}"
