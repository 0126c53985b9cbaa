"""Where a conversation may be cut into a window, and the tracker store that reads and
writes windows (bot/runtime/tracker_window.py, bot/runtime/tracker_store.py).  That a
window predicts as the whole conversation: tests/system/model/test_tracker_window.py."""
import json

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot.ops.sample_data import Conversation
from bot.runtime.tracker_store import ConfiguredSQLTrackerStore
from bot.runtime.tracker_window import (
    WindowRule,
    applied_messages_after,
    cut_index,
    is_state_event,
    state_events,
    window_of,
)
from bot.storage.events import EVENTS
from bot.storage.tracker_checkpoints import CHECKPOINTS

RULE = WindowRule(messages=3, typed=2)


def turn(text):
    return [UserUttered(text), ActionExecuted("action_give_fix"), ActionExecuted("action_listen")]


def talk(*texts):
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for text in texts:
        events += turn(text)
    return events


def test_the_window_keeps_the_rules_messages_and_starts_at_a_message_after_listening():
    events = talk("a", "b", "c", "d", "e")
    index = cut_index(events, RULE)
    assert isinstance(events[index], UserUttered) and events[index].text == "c"
    assert events[index - 1].action_name == "action_listen"


def test_payloads_do_not_count_as_typed_messages():
    events = talk("a", "b", "/affirm", "/deny", "c")
    assert events[cut_index(events, RULE)].text == "b"  # c and b typed, 4 messages


def test_a_short_conversation_is_not_cut():
    assert cut_index(talk("a", "b"), RULE) is None
    assert cut_index(talk("a", "b", "c"), RULE) == 2  # only the session's start goes


def test_no_cut_inside_a_form_nor_after_a_restart():
    events = talk("a", "b", "c", "d", "e")
    at_c = cut_index(events, RULE)
    earlier = cut_index(events, RULE, active_loop_at=lambda index: index == at_c)
    assert events[earlier].text == "b"
    assert cut_index(events + [ActionExecuted("action_restart")] + talk("x"), RULE) is not None
    from rasa.shared.core.events import Restarted

    assert cut_index(events[:-1] + [Restarted()] + events[-1:], RULE) is None


def test_a_revert_that_takes_back_the_first_message_forbids_that_cut():
    events = talk("a", "b")
    start = len(events)
    events += [UserUttered("c"), ActionExecuted("action_default_fallback"), UserUtteranceReverted(),
               ActionExecuted("action_listen")]
    assert applied_messages_after(events, start) == -1
    events += turn("d") + turn("e") + turn("f")
    assert applied_messages_after(events, start) == -1
    # c is taken back, so the window must start before it, at b.
    assert events[cut_index(events, RULE)].text == "d"
    assert applied_messages_after(events, start - 3) == 4  # b, d, e, f stay


def test_state_events_recreate_slots_and_pause(domain):
    tracker = DialogueStateTracker.from_events("s", [SlotSet("account", "1930"), SlotSet("series", None),
                                                     ConversationPaused()], domain.slots)
    events = state_events(tracker, 5.0)
    assert all(is_state_event(e) and e.timestamp == 5.0 for e in events)
    again = DialogueStateTracker.from_events("s", events, domain.slots)
    assert again.current_slot_values() == tracker.current_slot_values()
    assert again.slots["series"].has_been_set and not again.slots["file_id"].has_been_set
    assert again.is_paused()


def long_conversation(sender, turns):
    conversation = Conversation(sender, language="en")
    for number in range(turns):
        conversation.error_turn("account_not_active", f"Account {1900 + number} is not active")
    return conversation


def stored(store, sender):
    with store.session_scope() as session:
        rows = session.execute(select(EVENTS.c.data).where(EVENTS.c.sender_id == sender)
                               .order_by(EVENTS.c.id)).all()
        checkpoints = session.execute(select(func.count()).select_from(CHECKPOINTS)).scalar()
    return [json.loads(row.data) for row in rows], checkpoints


async def play(store, conversation, domain):
    """Saves the conversation turn by turn as a server does: read, add the turn, save."""
    starts = [i for i, e in enumerate(conversation.events) if e["event"] == "user"] + [
        len(conversation.events)]
    first = DialogueStateTracker.from_dict(conversation.sender_id,
                                           conversation.events[:starts[0]], domain.slots)
    await store.save(first)
    longest = 0
    for begin, end in zip(starts, starts[1:]):
        tracker = await store.retrieve(conversation.sender_id)
        longest = max(longest, len(tracker.events))
        for event in deserialise_events(conversation.events[begin:end]):
            tracker.update(event)
        await store.save(tracker)
    return longest


async def test_a_long_conversation_is_stored_once_and_read_as_a_window(
        domain, database_url, tracker_url, monkeypatch):
    monkeypatch.setenv("TRACKER_WINDOW_MESSAGES", "6")
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    conversation = long_conversation("window-long-0001", 40)
    longest = await play(store, conversation, domain)

    events, checkpoints = stored(store, conversation.sender_id)
    assert [e["timestamp"] for e in events] == [e["timestamp"] for e in conversation.events]
    assert not any(e.get("metadata", {}).get("window_state") for e in events)
    assert checkpoints == 1
    assert longest < len(conversation.events) / 3
    tracker = await store.retrieve(conversation.sender_id)
    window = window_of(tracker)
    assert window.state_count > 0 and 6 <= sum(isinstance(e, UserUttered) for e in tracker.events) <= 12
    assert tracker.get_slot("account") == "1939"
    whole = await store.retrieve_full_tracker(conversation.sender_id)
    assert len(whole.events) == len(conversation.events) and window_of(whole) is None


