"""Checks on what customers send (bot/runtime/inbound.py) and the rate limiter."""
import pytest

from bot.runtime.inbound import is_too_long, polite, request_problem, sender_problem
from bot.runtime.rate_limit import RateLimiter, client_address
from tests.support.ports import refused_port

GOOD_SENDER = "3f2b8c0e9d1a4b7c"


@pytest.mark.parametrize("sender", [GOOD_SENDER, "a" * 128, "test-0123456789ab", "x_Y-z" * 4])
def test_random_ids_are_accepted(sender):
    assert sender_problem(sender) is None


@pytest.mark.parametrize("sender", [None, 42, "", "me", "1", "a" * 15, "a" * 129,
                                    "../../etc/passwd", "abc def ghi jkl mno", "é" * 20])
def test_guessable_or_odd_ids_are_refused(sender):
    assert sender_problem(sender)


@pytest.mark.parametrize("body,problem", [
    ({"sender": GOOD_SENDER, "message": "hi"}, None),
    ({"sender": GOOD_SENDER, "message": "hi", "metadata": {"language": "sv"}}, None),
    ([], "JSON object"),
    ("hi", "JSON object"),
    ({"message": "hi"}, "sender"),
    ({"sender": GOOD_SENDER}, "'message' must be a string"),
    ({"sender": GOOD_SENDER, "message": 42}, "'message' must be a string"),
    ({"sender": GOOD_SENDER, "message": "hi", "metadata": "x"}, "'metadata' must be an object"),
    ({"sender": GOOD_SENDER, "message": "hi", "metadata": {"x": "y" * 5000}}, "under"),
])
def test_request_problems(body, problem):
    found = request_problem(body)
    assert (found is None) if problem is None else (problem in found)


def test_polite_answers_follow_the_customers_language():
    assert "too long" in polite("too_long", "my export failed", limit=5000)
    assert "5,000" in polite("too_long", "my export failed", limit=5000)
    assert "för långt" in polite("too_long", "exporten funkar inte", limit=5000)
    assert "Vänta en minut" in polite("too_fast", "hej igen, funkar inte")


def test_length_limit():
    assert not is_too_long("a" * 5000, 5000) and is_too_long("a" * 5001, 5000)


def test_limiter_counts_per_key_and_window():
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert all(limiter.allows({"sender:a": 3}) for _ in range(3))
    assert not limiter.allows({"sender:a": 3})
    assert limiter.allows({"sender:b": 3})
    now[0] += 60
    assert limiter.allows({"sender:a": 3})


def test_limiter_shares_counts_through_redis():
    first, second = RateLimiter("redis://127.0.0.1:6379/15"), RateLimiter("redis://127.0.0.1:6379/15")
    key = f"sender:{GOOD_SENDER}-shared"
    first._redis.flushdb()
    assert first.allows({key: 2}) and second.allows({key: 2})
    assert not first.allows({key: 2})


def test_limiter_without_redis_still_counts():
    with refused_port() as port:
        limiter = RateLimiter(f"redis://127.0.0.1:{port}/0")
        assert limiter.allows({"k": 1}) and not limiter.allows({"k": 1})


def test_client_address_trusts_only_the_local_proxy():
    assert client_address("127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert client_address("198.51.100.1", "203.0.113.7") == "198.51.100.1"
    assert client_address("127.0.0.1", None) == "127.0.0.1"


def test_limiter_counts_every_key_even_when_one_is_over():
    for url in ("", "redis://127.0.0.1:6379/15"):
        limiter = RateLimiter(url)
        if limiter._redis is not None:
            limiter._redis.flushdb()
        assert limiter.allows({"sender:x": 1, "address:y": 5})
        assert not limiter.allows({"sender:x": 1, "address:y": 5})  # the sender is over ...
        assert limiter.counts(["address:y"]) == {"address:y": 3}  # ... the address counted all
