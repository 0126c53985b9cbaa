"""Messages per minute, per conversation and per address, in fixed one-minute windows.

With REDIS_URL set, the counts are shared by every Rasa process; otherwise each process
counts for itself.  A limiter that cannot reach Redis lets messages through: it must
never be the reason a customer is not answered.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

from bot.runtime.circuit import Circuit

WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, redis_url: str = "", clock=time.time) -> None:
        self._clock = clock
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
        self._circuit = Circuit("Redis for rate limits")
        self._counts: Dict[Tuple[str, int], int] = defaultdict(int)
        self._lock = threading.Lock()

    def _window(self) -> int:
        return int(self._clock() // WINDOW_SECONDS)

    def counts(self, keys: List[str]) -> Dict[str, int]:
        """Counts one message for every key (one Redis round trip for all of them) and
        returns each key's count in this window."""
        window = self._window()
        if self._redis is not None and self._circuit.usable():
            try:
                pipe = self._redis.pipeline(transaction=False)
                for key in keys:
                    redis_key = f"ratelimit:{key}:{window}"
                    pipe.incr(redis_key)
                    pipe.expire(redis_key, WINDOW_SECONDS * 2)
                replies = pipe.execute()
                self._circuit.ok()
                return {key: int(replies[2 * i]) for i, key in enumerate(keys)}
            except Exception as error:  # noqa: BLE001 - any Redis failure: count locally
                self._circuit.failed(error)
        with self._lock:
            for stale in [k for k in self._counts if k[1] < window]:
                del self._counts[stale]
            for key in keys:
                self._counts[(key, window)] += 1
            return {key: self._counts[(key, window)] for key in keys}

    def allows(self, limits: Dict[str, int]) -> bool:
        """Counts one message against every key; False if any is over its limit."""
        keys = [key for key, limit in limits.items() if limit > 0]
        counted = self.counts(keys) if keys else {}
        return all(counted[key] <= limits[key] for key in keys)


def client_address(remote_ip: Optional[str], forwarded_for: Optional[str]) -> str:
    """The customer's address: our own nginx on loopback passes it in X-Real-IP."""
    if remote_ip in ("127.0.0.1", "::1") and forwarded_for:
        return forwarded_for.split(",")[0].strip()
    return remote_ip or "unknown"
