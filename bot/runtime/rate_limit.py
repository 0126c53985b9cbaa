"""Messages per minute, per conversation and per address, in a sliding one-minute window.

Fixed one-minute windows let twice the limit through across a minute boundary (the last
seconds of one window and the first of the next), and made a flood test pass or fail by
the wall clock (issue 14, item 10).  The counting is now the `limits` library's
*moving window*: every accepted message is kept with its time, and a message is refused
when the last 60 s already hold the limit, wherever the minute boundaries fall.

Why the moving window rather than the sliding-window counter: it is exact (never N+1 in
any 60 s), while the counter only estimates the previous minute's share; its cost is one
Redis list of at most N timestamps per key (30 per conversation, 120 per address, gone
60 s after the last message) and one Lua script call per key, the counter's would be two
small integers and the same one call.  The counter also needs limits 4.1 or newer, and
every limits release from 2.5 on requires packaging>=21, which Rasa 3.6.21 forbids
(packaging<21): limits 2.4.0 is the newest release that installs beside Rasa, and its
strategies are the fixed, elastic and moving windows.

With REDIS_URL set, the counts live in Redis (limits' Redis storage, the Lua script
reads, trims and appends a key's list in one step), shared by every Rasa process;
otherwise in this process (limits' memory storage).  A limiter that cannot reach Redis
counts in this process instead (bot/runtime/circuit.py: logged once, Redis tried again
after a few seconds): it must never be the reason a customer is not answered.

Cost against the old code: limits has no call for several keys at once, so a message
costs one Redis round trip per key (two: its conversation and its address) instead of
one pipeline for all.  limits 2.4's memory storage keeps an empty list for every key it
has seen until the process ends (about 200 bytes per conversation); with Redis it is
only used while Redis is down.

The library reads the time as ``time.time()`` in ``limits.storage.memory`` and
``limits.storage.redis``; tests replace ``time`` there to drive the window
(tests/runtime/test_rate_limit.py).
"""
from __future__ import annotations

from typing import Dict, Optional

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from bot.runtime.circuit import Circuit


class RateLimiter:
    def __init__(self, redis_url: str = "", namespace: str = "ratelimit") -> None:
        """``namespace`` starts every Redis key (``ratelimit/sender:…/30/1/minute``)."""
        self._namespace = namespace
        # limits' strategies hold their storage by a weak reference: the limiter keeps it.
        self._local_storage = MemoryStorage()
        self._local = MovingWindowRateLimiter(self._local_storage)
        self._shared: Optional[MovingWindowRateLimiter] = None
        if redis_url:
            self._shared_storage = RedisStorage(
                redis_url, socket_timeout=0.5, socket_connect_timeout=0.5,
            )
            self._shared = MovingWindowRateLimiter(self._shared_storage)
        self._circuit = Circuit("Redis for rate limits")

    def _per_minute(self, limit: int) -> RateLimitItemPerMinute:
        return RateLimitItemPerMinute(limit, namespace=self._namespace)

    def hit(self, key: str, limit: int) -> bool:
        """Counts one message against ``key``; False (and not counted) if the last
        minute already holds ``limit`` messages."""
        item = self._per_minute(limit)
        if self._shared is not None and self._circuit.usable():
            try:
                allowed = self._shared.hit(item, key)
                self._circuit.ok()
                return allowed
            except Exception as error:  # noqa: BLE001 - any Redis failure: count locally
                self._circuit.failed(error)
        return self._local.hit(item, key)

    def remaining(self, key: str, limit: int) -> int:
        """How many more messages ``key`` may send now (where it is counted now; limits'
        Redis storage starts this window at a whole second, so it may count a message up
        to a second older than ``hit`` does)."""
        item = self._per_minute(limit)
        if self._shared is not None and self._circuit.usable():
            try:
                return self._shared.get_window_stats(item, key)[1]
            except Exception as error:  # noqa: BLE001 - any Redis failure: count locally
                self._circuit.failed(error)
        return self._local.get_window_stats(item, key)[1]

    def allows(self, limits: Dict[str, int]) -> bool:
        """Counts one message against every key with a limit (all of them, even once one
        is over, so a conversation past its own limit still uses up its address's);
        False if any is over its limit."""
        accepted = [self.hit(key, limit) for key, limit in limits.items() if limit > 0]
        return all(accepted)

