"""Slows down password guessing without letting a guesser lock everyone out (issue 14 item 5).

Behind the bank's proxy all staff share one address, so the old per-address lock (20
failures, then 429 for everyone for 15 minutes) let one guesser lock out every staff
member.  Now:

- per (address, name), a hard limit: 5 failures in any 15 minutes, then that name from
  that address is refused until the oldest failure is 15 minutes old;
- per name, from any address, hard limits that back off: 10 failures in 15 minutes,
  20 in an hour, 40 in a day (each more lasting than the last);
- per address, only a slow-down: past 20 failures in 15 minutes every sign-in from that
  address (right or wrong) waits a little longer, at most ``MAX_DELAY_SECONDS``, and
  valid credentials are never refused for the address alone.

A refused attempt is refused before the password is checked, and is not counted.  The
counts are the `limits` library's moving windows (as bot/runtime/rate_limit.py's): in
Redis with REDIS_URL, otherwise in the project's database
(bot/storage/rate_counts.py), shared by every process either way.  If Redis fails, the
database counts instead.  The address is the connection's peer, or the trusted proxy's
X-Real-IP (bot/client_address.py).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.rate_counts import SqlMovingWindowStorage

logger = logging.getLogger(__name__)

NAMESPACE = "console-sign-in"
PER_ADDRESS_AND_NAME = (5, 15)  # failures in minutes
PER_NAME = ((10, 15), (20, 60), (40, 24 * 60))
# Failures from one address are counted for the slow-down (this only caps the count).
PER_ADDRESS_COUNTED = (10_000, 15)
FREE_PER_ADDRESS = 20
DELAY_STEP_SECONDS = 0.25
MAX_DELAY_SECONDS = 3.0


@dataclass(frozen=True)
class Verdict:
    """May this attempt go ahead; if not, in how many seconds; and how long it waits."""

    allowed: bool
    retry_after: int = 0
    delay: float = 0.0


class LoginThrottle:
    def __init__(self, sessions: "sessionmaker[Session]", redis_url: str = "",
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, namespace: str = NAMESPACE) -> None:
        """``namespace`` starts every key (Redis: ``console-sign-in/name/anna/10/15/minute``)."""

        def item(limit: Tuple[int, int]) -> RateLimitItem:
            return RateLimitItemPerMinute(limit[0], limit[1], namespace=namespace)

        self.per_pair = item(PER_ADDRESS_AND_NAME)
        self.per_name = [item(limit) for limit in PER_NAME]
        self.per_address = item(PER_ADDRESS_COUNTED)
        # limits' strategies hold their storage by a weak reference: keep them here.
        self._database = SqlMovingWindowStorage(sessions, clock)
        self._storages: List[Storage] = [self._database]
        if redis_url:
            self._redis = RedisStorage(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._storages.insert(0, self._redis)
        self._limiters = [MovingWindowRateLimiter(storage) for storage in self._storages]
        self.clock = clock
        self.sleep = sleep

    def _call(self, method: str, *args):
        """``method`` of the first limiter that answers (Redis, then the database)."""
        for limiter in self._limiters[:-1]:
            try:
                return getattr(limiter, method)(*args)
            except Exception as error:  # noqa: BLE001 - Redis down: count in the database
                logger.warning("Sign-in throttle: Redis failed (%s); counting in the database", error)
        return getattr(self._limiters[-1], method)(*args)

    def _limits(self, address: str, username: str) -> Sequence[Tuple[RateLimitItem, Tuple[str, ...]]]:
        name = username.lower()
        return [(self.per_pair, ("pair", address, name))] + [
            (item, ("name", name)) for item in self.per_name]

    def check(self, address: str, username: str) -> Verdict:
        """Before checking the password: refused (and for how long), or how long to wait."""
        waits = [reset - self.clock() for reset, remaining in (
            self._call("get_window_stats", item, *key) for item, key in self._limits(address, username)
        ) if remaining <= 0]
        if waits:  # until every limit it is over has room again
            return Verdict(False, retry_after=max(1, math.ceil(max(waits))))
        failures = self.per_address.amount - self._call(
            "get_window_stats", self.per_address, "address", address)[1]
        excess = failures - FREE_PER_ADDRESS
        return Verdict(True, delay=min(MAX_DELAY_SECONDS, DELAY_STEP_SECONDS * excess) if excess > 0 else 0.0)

    def wait(self, verdict: Verdict) -> None:
        if verdict.delay > 0:
            self.sleep(verdict.delay)

    def failed(self, address: str, username: str) -> None:
        for item, key in self._limits(address, username):
            self._call("hit", item, *key)
        self._call("hit", self.per_address, "address", address)

    def succeeded(self, address: str, username: str) -> None:
        self._call("clear", self.per_pair, "pair", address, username.lower())
