"""The claim-timeout watcher: waiting chats nobody claimed in time go to follow-up.

Runs in the pages process (the console starts it, bot/console/agent_views.py), one
round every ``every`` seconds on a daemon thread; a round is
``lifecycle.time_out_waiting``, safe when several processes run it at once (the
conditional UPDATE moves each ticket once).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import List, Optional

from bot.handoff.hours import OpeningHours, opening_hours
from bot.handoff.lifecycle import time_out_waiting
from bot.handoff.rasa_api import RasaApi
from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

WATCH_EVERY_SECONDS = 2.0


class ClaimTimeoutWatcher:
    def __init__(self, uow: UnitOfWork, api: RasaApi, hours: OpeningHours,
                 timeout_seconds: int) -> None:
        self.uow = uow
        self.api = api
        self.hours = hours
        self.timeout_seconds = timeout_seconds

    @classmethod
    def from_settings(cls, config: Settings) -> "ClaimTimeoutWatcher":
        return cls(UnitOfWork.for_database(config.database_url), RasaApi.from_settings(config),
                   opening_hours(config), config.handoff_claim_timeout_seconds)

    def round(self, now: Optional[dt.datetime] = None) -> List[int]:
        """One round: waiting chats past the timeout go to follow-up; their ticket ids."""
        return time_out_waiting(self.uow, self.api, self.hours, self.timeout_seconds, now)

    def start(self, every: float = WATCH_EVERY_SECONDS) -> threading.Thread:
        def loop() -> None:
            while True:
                time.sleep(every)
                try:
                    moved = self.round()
                    if moved:
                        logger.warning("No agent claimed ticket(s) %s in time: follow-up by e-mail",
                                       moved)
                except Exception:  # noqa: BLE001 - the next round tries again
                    logger.warning("claim-timeout check failed", exc_info=True)

        thread = threading.Thread(target=loop, name="handoff-claim-timeout", daemon=True)
        thread.start()
        return thread
