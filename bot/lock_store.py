"""Rasa's Redis lock store, that keeps working (per process) while Redis is down.

Several Rasa processes share one Redis lock per conversation, so that two messages of
one conversation are never handled at once or out of order.  When Redis cannot be
reached, Rasa's own RedisLockStore raises and the customer's message is not handled.
This one logs and falls back to an in-process lock until Redis answers again: a
customer, who waits for each answer before writing again, loses nothing.
"""
from __future__ import annotations

import json
from typing import Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.circuit import Circuit
from bot.settings import settings

KEY_PREFIX = "lock:"


class FailoverRedisLockStore(LockStore):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[str] = None
    ) -> None:
        url = url or settings().redis_url or "redis://127.0.0.1:6379/0"
        self.red = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.fallback = InMemoryLockStore()
        self.circuit = Circuit("Redis lock store")
        super().__init__()

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        if self.circuit.usable():
            try:
                serialised = self.red.get(KEY_PREFIX + conversation_id)
                self.circuit.ok()
                return TicketLock.from_dict(json.loads(serialised)) if serialised else None
            except redis.RedisError as error:
                self.circuit.failed(error)
        return self.fallback.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.fallback.delete_lock(conversation_id)
        if self.circuit.usable():
            try:
                self.red.delete(KEY_PREFIX + conversation_id)
                self.circuit.ok()
            except redis.RedisError as error:
                self.circuit.failed(error)

    def save_lock(self, lock: TicketLock) -> None:
        if self.circuit.usable():
            try:
                self.red.set(KEY_PREFIX + lock.conversation_id, lock.dumps())
                self.circuit.ok()
                return
            except redis.RedisError as error:
                self.circuit.failed(error)
        self.fallback.save_lock(lock)
