"""Remembers that a server (Redis) failed, so callers skip it for a while instead of
waiting on it for every message, and logs once when it fails and once when it is back."""
from __future__ import annotations

import logging
import time
from typing import Optional

logger = logging.getLogger(__name__)


class Circuit:
    def __init__(self, name: str, retry_after_seconds: float = 5.0) -> None:
        self.name = name
        self.retry_after = retry_after_seconds
        self.down_since: Optional[float] = None

    def usable(self) -> bool:
        """True when the server is up, or it is time to try it again."""
        return self.down_since is None or time.monotonic() - self.down_since > self.retry_after

    def failed(self, error: Exception) -> None:
        if self.down_since is None:
            logger.error("%s unreachable, working without it: %s", self.name, error)
        self.down_since = time.monotonic()

    def ok(self) -> None:
        if self.down_since is not None:
            logger.warning("%s reachable again", self.name)
        self.down_since = None
