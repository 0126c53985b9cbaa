"""Rasa's Redis lock store, that keeps working (per process) while Redis is down.

Several Rasa processes share one Redis lock per conversation, so that two messages of
one conversation are never handled at once or out of order.  When Redis cannot be
reached, Rasa's own RedisLockStore raises and the customer's message is not handled.
This one logs and falls back to an in-process lock until Redis answers again: a
customer, who waits for each answer before writing again, loses nothing.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import settings

logger = logging.getLogger(__name__)
KEY_PREFIX = "lock:"
RETRY_REDIS_AFTER_SECONDS = 5.0


class FailoverRedisLockStore(LockStore):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[str] = None
    ) -> None:
        url = url or settings().redis_url or "redis://127.0.0.1:6379/0"
        self.red = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.fallback = InMemoryLockStore()
        self._redis_down_since: Optional[float] = None
        super().__init__()

    def _redis_usable(self) -> bool:
        if self._redis_down_since is None:
            return True
        return time.monotonic() - self._redis_down_since > RETRY_REDIS_AFTER_SECONDS

    def _redis_failed(self, error: Exception) -> None:
        if self._redis_down_since is None:
            logger.error("Redis lock store unreachable, using in-process locks: %s", error)
        self._redis_down_since = time.monotonic()

    def _redis_ok(self) -> None:
        if self._redis_down_since is not None:
            logger.warning("Redis lock store reachable again")
        self._redis_down_since = None

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        if self._redis_usable():
            try:
                serialised = self.red.get(KEY_PREFIX + conversation_id)
                self._redis_ok()
                return TicketLock.from_dict(json.loads(serialised)) if serialised else None
            except redis.RedisError as error:
                self._redis_failed(error)
        return self.fallback.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.fallback.delete_lock(conversation_id)
        if self._redis_usable():
            try:
                self.red.delete(KEY_PREFIX + conversation_id)
                self._redis_ok()
            except redis.RedisError as error:
                self._redis_failed(error)

    def save_lock(self, lock: TicketLock) -> None:
        if self._redis_usable():
            try:
                self.red.set(KEY_PREFIX + lock.conversation_id, lock.dumps())
                self._redis_ok()
                return
            except redis.RedisError as error:
                self._redis_failed(error)
        self.fallback.save_lock(lock)
