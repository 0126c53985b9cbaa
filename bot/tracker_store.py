"""Rasa's SQL tracker store, configured from one SQLAlchemy URL in the settings.

Rasa's own SQLTrackerStore takes dialect, host, port ... as separate endpoint keys;
a single URL (TRACKER_STORE_URL) is easier to move between SQLite and PostgreSQL.
endpoints.yml names this class as the tracker store type.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

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
