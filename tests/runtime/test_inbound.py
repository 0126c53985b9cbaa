"""Checks on what customers send (bot/runtime/inbound.py); the rate limiter's are in
test_rate_limit.py."""
import math
import random

import pytest

from bot.runtime.inbound import is_too_long, polite, request_problem, sender_problem

GOOD_SENDER = "3f2b8c0e9d1a4b7c"


@pytest.mark.parametrize("sender", [GOOD_SENDER, "test-0123456789ab", "x_Y-z0123456789ab",
                                    "0123456789abcdef0", "2c9f1e4b7a0d4e8f9b3c6a1d5e7f2b4c"])
def test_random_ids_are_accepted(sender):
    assert sender_problem(sender) is None


@pytest.mark.parametrize("sender", [GOOD_SENDER + "\n", GOOD_SENDER + "\r\n", "\n" + GOOD_SENDER])
def test_an_id_with_a_line_break_is_refused(sender):
    # "$" in re.match also matches before a final newline, which broke the story export.
    assert sender_problem(sender)


@pytest.mark.parametrize("sender", ["a" * 16, "a" * 128, "ab" * 8, "x_Y-z" * 4, "aaaabbbbaaaabbbb",
                                    "0000000000000001"])
def test_ids_nobody_drew_at_random_are_refused(sender):
    assert sender_problem(sender)


def test_random_ids_of_the_widgets_length_pass():
    draws = random.Random(15)
    ids = [f"{draws.getrandbits(64):016x}" for _ in range(20_000)]
    assert not [sender for sender in ids if sender_problem(sender)]
    # Drawn by secrets.token_hex(8) in a run of this test, and refused by a stricter check.
    assert sender_problem("cffcccdffcc77cdd") is None


def test_a_random_widget_id_is_refused_less_than_once_in_a_trillion():
    """The chance that 16 random hex digits have fewer different ones than the check asks
    (a union bound: some set of that many too few digits holds all sixteen)."""
    from bot.runtime.inbound import fewest_characters

    too_few = fewest_characters(16) - 1
    assert math.comb(16, too_few) * (too_few / 16) ** 16 < 1e-12


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


def test_json_nested_past_the_limit_is_refused_without_recursion():
    deep = "x"
    for _ in range(5000):
        deep = [deep]
    problem = request_problem({"sender": GOOD_SENDER, "message": "hi", "metadata": {"a": deep}})
    assert "nested more than" in problem


def test_a_lone_surrogate_is_refused_in_the_message_and_in_metadata_keys():
    assert "not valid Unicode" in request_problem({"sender": GOOD_SENDER, "message": "hi \ud800"})
    assert "not valid Unicode" in request_problem(
        {"sender": GOOD_SENDER, "message": "hi", "metadata": {"\udfff": 1}})
    assert request_problem({"sender": GOOD_SENDER, "message": "hej 😀 åäö"}) is None
