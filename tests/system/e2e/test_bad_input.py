"""Bad input gets a clear answer, breaks nothing, and is kept for the transcript."""
import pytest
import requests
from sqlalchemy import create_engine, text

from tests.support.customers import RestCustomer
from tests.system.e2e.conftest import ADDRESS_LIMIT


def stored_user_texts(assistant, sender):
    engine = create_engine(assistant.env_for_tests["TRACKER_STORE_URL"], future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
            {"s": sender},
        ).all()
    import json
    return [json.loads(row.data)["text"] for row in rows]


def assert_still_works(customer):
    assert "account 1930" in customer.say_text("Account 1930 is not active")


@pytest.mark.parametrize(
    "message,answer",
    [
        ("", "arrived empty"),
        ("   ", "arrived empty"),
        ("\x00\x01\x02\x7f", "arrived empty"),
        ("<img src=x onerror=alert(1)>", "didn't understand"),
        ("'; DROP TABLE events; --", "didn't understand"),
        ("🙂🙂🙂", "didn't understand"),
        ("{" * 4_000, "didn't understand"),
        ("{" * 10_000, "too long for me"),
    ],
    ids=["empty", "blank", "control-chars", "html", "sql", "emoji", "braces", "many-braces"],
)
def test_odd_messages_get_a_clear_answer(assistant, customer, message, answer):
    assert answer in customer.say_text(message)
    assert_still_works(customer)


def test_blank_messages_do_not_push_a_customer_to_a_human(assistant, customer):
    for _ in range(3):
        assert "arrived empty" in customer.say_text("")
    assert "passed this conversation" not in customer.say_text("   ")


def test_a_long_paste_is_read_from_its_beginning_and_stored_whole(assistant, customer):
    log = "2024-01-31 12:00:00 INFO sync ok\n" * 140  # about 4,600 characters in all
    message = "Account 1930 is not active. Log follows:\n" + log + "END"
    answer = customer.say_text(message)
    assert "account 1930" in answer, answer[:300]
    assert stored_user_texts(assistant, customer.sender)[-1] == message


def test_a_huge_paste_gets_a_polite_answer_and_the_chat_goes_on(assistant, customer):
    answer = customer.say_text("Account 1930 is not active\n" + "x" * 20_000)
    assert "too long for me (more than 5,000 characters)" in answer
    assert_still_works(customer)


def test_html_is_never_echoed_as_markup(assistant, customer):
    answer = customer.say_text("Account <b>1930</b> is not active")
    assert "<b>" not in answer


@pytest.mark.parametrize(
    "body,content_type,error",
    [
        (b"not json at all", "application/json", "must be JSON"),
        (b"\xff\xfe\x00binary", "application/json", "must be JSON"),
        (b"", "application/json", "must be JSON"),
        (b"[1, 2]", "application/json", "JSON object"),
        (b'{"sender": "x"}', "application/json", "random conversation id"),
        (b'{"sender": "me", "message": "hi"}', "application/json", "random conversation id"),
        (b'{"sender": "0123456789abcdef0"}', "application/json", "'message' must be a string"),
        (b'{"message": 42, "sender": "0123456789abcdef0"}', "application/json",
         "'message' must be a string"),
        (b'{"message": "hi", "sender": "0123456789abcdef0", "metadata": [1]}',
         "application/json", "'metadata' must be an object"),
    ],
    ids=["not-json", "binary", "empty-body", "array", "no-message", "guessable-sender",
         "no-message-2", "non-string-message", "bad-metadata"],
)
def test_broken_requests_get_a_400_that_says_why(assistant, rasa_url, body, content_type, error):
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == 400, response.text
    assert error in response.json()["error"]
    assert_still_works(RestCustomer(rasa_url))


def test_an_oversized_body_is_refused_before_it_is_read(assistant, rasa_url):
    body = b'{"sender": "0123456789abcdef0", "message": "' + b"x" * 2_000_000 + b'"}'
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
    assert_still_works(RestCustomer(rasa_url))


def test_a_flood_from_one_conversation_is_slowed_politely(assistant, customer):
    statuses = [customer.post("hi").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    assert "faster than I can read" in customer.post("hi").json()[0]["text"]


def test_a_flood_from_one_address_is_slowed_politely(assistant, rasa_url):
    customers = [RestCustomer(rasa_url) for _ in range(3)]
    for customer in customers:
        customer.address = "198.51.100.77"
    statuses = [customers[i % 3].post("thanks").status_code for i in range(ADDRESS_LIMIT + 1)]
    assert statuses[-1] == 429 and statuses[:-1] == [200] * ADDRESS_LIMIT
