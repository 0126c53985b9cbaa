"""The tracker store masks personal data before writing, and keeps the summaries current."""
import importlib
import json

import pytest
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.console.databases import Databases
from bot.ops.sample_data import Conversation
from bot.storage.conversations import ConversationRepository
from bot.storage.events import EVENTS
from bot.runtime.tracker_store import ConfiguredSQLTrackerStore
from tests.support.databases import create_events_table
from tests.support.ports import refused_port


def stored_events(databases, sender_id):
    with databases.tracker.connect() as connection:
        return [
            (row.type_name, json.loads(row.data))
            for row in connection.execute(
                select(EVENTS.c.type_name, EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id))
        ]


async def test_save_masks_and_summarises(domain, databases, database_url, tracker_url):
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    conversation = Conversation("conv-store-000000001", language="en")
    conversation.error_turn(
        "account_not_active",
        "Account 1930 is not active, I am 19811218-9876, mail bo@example.se, card 4111 1111 1111 1111")
    tracker = DialogueStateTracker.from_dict(conversation.sender_id, conversation.events, domain.slots)
    await store.save(tracker)

    stored = stored_events(databases, conversation.sender_id)
    assert len(stored) == len(conversation.events)
    [user] = [data for kind, data in stored if kind == "user"]
    expected = "Account 1930 is not active, I am [personnummer], mail [e-mail], card [card number]"
    assert user["text"] == expected and user["parse_data"]["text"] == expected
    assert {e["entity"]: e["value"] for e in user["parse_data"]["entities"]}["account"] == "1930"
    everything = json.dumps(stored)
    for personal in ("9876", "bo@example.se", "4111"):
        assert personal not in everything

    with databases.sessions() as session:
        summary = ConversationRepository(session).get(conversation.sender_id)
        assert summary.errors == ",account_not_active," and not summary.resolved
        assert summary.search_text == expected.lower()

    # The next turn: only the new events are written, and the summary follows.  Rasa
    # retrieves the tracker from the session start on (without action_session_start).
    before = len(conversation.events)
    conversation.affirm()
    tracker = await store.retrieve(conversation.sender_id)
    assert len(tracker.events) == before - 1
    tracker = DialogueStateTracker.from_dict(
        conversation.sender_id, conversation.events[1:], domain.slots)
    await store.save(tracker)
    assert len(stored_events(databases, conversation.sender_id)) == len(conversation.events)
    with databases.sessions() as session:
        assert ConversationRepository(session).get(conversation.sender_id).resolved

    # Rasa reads the masked conversation back as a tracker.
    retrieved = await store.retrieve(conversation.sender_id)
    assert retrieved.get_slot("account") == "1930"
    assert retrieved.latest_message.intent["name"] == "affirm"


async def test_what_the_customer_tells_an_agent_is_no_fallback_across_saves(
        domain, databases, database_url, tracker_url):
    """Each turn is saved alone: the pause of the claim (one save) decides about the
    customer's message (the next save), as in the whole conversation.  (SQLite: the
    summary in a database of its own; PostgreSQL: in the events' transaction.)"""
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    conversation = Conversation("conv-store-paused-001", language="en")
    conversation.error_turn("account_not_active", "Account 1930 is not active")
    conversation._add({"event": "pause"})
    tracker = DialogueStateTracker.from_dict(conversation.sender_id, conversation.events, domain.slots)
    await store.save(tracker)
    conversation.fallback_user("hi anna, still broken here", guess=0.1)
    conversation._add({"event": "resume"})
    conversation.fallback_user("asdf qwerty")
    conversation._add({"event": "pause"})
    conversation.fallback_user("sorry, that was my cat", guess=0.1)
    tracker = DialogueStateTracker.from_dict(conversation.sender_id, conversation.events, domain.slots)
    await store.save(tracker)
    with databases.sessions() as session:
        summary = ConversationRepository(session).get(conversation.sender_id)
        assert summary.fell_back and summary.user_messages == 4
    conversation.fallback_user("hello?", guess=0.05)
    tracker = DialogueStateTracker.from_dict(conversation.sender_id, conversation.events,
                                             domain.slots)
    await store.save(tracker)
    with databases.sessions() as session:
        summary = ConversationRepository(session).get(conversation.sender_id)
        assert summary.user_messages == 5
        assert summary.min_confidence == pytest.approx(0.31)  # "asdf qwerty" alone


async def test_the_conversation_goes_on_when_the_summary_database_is_down(domain, tracker_url, databases):
    with refused_port() as port:
        store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url,
                                          database_url=f"postgresql://nobody@127.0.0.1:{port}/none")
        conversation = Conversation("conv-store-000000002")
        conversation.greet()
        await store.save(DialogueStateTracker.from_dict(conversation.sender_id, conversation.events,
                                                        domain.slots))
    assert len(stored_events(databases, conversation.sender_id)) == len(conversation.events)


