"""Rasa's SQL tracker store, configured from one SQLAlchemy URL in the settings.

Rasa's own SQLTrackerStore takes dialect, host, port ... as separate endpoint keys;
a single URL (TRACKER_STORE_URL) is easier to move between SQLite and PostgreSQL.
endpoints.yml names this class as the tracker store type.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.db_retry import with_db_retry
from bot.settings import settings


class ConfiguredSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        url: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's (empty) url as host
        url = url or settings().tracker_store_url
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

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        parent = super().retrieve
        return await with_db_retry(lambda: parent(sender_id), "retrieve")

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        parent = super().retrieve_full_tracker
        return await with_db_retry(lambda: parent(conversation_id), "retrieve")

    async def save(self, tracker: DialogueStateTracker) -> None:
        parent = super().save
        await with_db_retry(lambda: parent(tracker), "save")
