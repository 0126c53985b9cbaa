"""Checks on what customers send (bot/runtime/inbound.py); the rate limiter's are in
test_rate_limit.py."""
import pytest

from bot.runtime.inbound import is_too_long, polite, request_problem, sender_problem

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
