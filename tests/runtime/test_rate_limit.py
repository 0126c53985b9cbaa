"""The rate limiter (bot/runtime/rate_limit.py) on a clock of the tests' own, counting in
memory, in the Redis at 127.0.0.1:6379 (keys under a namespace of each test's own,
deleted afterwards) or both; no test depends on when it runs, none sleeps."""
import logging
import types

import limits.storage.memory
import limits.storage.redis
import pytest
import redis

from bot.runtime import circuit
from bot.runtime.rate_limit import RateLimiter
from tests.support.ports import refused_port
from tests.support.redis_namespaces import redis_namespace

REDIS_URL = "redis://127.0.0.1:6379/15"
# 2026-11-30 hh:mm:00 UTC; a test starts half a second before it, at hh:mm-1:59.5.
MINUTE = 1_796_040_000
assert MINUTE % 60 == 0


class Clock:
    """Stands in for the ``time`` module where limits reads ``time.time()``."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(MINUTE - 0.5)
    for module in (limits.storage.memory, limits.storage.redis):
        monkeypatch.setattr(module, "time", clock)  # fails if limits stops reading it there
    return clock


@pytest.fixture
def new_limiter(clock):
    """Makes limiters that count in one namespace of this test's own."""
    made = []
    with redis_namespace(REDIS_URL) as namespace:

        def make(redis_url: str = "") -> RateLimiter:
            made.append(RateLimiter(redis_url, namespace=namespace))
            return made[-1]

        yield make


@pytest.fixture(params=["memory", "redis"])
def limiter(request, new_limiter):
    made = new_limiter(REDIS_URL if request.param == "redis" else "")
    yield made
    assert made._circuit.down_since is None, "counted in memory: Redis did not answer"


def test_the_limit_is_allowed_and_one_more_refused(limiter):
    assert [limiter.allows({"sender:a": 3}) for _ in range(4)] == [True, True, True, False]


def test_a_minute_boundary_does_not_reset_the_counts(limiter, clock):
    """The failure of issue 14, item 10: a fixed window counts again from zero at
    hh:mm:00, so the fourth message, a second after the first three, got through."""
    assert all(limiter.allows({"address:x": 3}) for _ in range(3))  # at hh:mm:59.5
    clock.advance(1.0)  # hh:mm+1:00.5, a new fixed window
    assert not limiter.allows({"address:x": 3})
    clock.advance(58.9)  # 59.9 s after the first three
    assert not limiter.allows({"address:x": 3})


def test_counts_slide_out_after_a_minute(limiter, clock):
    assert limiter.allows({"sender:a": 3}) and limiter.allows({"sender:a": 3})
    clock.advance(30)
    assert limiter.allows({"sender:a": 3})
    assert not limiter.allows({"sender:a": 3})
    clock.advance(31)  # the first two are older than a minute, the third is not
    assert limiter.remaining("sender:a", 3) == 2
    assert limiter.allows({"sender:a": 3}) and limiter.allows({"sender:a": 3})
    assert not limiter.allows({"sender:a": 3})
    clock.advance(61)
    assert limiter.remaining("sender:a", 3) == 3


def test_keys_are_counted_apart(limiter):
    assert all(limiter.allows({"sender:a": 3}) for _ in range(3))
    assert not limiter.allows({"sender:a": 3})
    assert limiter.allows({"sender:b": 3})
    assert limiter.allows({"sender:a": 4})  # another limit is another count


def test_every_key_is_counted_even_when_one_is_over(limiter):
    assert limiter.allows({"sender:x": 1, "address:y": 5})
    assert not limiter.allows({"sender:x": 1, "address:y": 5})  # the sender is over ...
    assert limiter.remaining("address:y", 5) == 3  # ... the address counted both


def test_a_limit_of_zero_means_no_limit(limiter):
    assert all(limiter.allows({"sender:a": 0}) for _ in range(100))


def test_processes_share_counts_through_redis(new_limiter):
    first, second = new_limiter(REDIS_URL), new_limiter(REDIS_URL)
    assert first.allows({"sender:s": 2}) and second.allows({"sender:s": 2})
    assert not first.allows({"sender:s": 2}) and not second.allows({"sender:s": 2})


def test_without_redis_the_process_counts_and_the_customer_is_answered(
        new_limiter, clock, caplog):
    with refused_port() as port, caplog.at_level(logging.WARNING, logger="bot.runtime.circuit"):
        limiter = new_limiter(f"redis://127.0.0.1:{port}/0")
        assert [limiter.allows({"sender:k": 2}) for _ in range(3)] == [True, True, False]
        clock.advance(60.1)
        assert limiter.allows({"sender:k": 2})
    assert [r.levelname for r in caplog.records] == ["ERROR"]  # logged once
    assert "unreachable" in caplog.records[0].getMessage()


def test_when_redis_is_back_the_counts_go_there_again(new_limiter, monkeypatch, caplog):
    limiter, other_process = new_limiter(REDIS_URL), new_limiter(REDIS_URL)
    storage = limiter._shared_storage
    answers = storage.lua_acquire_window

    def unreachable(*_, **__):
        raise redis.ConnectionError("Redis went away")

    monotonic = Clock(1000.0)  # the circuit waits on time.monotonic() to try Redis again
    monkeypatch.setattr(circuit, "time", types.SimpleNamespace(monotonic=monotonic.time))
    with caplog.at_level(logging.WARNING, logger="bot.runtime.circuit"):
        storage.lua_acquire_window = unreachable
        assert limiter.allows({"sender:r": 2}) and limiter.allows({"sender:r": 2})
        assert not limiter.allows({"sender:r": 2})  # counted in this process
        storage.lua_acquire_window = answers
        monotonic.advance(10)
        assert limiter.allows({"sender:r": 2})  # in Redis, which had none of them ...
        assert other_process.allows({"sender:r": 2})
        assert not limiter.allows({"sender:r": 2})  # ... shared with the other process
    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING"]
    assert "reachable again" in caplog.records[1].getMessage()

