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
every change to a lock is one Lua script that Redis runs atomically, which also makes
a turn's lock two round trips (take a ticket and see whether it is served; finish it)
instead of Rasa's three to seven.  The lock keeps Rasa's format (TicketLock.dumps), so
Rasa's own TicketLock reads it.
"""
from __future__ import annotations

import json
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text, Tuple

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.circuit import Circuit
from bot.settings import settings

KEY_PREFIX = "lock:"
# How long a message waits before looking at its conversation's lock again.  Rasa asks
# without a wait time and its default is a whole second, which a customer's second quick
# message would wait on top of the first one's turn; a look is two round trips to Redis.
RETRY_WAIT_SECONDS = 0.02

# The tickets still alive at ARGV[1] (the caller's clock, as TicketLock's has_expired
# uses), each kept as the JSON string Rasa stores, so a rewrite changes no ticket.
_LIVE_TICKETS = """
local function live_tickets(raw, now)
  local kept = {}
  if raw then
    for _, text in ipairs(cjson.decode(raw).tickets) do
      local ticket = cjson.decode(text)
      if not (now > ticket.expires) then
        kept[#kept + 1] = {number = ticket.number, text = text}
      end
    end
  end
  return kept
end
local function lock_json(conversation_id, tickets)
  local texts = {}
  for i, ticket in ipairs(tickets) do texts[i] = cjson.encode(ticket.text) end
  return '{"conversation_id": ' .. cjson.encode(conversation_id) .. ', "tickets": ['
    .. table.concat(texts, ', ') .. ']}'
end
"""

# TicketLock.issue_ticket, saved: KEYS[1] lock; ARGV now, conversation id, the new
# ticket's expiry as Python writes it (its clock read a moment before now: TicketLock too
# reads the clock twice).  Returns the ticket's number and the saved lock.
_ISSUE = _LIVE_TICKETS + """
local tickets = live_tickets(redis.call('GET', KEYS[1]), tonumber(ARGV[1]))
local number = 0
if #tickets > 0 then number = tickets[#tickets].number + 1 end
tickets[#tickets + 1] = {number = number,
  text = '{"number": ' .. string.format('%d', number) .. ', "expires": ' .. ARGV[3] .. '}'}
local saved = lock_json(ARGV[2], tickets)
redis.call('SET', KEYS[1], saved)
return {number, saved}
"""

# LockStore.update_lock: drop expired tickets; an existing lock stays, even empty.
_DROP_EXPIRED = _LIVE_TICKETS + """
local raw = redis.call('GET', KEYS[1])
if raw then
  redis.call('SET', KEYS[1], lock_json(ARGV[2], live_tickets(raw, tonumber(ARGV[1]))))
end
return 0
"""

# Finish ARGV[3]'s ticket.  With ARGV[4] "drop", LockStore.cleanup in one step (the lock
# is deleted when nobody waits); with "keep", LockStore.finish_serving.
_FINISH = _LIVE_TICKETS + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local waiting = {}
for _, ticket in ipairs(live_tickets(raw, tonumber(ARGV[1]))) do
  if ticket.number ~= tonumber(ARGV[3]) then waiting[#waiting + 1] = ticket end
end
if #waiting == 0 and ARGV[4] == 'drop' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], lock_json(ARGV[2], waiting))
end
return 0
"""


class InProcessLockStore(InMemoryLockStore):
    """Rasa's in-memory lock store (one Rasa process: `make run`), whose waiting
    messages look again every RETRY_WAIT_SECONDS instead of every second."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        super().__init__()

    def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
             wait_time_in_seconds: float = RETRY_WAIT_SECONDS):
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)


class FailoverRedisLockStore(LockStore):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[str] = None
    ) -> None:
        url = url or settings().redis_url or "redis://127.0.0.1:6379/0"
        self.red = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        # Scripts are sent by hash (EVALSHA), and in full once per Redis that lacks them.
        self._issue = self.red.register_script(_ISSUE)
        self._drop_expired = self.red.register_script(_DROP_EXPIRED)
        self._finish = self.red.register_script(_FINISH)
        self.fallback = InMemoryLockStore()
        self.circuit = Circuit("Redis lock store")
        super().__init__()

    def warm_up(self) -> None:
        """Opens the connection and loads the scripts into Redis before the first turn
        (bot/runtime/warm_up.py); a Redis that is down is the first turn's to find."""
        try:
            self.red.ping()
            for script in (self._issue, self._drop_expired, self._finish):
                self.red.script_load(script.script)  # the same hash Script computed
        except redis.RedisError as error:
            self.circuit.failed(error)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = RETRY_WAIT_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock(), but the ticket's script also answers whether it is served
        already (the usual case: one message of a conversation at a time), so the lock
        is not read again; a message that has to wait looks again every
        RETRY_WAIT_SECONDS, not every second."""
        ticket, lock = self._issue_and_read(conversation_id, lock_lifetime)
        try:
            if lock is None or lock.is_locked(ticket):
                lock = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

    def _issue_and_read(self, conversation_id: Text, lifetime: float):
        """The new ticket and the lock it was saved in (None for a ticket taken while
        Redis was down: the in-process lock then decides)."""
        done, issued = self._run(self._issue, conversation_id, repr(time.time() + lifetime))
        if not done:
            return self.fallback.issue_ticket(conversation_id, lifetime), None
        number, saved = issued
        return int(number), TicketLock.from_dict(json.loads(saved))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issue_and_read(conversation_id, lock_lifetime)[0]

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

    def _run(self, script, conversation_id: Text, *args) -> Tuple[bool, Any]:
        """Runs one of the lock's scripts: (True, its result), or (False, None) if Redis
        could not be used, so the caller falls back to the in-process lock."""
        if not self.circuit.usable():
            return False, None
        try:
            result = script(keys=[KEY_PREFIX + conversation_id],
                            args=[repr(time.time()), conversation_id, *args])
            self.circuit.ok()
            return True, result
        except redis.RedisError as error:
            self.circuit.failed(error)
            return False, None

    def update_lock(self, conversation_id: Text) -> None:
        if not self._run(self._drop_expired, conversation_id)[0]:
            self.fallback.update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        if not self._run(self._finish, conversation_id, int(ticket_number), "keep")[0]:
            self.fallback.finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finishes the ticket and deletes the lock if nobody waits, in one step."""
        self._run(self._finish, conversation_id, int(ticket_number), "drop")
        # A ticket taken while Redis was down lives in this process: finish it too.
        self.fallback.cleanup(conversation_id, ticket_number)
