"""Retrying a database operation across a short outage (a restart, a fail-over).

Rasa wraps its tracker store in a fail-safe that, on any error, silently carries on
with an empty in-memory tracker: the turn is answered but the conversation's history is
neither read nor written.  Retrying here for a few seconds bridges a database restart,
so that fallback is only reached when the database is really gone.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, TypeVar

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRYABLE = (OperationalError, InterfaceError, DisconnectionError)


def is_retryable(error: Exception) -> bool:
    return isinstance(error, RETRYABLE) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


async def with_db_retry(
    operation: Callable[[], Awaitable[T]], what: str, give_up_after: float = 20.0
) -> T:
    started, delay = time.monotonic(), 0.1
    while True:
        try:
            return await operation()
        except Exception as error:  # noqa: BLE001 - only the retryable ones are retried
            if not is_retryable(error) or time.monotonic() - started > give_up_after:
                raise
            logger.warning("database unavailable during %s, retrying: %s", what,
                           str(error).splitlines()[0])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
