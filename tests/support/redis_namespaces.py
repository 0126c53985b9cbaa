"""A Redis key namespace of a test's own, its keys deleted afterwards."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

import redis


@contextmanager
def redis_namespace(redis_url: str) -> Iterator[str]:
    namespace = f"test-{uuid.uuid4().hex}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}/*"))
    if keys:
        client.delete(*keys)
