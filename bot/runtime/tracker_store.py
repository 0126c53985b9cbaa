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
from typing import Any, Dict, List, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.runtime.db_retry import is_retryable, with_db_retry
from bot.privacy import mask_event
from bot.settings import settings
from bot.storage.conversations import merge_into_summary
from bot.storage.database import private_sqlite_file
from bot.storage.to_a_person import paused_at_the_end

logger = logging.getLogger(__name__)


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

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """Rasa's _retrieve, with the query in a worker thread and retried."""
        events = await with_db_retry(
            lambda: asyncio.to_thread(self._load_events, sender_id,
                                      fetch_events_from_all_sessions),
            "retrieve",
        )
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

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
        with self.session_scope() as session:
            events = [event.as_dict() for event in self._additional_events(session, tracker)]
            if typed_emails is not None:
                typed_emails[:] = [e["text"] for e in events if e.get("event") == "user"
                                   and "@" in (e.get("text") or "")]
            written = [mask_event(event) for event in events]
            if not written:
                return []
            session.execute(self.SQLEvent.__table__.insert(), [
                {
                    "sender_id": tracker.sender_id,
                    "type_name": data.get("event"),
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
                for data in written
            ])
            if same_database:
                self._merge_summary(session, tracker.sender_id, written,
                                    paused_before(tracker, len(written)))
            session.commit()
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")
        return written

    def _merge_summary(self, session, sender_id: str, events: List[Dict[str, Any]],
                       paused: bool) -> None:
        """Folds the new events into the conversation's summary, in the events'
        transaction; a failure here is logged and does not cost the events."""
        try:
            with session.begin_nested():
                merge_into_summary(session, sender_id, events, paused)
        except Exception as error:  # the conversation matters more than its summary ...
            if is_retryable(error):  # ... but a lost connection fails the whole write,
                raise  # which with_db_retry then retries: swallowed, the commit would fail
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
