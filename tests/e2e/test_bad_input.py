"""Bad input gets a clear answer, breaks nothing, and is kept for the transcript."""
import pytest
import requests
from sqlalchemy import create_engine, text

from tests.e2e.conftest import RestCustomer


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
        ("{" * 10_000, "didn't understand"),
    ],
    ids=["empty", "blank", "control-chars", "html", "sql", "emoji", "braces"],
)
def test_odd_messages_get_a_clear_answer(assistant, customer, message, answer):
    assert answer in customer.say_text(message)
    assert_still_works(customer)


def test_blank_messages_do_not_push_a_customer_to_a_human(assistant, customer):
    for _ in range(3):
        assert "arrived empty" in customer.say_text("")
    assert "passed your conversation" not in customer.say_text("   ")


def test_a_huge_paste_is_answered_and_stored_whole(assistant, customer):
    log = "2024-01-31 12:00:00 INFO sync ok\n" * 3000 + "Account 1930 is not active"
    answer = customer.say_text("Account 1930 is not active. Log follows:\n" + log)
    assert "account 1930" in answer, answer[:300]
    assert stored_user_texts(assistant, customer.sender)[-1].endswith("Account 1930 is not active")


def test_html_is_never_echoed_as_markup(assistant, customer):
    answer = customer.say_text("Account <b>1930</b> is not active")
    assert "<b>" not in answer


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"not json at all", "application/json"),
        (b"\xff\xfe\x00binary", "application/octet-stream"),
        (b'{"sender": "x"}', "application/json"),
        (b'{"message": 42, "sender": "x"}', "application/json"),
    ],
    ids=["not-json", "binary", "no-message", "non-string-message"],
)
def test_broken_requests_get_a_client_error_not_a_crash(assistant, rasa_url, body, content_type):
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code < 500, response.text
    assert_still_works(RestCustomer(rasa_url))
