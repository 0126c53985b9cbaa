"""Rasa's SQL tracker store, configured from one SQLAlchemy URL in the settings.

Rasa's own SQLTrackerStore takes dialect, host, port ... as separate endpoint keys;
a single URL (TRACKER_STORE_URL) is easier to move between SQLite and PostgreSQL.
endpoints.yml names this class as the tracker store type.

Two additions to Rasa's behaviour, both in ``save``:

* personal data in what the customer wrote (personnummer, card numbers, IBANs, bank
  accounts, e-mail addresses, phone numbers) is masked before an event is written
  (bot/privacy.py); the table's layout stays exactly Rasa's;
* a contact e-mail address the customer types to a person during a live chat is put on
  the handoff ticket before masking hides it (bot/handoff/lifecycle.py);
* the conversation's summary row for the staff console (bot/storage/conversations.py,
  at DATABASE_URL) takes in the events just written (summarised alone, then merged
  into the stored row: a turn never reads its whole conversation back).  When both
  URLs name the same database (the production profile) that happens in the events'
  own transaction, so a turn commits once.  If the summary fails, or its database is
  down, the conversation goes on; ``python -m bot.ops.manage rebuild-summaries``
  catches up.

A turn reads only the conversation's recent window and the state before it
(bot/runtime/tracker_window.py, checkpoints in bot/storage/tracker_checkpoints.py), so
its cost does not grow with the conversation; ``retrieve_full_tracker`` (the HTTP API's
``GET /conversations/<id>/tracker``, exports) still reads everything.

Reads and writes are retried across a short database outage (bot/runtime/db_retry.py).  The
database calls are synchronous (SQLAlchemy 1.4 with psycopg2), so they run in worker
threads: while one conversation waits for PostgreSQL, the process's event loop goes on
with the others.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import Float, Integer, bindparam, or_, select
from sqlalchemy.engine import make_url

from bot.runtime.db_retry import is_retryable, with_db_retry
from bot.runtime.tracker_window import (
    Window,
    WindowRule,
    attach,
    is_state_event,
    next_checkpoint,
    window_of,
)
from bot.privacy import mask_event
from bot.settings import settings
from bot.storage.conversations import merge_into_summary
from bot.storage.database import private_sqlite_file
from bot.storage.events import EVENTS
from bot.storage.tracker_checkpoints import (
    checkpoint_and_session_start,
    create_table as create_checkpoint_table,
    save_checkpoint,
)
from bot.storage.to_a_person import paused_at_the_end

logger = logging.getLogger(__name__)
# How many conversations found with nothing stored a process remembers until their first
# save (a retrieve of an unknown id that is never saved must not grow it for ever).
FOUND_EMPTY_REMEMBERED = 10_000
_ABSENT = object()

# A window's events, built once (bot/storage/tracker_checkpoints.py says why): from the
# session's start (``since``) and from the checkpoint's first event (``from_id``), each
# only when given.
_SINCE, _FROM_ID = bindparam("since", type_=Float), bindparam("from_id", type_=Integer)
_WINDOW_EVENTS = (
    select(EVENTS.c.id, EVENTS.c.data)
    .where(EVENTS.c.sender_id == bindparam("sender_id"),
           or_(_SINCE.is_(None), EVENTS.c.timestamp >= _SINCE),
           or_(_FROM_ID.is_(None), EVENTS.c.id >= _FROM_ID))
    .order_by(EVENTS.c.id)
)


def paused_before(tracker: DialogueStateTracker, new_events: int) -> bool:
    """Whether the assistant was paused before the tracker's last ``new_events`` events
    (the ones a save writes: Rasa's ``_additional_events`` are the tracker's newest), so
    the summary of those alone knows who the customer was talking to.  Read back from
    them to the latest pause or resume: every turn, without copying the conversation."""
    older = itertools.islice(reversed(tracker.events), new_events, None)
    return paused_at_the_end(event.type_name for event in older)


class ConfiguredSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        url: Optional[str] = None,
        database_url: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's (empty) url as host
        config = settings()
        url = url or config.tracker_store_url
        private_sqlite_file(url)  # mode 600 before SQLite creates it
        # SQLTrackerStore uses a host that contains "://" as the whole URL.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.database_url = database_url or config.database_url
        self._summary_in_same_database = make_url(self.database_url) == self.engine.url
        self._summary_sessions = None
        # Windows on (bot/runtime/tracker_window.py) unless TRACKER_WINDOW_MESSAGES is 0.
        self.window_rule = (
            WindowRule.for_settings(config.tracker_window_messages, config.ticket_recent_messages,
                                    config.max_misunderstood)
            if config.tracker_window_messages > 0 else None)
        create_checkpoint_table(self.engine)
        # Conversations this process last read as having nothing stored (most recent last).
        self._found_empty: "OrderedDict[str, None]" = OrderedDict()

    def warm_up(self, sender_id: str) -> None:
        """What a first turn would do once, without keeping anything: the console's schema
        checked, the handoff code imported, a window read (``sender_id`` has none), which
        opens a pooled connection, and a first write rolled back (bot/runtime/warm_up.py)."""
        from bot.handoff import lifecycle  # noqa: F401  (save_typed_emails imports it)

        if self._summary_in_same_database:
            self._summary_table_ready()
        else:
            self._summary_session_factory()
        if self.window_rule is not None:
            self._load_window(sender_id)
        else:
            self._load_events(sender_id, False)
        self._rehearse_write(sender_id)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """Rasa's _retrieve, with the query in a worker thread and retried; the latest
        session is read as its recent window (the whole of it when windows are off)."""
        if fetch_events_from_all_sessions or self.window_rule is None:
            events = await with_db_retry(
                lambda: asyncio.to_thread(self._load_events, sender_id,
                                          fetch_events_from_all_sessions),
                "retrieve",
            )
            self._remember_found(sender_id, bool(events))
            if self.domain and events:
                return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            return None
        state, ids, events, session_start = await with_db_retry(
            lambda: asyncio.to_thread(self._load_window, sender_id), "retrieve")
        self._remember_found(sender_id, bool(events))
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, state + events, self.domain.slots)
        return attach(tracker, Window(len(state), ids, session_start))

    def _remember_found(self, sender_id: str, found: bool) -> None:
        self._found_empty.pop(sender_id, None)
        if not found:
            self._found_empty[sender_id] = None
            if len(self._found_empty) > FOUND_EMPTY_REMEMBERED:
                self._found_empty.popitem(last=False)

    def _window_of_new_conversation(self, tracker: DialogueStateTracker) -> Optional[Window]:
        """A window of nothing stored for the tracker Rasa makes when retrieve found no
        event of its conversation (get_or_create_tracker, under the conversation's lock),
        so its saves write from its first event without Rasa's count of the stored events
        (_additional_events, a query over the session on a new conversation's first two
        saves).  Only for the next save after that retrieve."""
        if self._found_empty.pop(tracker.sender_id, _ABSENT) is _ABSENT:
            return None
        window = Window(0, [], None)
        attach(tracker, window)
        return window

    def _load_window(self, sender_id: str):
        """The state before the window, the window's event ids and events, and the
        session's start.  Without a checkpoint of the latest session (or when its first
        event is gone) the whole session is the window."""
        with self.session_scope() as session:
            session_start, checkpoint = checkpoint_and_session_start(session, sender_id)
            # Rasa's filter: from the latest session's start (none: the whole conversation)
            params = {"sender_id": sender_id, "since": session_start, "from_id": None}
            state, rows = [], None
            if checkpoint is not None and checkpoint.session_start == session_start:
                rows = session.execute(_WINDOW_EVENTS,
                                       {**params, "from_id": checkpoint.from_event_id}).all()
                if rows and rows[0].id == checkpoint.from_event_id:
                    state = checkpoint.state
                else:
                    rows = None
            if rows is None:
                rows = session.execute(_WINDOW_EVENTS, params).all()
            return state, [row.id for row in rows], [json.loads(row.data) for row in rows], session_start

    def _load_events(self, sender_id: str, all_sessions: bool) -> List[Dict[str, Any]]:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=all_sessions
            ).with_entities(self.SQLEvent.data)  # the JSON only, not whole ORM objects
            return [json.loads(row.data) for row in rows]

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the tracker's new events, masked, and updates the conversation's summary."""
        await self.stream_events(tracker)
        typed: List[str] = []
        written = await with_db_retry(
            lambda: asyncio.to_thread(self._write_masked, tracker, typed), "save"
        )
        if written and not self._summary_in_same_database:
            await asyncio.to_thread(self.update_summary, tracker.sender_id, written,
                                    paused_before(tracker, len(written)))
        if typed:
            await asyncio.to_thread(self.save_typed_emails, tracker.sender_id, typed)

    def _write_masked(self, tracker: DialogueStateTracker,
                      typed_emails: Optional[List[str]] = None) -> List[Dict[str, Any]]:
        """Rasa's SQLTrackerStore.save, with each event masked before it is written, in
        one INSERT; returns the events as written.  The customer's messages with an "@"
        (a contact address, maybe: masking would lose it) go to ``typed_emails`` as written."""
        same_database = self._summary_in_same_database and self._summary_table_ready()
        window = window_of(tracker) or self._window_of_new_conversation(tracker)
        checkpoint = (next_checkpoint(tracker, window, self.window_rule, self.window_rule.messages)
                      if window is not None and self.window_rule is not None else None)
        with self.session_scope() as session:
            events = [event.as_dict() for event in self._new_events(session, tracker)]
            if typed_emails is not None:
                typed_emails[:] = [e["text"] for e in events if e.get("event") == "user"
                                   and "@" in (e.get("text") or "")]
            written = [mask_event(event) for event in events]
            if not written:
                return []
            if same_database:  # first: a failed summary is rolled back before the events
                self._merge_summary(session, tracker.sender_id, written,
                                    paused_before(tracker, len(written)))
            self._insert_events(session, tracker.sender_id, written)
            if checkpoint is not None:
                save_checkpoint(session, tracker.sender_id, checkpoint.from_event_id,
                                window.session_start, [mask_event(e) for e in checkpoint.state])
            session.commit()
        if window is not None:  # a second save of the same tracker writes only what is newer
            window.stored_ids.extend([None] * len(written))
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")
        return written

    def _insert_events(self, session, sender_id: str, events: List[Dict[str, Any]]) -> None:
        """Events as stored (masked), in one INSERT."""
        session.execute(self.SQLEvent.__table__.insert(), [
            {
                "sender_id": sender_id,
                "type_name": data.get("event"),
                "timestamp": data.get("timestamp"),
                "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
            for data in events
        ])

    def _rehearse_write(self, sender_id: str) -> None:
        """A new conversation's first write (its events and its summary), rolled back:
        SQLAlchemy compiles the statements and the driver loads what it loads on first use
        now, not in a customer's first turn.  Nothing is stored."""
        events = [ActionExecuted(ACTION_LISTEN_NAME).as_dict(),
                  UserUttered(sender_id, {"intent": {"name": "greet", "confidence": 1.0}}).as_dict()]
        with self.session_scope() as session:
            try:
                self._insert_events(session, sender_id, events)
                if self._summary_in_same_database:
                    merge_into_summary(session, sender_id, events, False)
            finally:
                session.rollback()
        if not self._summary_in_same_database:  # `make run`'s SQLite files
            with self._summary_session_factory()() as session:
                try:
                    merge_into_summary(session, sender_id, events, False)
                finally:
                    session.rollback()

    def _new_events(self, session, tracker: DialogueStateTracker):
        """The tracker's events not stored yet: after its window's stored ones, or, for a
        tracker not read as a window (a new conversation), Rasa's count of the session's
        stored events."""
        window = window_of(tracker)
        if window is not None:
            return itertools.islice(tracker.events, window.stored_count, None)
        if tracker.events and is_state_event(tracker.events[0]):  # state events come first
            # Counting would write the state events and skip real ones: refuse loudly.
            raise RuntimeError(f"The tracker of {tracker.sender_id} was read as a window "
                               "but has lost what it was read with")
        return self._additional_events(session, tracker)

    def _merge_summary(self, session, sender_id: str, events: List[Dict[str, Any]],
                       paused: bool) -> None:
        """Folds the new events into the conversation's summary, first in the events'
        transaction; a failure here is logged and does not cost the events.  It comes
        before the events, so a failure is undone by rolling back what the transaction
        holds, the summary alone: no savepoint (two more round trips) on every turn."""
        try:
            merge_into_summary(session, sender_id, events, paused)
        except Exception as error:  # the conversation matters more than its summary ...
            if is_retryable(error):  # ... but a lost connection fails the whole write,
                raise  # which with_db_retry then retries: swallowed, the commit would fail
            session.rollback()  # the events then go in a transaction of their own
            logger.exception("Could not update the console summary of %s", sender_id)

    def _summary_table_ready(self) -> bool:
        """Migrates DATABASE_URL once per process; False (logged) if that fails, so the
        events are still written, only without their summary."""
        from bot.storage.migrate import ensure_schema

        try:
            ensure_schema(self.database_url)
            return True
        except Exception as error:  # the conversation matters more than its summary
            if is_retryable(error):  # the database is away: the write is retried anyway
                raise
            logger.exception("The console summary table at DATABASE_URL is not ready")
            return False

    def update_summary(self, sender_id: str, events: List[Dict[str, Any]],
                       paused: bool = False) -> None:
        """Folds new events into the summary at DATABASE_URL; never fails the turn."""
        try:
            with self._summary_session_factory()() as session, session.begin():
                merge_into_summary(session, sender_id, events, paused)
        except Exception:  # the conversation matters more than its summary
            logger.exception("Could not update the console summary of %s", sender_id)

    def save_typed_emails(self, sender_id: str, texts: List[str]) -> None:
        """A contact address typed to a person during a live chat goes on the ticket
        (bot/handoff/lifecycle.py), as the off-duty question's does; never fails the turn."""
        from bot.handoff import lifecycle
        from bot.storage.unit_of_work import UnitOfWork

        try:
            for text in texts:
                lifecycle.save_email_typed_live(
                    UnitOfWork(self._summary_session_factory()), sender_id, text)
        except Exception:  # the conversation matters more than the ticket's contact field
            logger.exception("Could not save the e-mail address typed in %s", sender_id)

    def _summary_session_factory(self):
        if self._summary_sessions is None:
            from bot.storage.database import make_engine, make_session_factory
            from bot.storage.migrate import ensure_schema

            ensure_schema(self.database_url)
            self._summary_sessions = make_session_factory(make_engine(self.database_url))
        return self._summary_sessions
