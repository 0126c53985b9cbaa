"""Folding a turn's events into the stored summary gives what summarising the whole
conversation gives, so the tracker store never has to read a conversation back."""
import random

import pytest

from bot.ops.sample_data import random_conversation
from bot.storage.conversations import merge_summaries, summarise
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
