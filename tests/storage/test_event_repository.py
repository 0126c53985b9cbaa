"""Rasa's events table through EventRepository (bot/storage/events.py), the one way in,
on SQLite and PostgreSQL, in the table Rasa itself creates."""
import pytest

from bot.privacy import mask_event
from bot.storage.database import make_engine
from bot.storage.events import EventRepository
from tests.support.databases import create_events_table


@pytest.fixture
def events(database_url):
    create_events_table(database_url)
    engine = make_engine(database_url)
    yield EventRepository(engine)
    engine.dispose()


def user(text, at):
    return {"event": "user", "timestamp": at, "text": text,
            "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}}


def bot(text, at, **metadata):
    return {"event": "bot", "timestamp": at, "text": text, "metadata": metadata}


def test_written_as_rasa_would_and_read_back_by_what_each_reader_needs(events):
    written = events.add_all([
        ("c1", user("hello", 1.0)), ("c1", {"event": "action", "timestamp": 2.0, "name": "x"}),
        ("c1", bot("hi", 3.0)), ("c1", bot("Anna here", 4.0, agent="Anna")),
        ("c2", user("other", 5.0)),
    ], batch=2)
    assert written == 5
    assert events.count_conversations() == 2
    stored = events.events_for("c1")
    assert [e.type_name for e in stored] == ["user", "action", "bot", "bot"]
    after_first = events.messages_after("c1", stored[0].id)
    assert [e.data["text"] for e in after_first] == ["hi", "Anna here"]
    assert events.last_id("c1") == stored[-1].id and events.last_id("nobody") == 0
    assert [e["text"] for e in events.bot_events_since("c1", 3.5)] == ["Anna here"]
    assert [e["text"] for e in events.bot_events_since("c1", 0, limit=1)] == ["Anna here"]
    assert [(sender, event["text"]) for sender, _, event in events.user_events_of(["c1", "c2"])] \
        == [("c1", "hello"), ("c2", "other")]


def test_events_stored_before_masking_are_masked_once(events):
    events.add_all([("c1", user("mail me at a@b.se", 1.0)), ("c1", mask_event(user("hello", 2.0)))])
    assert events.mask_stored(mask_event, batch=1) == 1
    assert events.mask_stored(mask_event) == 0
    assert [e.data["text"] for e in events.events_for("c1")] == ["mail me at [e-mail]", "hello"]


def test_the_customer_messages_for_the_nlu_inbox_leave_out_what_was_said_to_a_person(events):
    events.add_all([
        ("c1", user("my export failed", 1.0)), ("c2", user("hej", 1.5)),
        ("c1", {"event": "pause", "timestamp": 2.0}), ("c2", {"event": "pause", "timestamp": 2.1}),
        ("c1", user("hi anna", 3.0)), ("c2", {"event": "session_started", "timestamp": 3.1}),
        ("c1", {"event": "resume", "timestamp": 4.0}), ("c2", user("new session", 4.1)),
        ("c1", user("thanks assistant", 5.0)),
    ], batch=2)
    assert [(sender, event["text"]) for sender, _, event in events.user_events_of(["c1", "c2"])] \
        == [("c1", "my export failed"), ("c2", "hej"), ("c2", "new session"),
            ("c1", "thanks assistant")]


def test_an_old_conversations_last_event_is_found_through_its_own_events(postgres_url):
    """The agent's chat of a months-old follow-up took 230 ms on PostgreSQL: ``max(id)``
    walked the primary key back through every newer conversation's events.  The query
    now goes through the sender_id index (the plan is checked, not a time)."""
    from sqlalchemy import event, text

    create_events_table(postgres_url)
    engine = make_engine(postgres_url)
    try:
        events = EventRepository(engine)
        events.add_all([("old-conversation", user("hello", 1.0))] +
                       [(f"newer-{n // 20}", user("hi", 2.0 + n)) for n in range(30_000)])
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL default_statistics_target = 1"))  # estimates as rough as on a big table
            conn.execute(text("ANALYZE events"))
        statements = []
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, params, context, many: statements.append((statement, params)))
        assert events.last_id("old-conversation") == 1
        statement, params = statements[-1]
        with engine.connect() as conn:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params))
        assert "events_pkey" not in plan and "sender_id" in plan, plan
    finally:
        engine.dispose()
