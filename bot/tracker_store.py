"""Rasa's SQL tracker store, configured from one SQLAlchemy URL in the settings.

Rasa's own SQLTrackerStore takes dialect, host, port ... as separate endpoint keys;
a single URL (TRACKER_STORE_URL) is easier to move between SQLite and PostgreSQL.
endpoints.yml names this class as the tracker store type.

Two additions to Rasa's behaviour, both in ``save``:

* personal data in what the customer wrote (personnummer, card numbers, IBANs, bank
  accounts, e-mail addresses, phone numbers) is masked before an event is written
  (bot/privacy.py); the table's layout stays exactly Rasa's;
* the conversation's summary row for the staff console (bot/storage/conversations.py,
  at DATABASE_URL) is recomputed from its stored events.  If that database is down the
  conversation goes on; ``python -m bot.console.manage rebuild-summaries`` catches up.

Reads and writes are retried across a short database outage (bot/db_retry.py).  The
database calls are synchronous (SQLAlchemy 1.4 with psycopg2), so they run in worker
threads: while one conversation waits for PostgreSQL, the process's event loop goes on
with the others.
"""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.db_retry import with_db_retry
from bot.privacy import mask_event
from bot.settings import settings

logger = logging.getLogger(__name__)


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
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLTrackerStore uses a host that contains "://" as the whole URL.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.database_url = database_url or config.database_url
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
            ).all()
            return [json.loads(row.data) for row in rows]

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the tracker's new events, masked, then updates the conversation's summary."""
        await self.stream_events(tracker)
        await with_db_retry(lambda: asyncio.to_thread(self._write_masked, tracker), "save")
        await asyncio.to_thread(self.update_summary, tracker.sender_id)

    def _write_masked(self, tracker: DialogueStateTracker) -> None:
        """Rasa's SQLTrackerStore.save, with each event masked before it is written."""
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = mask_event(event.as_dict())
                intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")

    def stored_events(self, sender_id: str) -> List[Dict[str, Any]]:
        """Every stored event of a conversation, all sessions, oldest first."""
        with self.session_scope() as session:
            return [
                json.loads(row.data)
                for row in session.query(self.SQLEvent.data)
                .filter(self.SQLEvent.sender_id == sender_id)
                .order_by(self.SQLEvent.id)
            ]

    def update_summary(self, sender_id: str) -> None:
        """Recomputes the conversation's summary; never fails the customer's turn."""
        from bot.storage.conversations import SummaryWriter, summarise

        try:
            row = summarise(sender_id, self.stored_events(sender_id))
            if row is None:
                return
            with self._summary_session_factory()() as session, session.begin():
                SummaryWriter(session).upsert(row)
        except Exception:  # the conversation matters more than its summary
            logger.exception("Could not update the console summary of %s", sender_id)

    def _summary_session_factory(self):
        if self._summary_sessions is None:
            from bot.storage.database import make_engine, make_session_factory
            from bot.storage.migrate import ensure_schema

            ensure_schema(self.database_url)
            self._summary_sessions = make_session_factory(make_engine(self.database_url))
        return self._summary_sessions