@pytest.mark.parametrize("module,function", [
    ("bot.runtime.tracker_store", "merge_into_summary"),  # the summary update fails
    ("bot.storage.migrate", "ensure_schema"),  # the summary table cannot be migrated
])
async def test_a_failing_summary_costs_no_events(domain, databases, database_url, tracker_url,
                                                 monkeypatch, module, function):
    def broken(*_args):
        raise RuntimeError(f"{function} failed")

    monkeypatch.setattr(importlib.import_module(module), function, broken)
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    conversation = Conversation(f"conv-store-{function[:8]}-0001")
    conversation.greet()
    await store.save(DialogueStateTracker.from_dict(conversation.sender_id, conversation.events,
                                                    domain.slots))
    assert len(stored_events(databases, conversation.sender_id)) == len(conversation.events)


async def greeting_saved(domain, url, sender_id):
    """A new conversation's greeting, saved by a store with events and summaries at ``url``."""
    store = ConfiguredSQLTrackerStore(domain=domain, url=url, database_url=url)
    conversation = Conversation(sender_id)
    conversation.greet()
    await store.save(DialogueStateTracker.from_dict(conversation.sender_id, conversation.events,
                                                    domain.slots))
    return conversation


async def test_a_summary_statement_failing_in_postgresql_costs_no_events(domain, postgres_url, monkeypatch):
    """Same database: a statement of the summary that PostgreSQL refuses aborts the whole
    transaction; the events must still be written."""
    import bot.runtime.tracker_store
    from sqlalchemy import text

    def refused(session, *_args):
        session.execute(text("UPDATE conversation_summaries SET no_such_column = 1"))

    create_events_table(postgres_url)
    monkeypatch.setattr(bot.runtime.tracker_store, "merge_into_summary", refused)
    conversation = await greeting_saved(domain, postgres_url, "conv-store-000000006")
    databases = Databases.open(postgres_url, postgres_url)
    try:
        assert len(stored_events(databases, conversation.sender_id)) == len(conversation.events)
    finally:
        databases.dispose()


async def test_a_connection_lost_during_the_summary_retries_the_whole_write(domain, postgres_url, monkeypatch):
    """Same database: events and summary are one transaction.  A connection lost while
    the summary is written must not be swallowed (the commit would then fail, and Rasa
    drop the message): the write is retried, with its summary."""
    import bot.runtime.tracker_store
    from sqlalchemy.exc import OperationalError

    create_events_table(postgres_url)
    databases = Databases.open(postgres_url, postgres_url)
    real, calls = bot.runtime.tracker_store.merge_into_summary, []

    def lost_once(session, sender_id, events, paused=False):
        calls.append(sender_id)
        if len(calls) == 1:
            raise OperationalError("UPDATE conversation_summaries", {}, Exception("server closed the connection"))
        real(session, sender_id, events, paused)

    monkeypatch.setattr(bot.runtime.tracker_store, "merge_into_summary", lost_once)
    conversation = await greeting_saved(domain, postgres_url, "conv-store-000000005")
    try:
        assert len(stored_events(databases, conversation.sender_id)) == len(conversation.events)
        with databases.sessions() as session:
            assert ConversationRepository(session).get(conversation.sender_id) is not None
        assert len(calls) == 2
    finally:
        databases.dispose()


def _ticket(databases, conversation_id, status):
    from bot.storage.tickets import NewTicket
    from bot.storage.unit_of_work import UnitOfWork

    with UnitOfWork(databases.sessions) as uow:
        return uow.tickets.open_ticket(NewTicket(conversation_id=conversation_id, reason="customer_asked",
                                                 language="en"), status=status).id


def _contact(databases, ticket_id):
    from bot.storage.unit_of_work import UnitOfWork

    with UnitOfWork(databases.sessions) as uow:
        details = uow.tickets.details(ticket_id)
        return details.contact_email if details else None


@pytest.mark.parametrize("status,saved", [("claimed", True), ("waiting", True), ("open", False),
                                          ("resolved", False)])
async def test_an_address_typed_to_a_person_goes_on_the_ticket_and_stays_masked(
        domain, databases, database_url, tracker_url, status, saved):
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    conversation = Conversation(f"conv-store-mail-{status}-01")
    ticket_id = _ticket(databases, conversation.sender_id, status)
    conversation.user("you can write to Bo.Ek@Example.se, thanks", "nlu_fallback", 0.3)
    await store.save(DialogueStateTracker.from_dict(conversation.sender_id, conversation.events,
                                                    domain.slots))
    assert _contact(databases, ticket_id) == ("Bo.Ek@example.se" if saved else None)
    everything = json.dumps(stored_events(databases, conversation.sender_id))
    assert "Bo.Ek" not in everything and "[e-mail]" in everything


async def test_a_failing_contact_save_costs_the_turn_nothing(domain, databases, database_url, tracker_url,
                                                             monkeypatch):
    from bot.handoff import lifecycle

    def broken(*_args):
        raise RuntimeError("the tickets' database is away")

    monkeypatch.setattr(lifecycle, "save_email_typed_live", broken)
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    conversation = Conversation("conv-store-mail-broken-01")
    conversation.user("bo@example.se", "nlu_fallback", 0.3)
    await store.save(DialogueStateTracker.from_dict(conversation.sender_id, conversation.events,
                                                    domain.slots))
    assert len(stored_events(databases, conversation.sender_id)) == len(conversation.events)
