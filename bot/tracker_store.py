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

Reads and writes are retried across a short database outage (bot/db_retry.py), and
pooled connections are checked before use.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
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
        # Check pooled connections before use: after a database restart every pooled
        # connection is dead, and without this each would fail one customer's turn.
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.database_url = database_url or config.database_url
        self._summary_sessions = None

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        parent = super().retrieve
        return await with_db_retry(lambda: parent(sender_id), "retrieve")

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        parent = super().retrieve_full_tracker
        return await with_db_retry(lambda: parent(conversation_id), "retrieve")

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the tracker's new events, masked, then updates the conversation's summary."""
        await with_db_retry(lambda: self._save_masked(tracker), "save")
        self.update_summary(tracker.sender_id)

    async def _save_masked(self, tracker: DialogueStateTracker) -> None:
        """Rasa's SQLTrackerStore.save, with each event masked before it is written."""
        await self.stream_events(tracker)

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
