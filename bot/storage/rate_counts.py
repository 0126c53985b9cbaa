"""A storage for the `limits` library's moving windows in the project's database.

The console's sign-in throttle (bot/console/login_throttle.py) counts failed attempts with
limits' MovingWindowRateLimiter, like the Rasa channels' rate limits
(bot/runtime/rate_limit.py).  With REDIS_URL its counts live in Redis; without, they must
still be shared by every process that serves the console, so they live here: one row
per counted attempt, the key and the time, deleted once out of every window.  limits
2.4 (the newest release that installs beside Rasa 3.6) has no SQL storage of its own.

Only the moving window is supported (``acquire_entry`` and ``get_moving_window``).  On
PostgreSQL two attempts counted at the same instant in two processes may both be let
through at the limit: at most one extra per concurrent request, harmless for sign-ins.
"""
from __future__ import annotations

import time
from typing import Callable, Tuple

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Column, Float, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import Base


class RateCount(Base):
    __tablename__ = "rate_counts"
    __table_args__ = (Index("ix_rate_counts_key_at", "key", "at"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(255), nullable=False)
    at = Column(Float, nullable=False)


class SqlMovingWindowStorage(Storage, MovingWindowSupport):
    """limits' storage interface over the project's tables (moving windows only)."""

    STORAGE_SCHEME = None  # made by the console, never from a limits URI

    def __init__(self, sessions: "sessionmaker[Session]", clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.sessions = sessions
        self.clock = clock

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = self.clock()
        with self.sessions() as db:
            db.execute(delete(RateCount).where(RateCount.key == key, RateCount.at < now - expiry))
            held = db.execute(select(func.count()).select_from(RateCount)
                              .where(RateCount.key == key)).scalar_one()
            if held + amount > limit:
                db.commit()
                return False
            db.add_all([RateCount(key=key, at=now) for _ in range(amount)])
            db.commit()
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> Tuple[int, int]:
        """(when the window's oldest entry was counted, how many it holds); as limits'
        Redis storage, an entry exactly ``expiry`` seconds old is still in the window."""
        now = self.clock()
        with self.sessions() as db:
            oldest, held = db.execute(
                select(func.min(RateCount.at), func.count())
                .where(RateCount.key == key, RateCount.at >= now - expiry)
            ).one()
        return int(oldest if oldest is not None else now), held

    def clear(self, key: str) -> None:
        with self.sessions() as db:
            db.execute(delete(RateCount).where(RateCount.key == key))
            db.commit()

    def reset(self) -> None:
        with self.sessions() as db:
            db.execute(delete(RateCount))
            db.commit()

    def check(self) -> bool:
        return True

    # The fixed-window calls: not used (MovingWindowRateLimiter only).
    def incr(self, key: str, expiry: int, elastic_expiry: bool = False, amount: int = 1) -> int:
        raise NotImplementedError("moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("moving windows only")

    def get_expiry(self, key: str) -> int:
        raise NotImplementedError("moving windows only")
