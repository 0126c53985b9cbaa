"""Rasa's HTTP API as the handoff sees it, recorded instead of called."""
from __future__ import annotations

import threading
from typing import List

from bot.handoff.rasa_api import RasaUnavailable


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
