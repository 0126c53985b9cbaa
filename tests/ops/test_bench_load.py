"""The bench's client-side bookkeeping (bot/ops/bench_load.py): what it reads back from the
tracker store, which turns fall in the measured window, the customers' addresses."""
from sqlalchemy import create_engine

from bot.ops.bench_load import LoadResult, check_stored, customer_address, in_window
from bot.storage.events import EventRepository


def store(tracker_url, sender, kinds_and_texts):
    engine = create_engine(tracker_url, future=True)
    EventRepository(engine).add_all(
        (sender, {"event": kind, "timestamp": float(n), "text": text})
        for n, (kind, text) in enumerate(kinds_and_texts))
    engine.dispose()


def test_a_whole_conversation_is_nothing_lost(tracker_url):
    store(tracker_url, "c1", [("user", "hi"), ("bot", "Hello"), ("user", "/affirm"),
                              ("bot", "Good"), ("user", "/affirm"), ("bot", "Good")])
    # The same click twice in a row is what the customer did, not a duplicate.
    assert check_stored(tracker_url, {"c1": ["hi", "/affirm", "/affirm"]}) == {
        "lost": 0, "out_of_order": 0, "duplicated": 0, "unanswered": 0}


def test_a_masked_email_address_counts_as_stored(tracker_url):
    store(tracker_url, "c2", [("user", "my email is [e-mail]"), ("bot", "Thanks")])
    assert check_stored(tracker_url, {"c2": ["my email is anna@example.com"]})["lost"] == 0


def test_lost_out_of_order_duplicated_and_unanswered_are_each_counted(tracker_url):
    store(tracker_url, "c3", [("user", "b"), ("bot", "x"), ("user", "a"), ("bot", "y"),
                              ("user", "a"), ("bot", "z"), ("user", "d")])
    assert check_stored(tracker_url, {"c3": ["a", "b", "c", "d"]}) == {
        "lost": 1, "out_of_order": 1, "duplicated": 1, "unanswered": 1}


def test_only_turns_sent_in_the_window_are_measured():
    result = LoadResult(latencies=[0.1, 0.2, 0.3, 0.4], started=[1.0, 5.0, 9.99, 10.0])
    assert in_window(result, 5.0, 10.0) == [0.2, 0.3]


def test_every_customer_has_an_address_of_its_own_in_the_benchmark_range():
    addresses = [customer_address(n) for n in range(125_000)]
    assert len(set(addresses)) == len(addresses)
    assert all(a.startswith(("198.18.", "198.19.")) for a in addresses)
    assert all(0 <= int(part) < 256 for a in addresses for part in a.split("."))
    assert all(a.split(".")[3] not in ("0", "255") for a in addresses)  # no network, no broadcast
