"""Handoff test helpers: Rasa's HTTP API recorded instead of called, and tickets read
through a unit of work of their own per call."""
from __future__ import annotations

import threading
from typing import List

from bot.handoff.rasa_api import RasaUnavailable
from bot.storage.unit_of_work import UnitOfWork


class RecordingApi:
    """Records every append of events; with ``fail``, Rasa is down."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: List[tuple] = []
        self.fail = fail
        self.lock = threading.Lock()

    def append(self, conversation_id, events, deliver=True):
        with self.lock:
            self.calls.append((conversation_id, events))
        if self.fail:
            raise RasaUnavailable("Rasa is down")
        return {}

    def kinds(self, index: int = -1) -> List[str]:
        return [e.get("name") or e["event"] if e["event"] in ("action",) else e["event"]
                for e in self.calls[index][1]]


class Tickets:
    """The tickets as the test reads them: each call a unit of work of its own."""

    def __init__(self, database_url: str) -> None:
        self.uow = UnitOfWork.for_database(database_url)  # the schema is brought to head

    def __getattr__(self, name):
        def call(*args, **kwargs):
            with self.uow as uow:
                return getattr(uow.tickets, name)(*args, **kwargs)
        return call