async def test_windows_off_reads_the_whole_session(domain, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_WINDOW_MESSAGES", "0")
    store = ConfiguredSQLTrackerStore(domain=domain, url=f"sqlite:///{tmp_path}/t.db",
                                      database_url=sqlite_url)
    conversation = long_conversation("window-off-00001", 20)
    longest = await play(store, conversation, domain)
    assert stored(store, conversation.sender_id)[1] == 0
    last_turn = max(i for i, e in enumerate(conversation.events) if e["event"] == "user")
    assert longest == last_turn - 1  # all but the last turn, from session_started on, as Rasa reads


async def test_a_checkpoint_of_an_older_session_or_without_its_event_is_ignored(
        domain, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_WINDOW_MESSAGES", "6")
    store = ConfiguredSQLTrackerStore(domain=domain, url=f"sqlite:///{tmp_path}/t.db",
                                      database_url=sqlite_url)
    conversation = long_conversation("window-old-00001", 30)
    await play(store, conversation, domain)
    session_events = len(conversation.events)
    # A new session starts: the checkpoint belongs to the old one.
    conversation._session_start()
    conversation.error_turn("period_closed", "The period is locked up to 2024-12-31")
    tracker = await store.retrieve(conversation.sender_id)
    for event in deserialise_events(conversation.events[session_events:]):
        tracker.update(event)
    await store.save(tracker)
    tracker = await store.retrieve(conversation.sender_id)
    assert window_of(tracker).state_count == 0
    assert tracker.events[0].type_name == "session_started"  # Rasa's read: from the session's start

    # The window's first event is gone (deleted by hand): the session is read whole.
    other = long_conversation("window-gone-0001", 30)
    await play(store, other, domain)
    with store.session_scope() as session:
        first = session.execute(select(CHECKPOINTS.c.from_event_id)
                                .where(CHECKPOINTS.c.sender_id == other.sender_id)).scalar()
        session.execute(EVENTS.delete().where(EVENTS.c.id == first))
        session.commit()
    tracker = await store.retrieve(other.sender_id)
    # From session_started on (as Rasa reads), without the deleted event.
    assert window_of(tracker).state_count == 0 and len(tracker.events) == len(other.events) - 2


async def test_a_windowed_tracker_that_lost_its_window_is_not_saved(domain, sqlite_url, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("TRACKER_WINDOW_MESSAGES", "6")
    store = ConfiguredSQLTrackerStore(domain=domain, url=f"sqlite:///{tmp_path}/t.db",
                                      database_url=sqlite_url)
    conversation = long_conversation("window-lost-0001", 30)
    await play(store, conversation, domain)
    tracker = await store.retrieve(conversation.sender_id)
    copy = DialogueStateTracker.from_events(tracker.sender_id, list(tracker.events), domain.slots)
    copy.update(ActiveLoop(None))
    before = stored(store, conversation.sender_id)[0]
    with pytest.raises(RuntimeError, match="lost what it was read with"):
        await store.save(copy)
    assert stored(store, conversation.sender_id)[0] == before


async def test_a_new_conversation_is_saved_without_counting_what_is_stored(
        domain, database_url, tracker_url):
    """A conversation with nothing stored gets a new tracker; its saves write each event
    once, in order, without first counting the stored events (Rasa's way)."""
    from sqlalchemy import event as sqlalchemy_event

    from rasa.core.tracker_store import FailSafeTrackerStore

    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    statements = []
    sqlalchemy_event.listen(store.engine, "before_cursor_execute",
                            lambda conn, cursor, statement, *args: statements.append(statement))
    conversation = long_conversation("window-new-00001", 2)
    # As Rasa's Agent holds it: its get_or_create_tracker makes the new tracker.
    tracker = await FailSafeTrackerStore(store).get_or_create_tracker(conversation.sender_id)
    for event in deserialise_events(conversation.events):
        tracker.update(event)
    await store.save(tracker)
    await store.save(tracker)  # a second save of the same tracker writes nothing again

    assert not [s for s in statements if "count(" in s.lower()]
    events, _ = stored(store, conversation.sender_id)
    assert [(e["event"], e.get("name")) for e in events] == [("action", "action_listen")] + [
        (e["event"], e.get("name")) for e in conversation.events]
    again = await FailSafeTrackerStore(store).get_or_create_tracker(conversation.sender_id)
    # Read back as any stored conversation: from its session's start, as a window.
    assert window_of(again).stored_count == len(again.events) > 20
    assert again.events[-1].timestamp == events[-1]["timestamp"]


async def test_only_the_save_after_finding_nothing_skips_the_count(domain, database_url, tracker_url):
    """A tracker saved without having been read (Rasa's API replacing a conversation's
    events) is counted against what is stored, as Rasa does: after a retrieve that found
    nothing, only the next save skips the count, so both conversations end up the same."""
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    results = []
    for sender, read_first in (("window-new-00002", True), ("window-new-00003", False)):
        events = deserialise_events(long_conversation(sender, 1).events)
        if read_first:
            assert await store.retrieve(sender) is None
        for _ in range(2):  # saved twice as a new, unread tracker
            await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))
        results.append([(e["event"], e["timestamp"]) for e in stored(store, sender)[0]])
    assert results[0] == results[1]
